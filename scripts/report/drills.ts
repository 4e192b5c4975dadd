// Drill reports as JSON (the --json shape), Markdown and terminal lines: pure functions of the report.
import type { DrillReport, DrillResult } from '../drills/types.ts';
import { drillLoadSection } from './load.ts';

const secs = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/** The file name, without extension, of drill `index` (0-based) of `count`: zero-padded, so a listing
 *  of the reports folder shows the drills in the order they ran. */
export function drillFileName(stamp: string, index: number, count: number, label: string): string {
  return `drill-${stamp}-${String(index + 1).padStart(String(count).length, '0')}-${label}`;
}

/**
 * The --json document: { ok, drills: [{ scenario, node, requests, longestGapMs, detectMs, recoverMs,
 * lostWrites, ok }] }; with --load each drill also has load: { scenario, users, whole, fault }, each
 * window { requests, failed, failedByStatus, ms: { p50, p95, p99, max } }.
 */
export function jsonSummary(report: DrillReport) {
  return {
    ok: report.ok,
    drills: report.drills.map((d) => ({
      scenario: d.scenario,
      node: d.node,
      requests: { total: d.requests.total, failed: d.requests.failed },
      longestGapMs: d.longestGapMs,
      detectMs: d.detectMs,
      ...(d.alerts ? { firstAlertMs: d.firstAlertMs ?? null, alerts: d.alerts } : {}),
      recoverMs: d.recoverMs,
      lostWrites: d.lostWrites,
      ok: d.ok,
      ...(d.load ? { load: d.load } : {}),
    })),
    refused: report.refused,
  };
}

/** One line per drill for the terminal, ✓ or ✗ first. */
export function terminalLines(report: DrillReport): string[] {
  const lines = report.drills.map(
    (d) =>
      `${d.ok ? '✓' : '✗'} ${d.scenario} ${d.node}: ${d.requests.total} requests, ${d.requests.failed} failed (${d.requests.failedPct}%), ` +
      `longest gap ${secs(d.longestGapMs)}, detected ${secs(d.detectMs)}${d.alerts ? `, first alert ${secs(d.firstAlertMs ?? null)}` : ''}, back ${secs(d.recoverMs)}, ${d.lostWrites} lost writes` +
      (d.load
        ? `; ${d.load.scenario} load: ${d.load.fault.failed} of ${d.load.fault.requests} failed during the fault`
        : '') +
      (d.error ? ` — ${d.error}` : '') +
      (d.files.logs ? `\n  logs: ${d.files.logs}` : ''),
  );
  for (const r of report.refused) lines.push(`- ${r.node} not drilled: ${r.reasons.join('; ')}`);
  if (report.files.logs) lines.push(`logs: ${report.files.logs}`);
  if (report.files.markdown) lines.push(`report: ${report.files.markdown}`);
  return lines;
}

function drillSection(d: DrillResult): string[] {
  const out = [
    `## ${d.ok ? '✓' : '✗'} ${d.scenario} ${d.node}`,
    '',
    `Why this node: ${d.reason}.${d.forced ? ' Forced past the guard.' : ''}`,
    '',
  ];
  out.push('| measure | value |', '|---|---|');
  out.push(
    `| requests | ${d.requests.total} |`,
    `| failed | ${d.requests.failed} (${d.requests.failedPct}%) |`,
  );
  out.push(
    `| longest time without a success | ${secs(d.longestGapMs)} |`,
    `| time to detect | ${secs(d.detectMs)} |`,
  );
  if (d.alerts)
    out.push(
      `| first alert | ${d.firstAlert ? `${secs(d.firstAlertMs ?? null)} (${d.firstAlert})` : 'none fired'} |`,
    );
  out.push(
    `| time until back and rejoined | ${secs(d.recoverMs)} |`,
    `| acknowledged writes (this drill / checked) | ${d.ackedThisDrill} / ${d.ackedWrites} |`,
  );
  out.push(`| lost writes | ${d.lostWrites} |`);
  out.push(`| served by web | ${fmtCounts(d.perWeb)} |`, `| served by db | ${fmtCounts(d.perDb)} |`, '');
  if (d.detectedBy) out.push(`Detected by: ${d.detectedBy}`, '');
  out.push('| target | limit | measured | met |', '|---|---|---|---|');
  for (const t of d.targets)
    out.push(`| ${t.name} | ${t.limit} | ${t.value ?? 'n/a'} | ${t.ok ? 'yes' : 'no'} |`);
  out.push('');
  if (d.alerts) out.push(...alertSection(d.alerts));
  if (d.load) out.push(...drillLoadSection(d.load));
  if (d.files.loadSvg) out.push(`![load](${d.files.loadSvg.split('/').pop()})`, '');
  for (const [title, items] of [
    ['Lost writes', d.lost.map((l) => `${l.id}: ${l.reason}`)],
    ['Checks failing after recovery', d.failedChecks],
    ['Notes', [...d.notes, ...(d.error ? [d.error] : [])]],
  ] as const) {
    if (items.length > 0) out.push(`${title}:`, '', ...items.map((i) => `- ${i}`), '');
  }
  if (d.files.svg) out.push(`![timeline](${d.files.svg.split('/').pop()})`, '');
  if (d.files.logs) out.push(`Logs of the lab after this drill: \`${d.files.logs}\``, '');
  return out;
}

const rel = (ms: number | null) =>
  ms === null ? 'still firing' : `${ms < 0 ? '-' : '+'}${secs(Math.abs(ms))}`;

/** Each alert of the drill: when it fired and resolved, relative to the fault and to the node's return. */
export function alertSection(alerts: NonNullable<DrillResult['alerts']>): string[] {
  if (alerts.length === 0) return ['Alerts: none fired during the drill.', ''];
  const out = [
    '| alert | fired (after the fault) | resolved (after the fault) | resolved (after the return) |',
  ];
  out.push('|---|---|---|---|');
  for (const a of alerts)
    out.push(`| ${a.alert} | ${rel(a.firedMs)} | ${rel(a.resolvedMs)} | ${rel(a.afterReturnMs)} |`);
  return [...out, ''];
}

function fmtCounts(c: Record<string, number>): string {
  const entries = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** The Markdown report: a summary table, then one section per drill. */
export function renderMarkdown(report: DrillReport): string {
  const out = [
    `# Drills on ${report.lab} (${report.provider}), ${report.startedAt}`,
    '',
    `Result: ${report.ok ? 'pass' : 'FAIL'}`,
    '',
  ];
  out.push(
    '| drill | node | requests | failed | longest gap | detect | first alert | back | lost writes | result |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const d of report.drills) {
    out.push(
      `| ${d.scenario} | ${d.node} | ${d.requests.total} | ${d.requests.failed} (${d.requests.failedPct}%) | ${secs(d.longestGapMs)} | ${secs(d.detectMs)} | ${d.alerts ? secs(d.firstAlertMs ?? null) : 'n/a'} | ${secs(d.recoverMs)} | ${d.lostWrites} | ${d.ok ? 'pass' : 'FAIL'} |`,
    );
  }
  out.push('');
  for (const r of report.refused)
    out.push(`- ${r.node} was not drilled: ${r.reasons.join('; ')} (--force runs it)`);
  if (report.refused.length > 0) out.push('');
  if (report.files.logs) out.push(`Logs of the lab when the series stopped: \`${report.files.logs}\``, '');
  if (report.notes.length > 0) out.push(...report.notes.map((n) => `- ${n}`), '');
  for (const d of report.drills) out.push(...drillSection(d));
  return `${out.join('\n')}\n`;
}
