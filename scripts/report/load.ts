// Load reports as the --json summary, Markdown and terminal lines: pure functions of the report.
import type { GeneratorProgress } from '../drills/traffic.ts';
import type { DrillLoad, Latency, LoadReport, LoadWindow, TierTimes } from '../load/types.ts';

const MIB = 1024 * 1024;
const fmtMs = (l: Latency | null) => (l ? `${l.p50} / ${l.p95} / ${l.p99} / ${l.max} ms` : 'n/a');
const counts = (c: Record<string, number>) => {
  const e = Object.entries(c).sort(([a], [b]) => Number(a) - Number(b));
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k === '0' ? 'no answer' : k} ${v}`).join(', ');
};

/**
 * The --json document, a stable shape: { ok, lab, scenario, users, durationS, requests: { total,
 * failed }, byStatus, failedByStatus, operations: [{ op, requests, failed, ms: { p50, p95, p99, max }, mib }],
 * throughput: { requestsPerS, mibPerS }, tiers: [{ op, matched, p50, p95 }] | null, generator, files }.
 */
export function loadSummary(r: LoadReport) {
  return {
    ok: r.ok,
    lab: r.lab,
    scenario: r.spec.scenario,
    users: r.spec.users,
    durationS: r.durationS,
    requests: { total: r.requests.total, failed: r.requests.failed },
    byStatus: r.byStatus,
    failedByStatus: r.failedByStatus,
    operations: r.operations.map((o) => ({
      op: o.op,
      requests: o.requests,
      failed: o.failed,
      ms: o.ms,
      mib: o.mib,
    })),
    throughput: r.throughput,
    tiers: r.tiers
      ? r.tiers.rows.map((t) => ({ op: t.op, matched: t.matched, p50: t.p50, p95: t.p95 }))
      : null,
    generator: r.generator,
    files: r.files,
  };
}

/** The running line on stderr: totals so far and the rate since the previous sample. */
export function progressLine(p: GeneratorProgress, prev: GeneratorProgress | null): string {
  const base = prev ?? { t: p.t0, done: 0, bytes: 0, cpuS: 0 };
  const s = Math.max(0.001, (p.t - base.t) / 1000);
  const rate = ((p.done - base.done) / s).toFixed(1);
  const mib = ((p.bytes - base.bytes) / MIB / s).toFixed(2);
  const cpu = Math.round(((p.cpuS - base.cpuS) / s) * 100);
  return `load: ${p.done} requests, ${p.failed} failed, ${rate} req/s, ${mib} MiB/s (generator ${cpu} % CPU)${p.finished ? ', finished' : ''}`;
}

/** Lines for the terminal after the run, ✓ or ✗ first. */
export function loadTerminal(r: LoadReport): string[] {
  const lines = [
    `${r.ok ? '✓' : '✗'} load ${r.spec.scenario}, ${r.spec.users} users, ${r.durationS} s: ${r.requests.total} requests, ${r.requests.failed} failed (${r.requests.failedPct}%), ${r.throughput.requestsPerS} req/s, ${r.throughput.mibPerS} MiB/s`,
  ];
  for (const o of r.operations)
    lines.push(
      `  ${o.op.padEnd(10)} ${String(o.requests).padStart(6)} requests, ${o.failed} failed, p50/p95/p99/max ${fmtMs(o.ms)}`,
    );
  lines.push(`  by status: ${counts(r.byStatus)}; failed: ${counts(r.failedByStatus)}`);
  if (r.tiers)
    for (const t of r.tiers.rows)
      lines.push(
        `  ${t.op.padEnd(10)} median: client ${t.p50.client} ms = outside HAProxy ${t.p50.outside} + HAProxy ${t.p50.haproxy} (queue ${t.p50.queue}, web node ${t.p50.web ?? 'n/a'})`,
      );
  for (const f of r.failures.slice(0, 3)) lines.push(`  ${f.count}x ${f.op} ${f.status}: ${f.err}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (r.files.markdown) lines.push(`report: ${r.files.markdown}`);
  return lines;
}

const cell = (a: number | null, b: number | null) => `${a ?? 'n/a'} / ${b ?? 'n/a'}`;
const TIERS: [keyof TierTimes, string][] = [
  ['client', 'client'],
  ['outside', 'outside HAProxy'],
  ['request', 'request (TR)'],
  ['queue', 'queue (Tw)'],
  ['connect', 'connect (Tc)'],
  ['response', 'response (Tr)'],
  ['web', 'web node (%D)'],
  ['haproxy', 'HAProxy total (Ta)'],
];

function tierSection(r: LoadReport): string[] {
  const out = ['## Where the time goes', ''];
  if (!r.tiers) return [...out, "HAProxy logged none of this run's requests: see the notes.", ''];
  out.push(
    `Medians / 95th percentiles in ms, from each lb's own log (${r.tiers.matched} of ${r.requests.total} requests found).`,
    '"Outside HAProxy" is the client\'s time minus HAProxy\'s (TLS, the network to the lb); "response" runs',
    "from the request sent to the web node until its answer's headers (an upload's body included); the web",
    "node's own time (Apache's %D) is part of it.",
    '',
    `| operation | logged | ${TIERS.map(([, t]) => t).join(' | ')} |`,
    `|---|---|${TIERS.map(() => '---').join('|')}|`,
  );
  for (const t of r.tiers.rows)
    out.push(`| ${t.op} | ${t.matched} | ${TIERS.map(([k]) => cell(t.p50[k], t.p95[k])).join(' | ')} |`);
  return [...out, ''];
}

function settings(r: LoadReport): string[] {
  const s = r.spec;
  return [
    '| setting | value |',
    '|---|---|',
    `| scenario | ${s.scenario} |`,
    `| users | ${s.users} (ramp-up ${s.rampS} s, think time ${s.thinkS} s) |`,
    `| length | ${[s.durationS ? `${s.durationS} s` : '', s.iterations ? `${s.iterations} iterations per user` : ''].filter(Boolean).join(', at most ')} |`,
    ...(s.scenario === 'transfer' ? [`| file size | ${s.sizeBytes} bytes |`] : []),
    `| seed | ${s.seed} |`,
    `| run id (X-Lab-Run) | ${r.runId} |`,
    '',
  ];
}

/** The Markdown report: settings, totals, latency per operation, the tier split, failures, chart. */
export function renderLoadMarkdown(r: LoadReport): string {
  const out = [
    `# Load test on ${r.lab} (${r.provider}), ${r.startedAt}`,
    '',
    `Result: ${r.ok ? 'pass' : 'FAIL'} (${r.requests.failed} of ${r.requests.total} requests failed${r.interrupted ? ', interrupted' : ''})`,
    '',
    ...settings(r),
    '## Requests',
    '',
    '| measure | value |',
    '|---|---|',
    `| requests | ${r.requests.total} |`,
    `| failed | ${r.requests.failed} (${r.requests.failedPct}%) |`,
    `| duration | ${r.durationS} s |`,
    `| throughput | ${r.throughput.requestsPerS} requests/s, ${r.throughput.mibPerS} MiB/s |`,
    `| answers by status | ${counts(r.byStatus)} |`,
    `| failed by status | ${counts(r.failedByStatus)} |`,
    `| generator on the client | ${r.generator.cpuPct ?? 'n/a'} % of one core, ${r.generator.peakMiB ?? 'n/a'} MiB peak |`,
    '',
    '## Latency per operation',
    '',
    '| operation | requests | failed | p50 ms | p95 ms | p99 ms | max ms | MiB |',
    '|---|---|---|---|---|---|---|---|',
    ...r.operations.map(
      (o) =>
        `| ${o.op} | ${o.requests} | ${o.failed} | ${o.ms?.p50 ?? 'n/a'} | ${o.ms?.p95 ?? 'n/a'} | ${o.ms?.p99 ?? 'n/a'} | ${o.ms?.max ?? 'n/a'} | ${o.mib} |`,
    ),
    '',
    ...tierSection(r),
  ];
  if (r.failures.length > 0) {
    out.push('## Failures', '', '| operation | status | error | count |', '|---|---|---|---|');
    for (const f of r.failures)
      out.push(`| ${f.op} | ${f.status || 'no answer'} | ${f.err.replace(/\|/g, '\\|')} | ${f.count} |`);
    out.push('');
  }
  if (r.files.svg) out.push(`![latency and throughput over time](${r.files.svg.split('/').pop()})`, '');
  if (r.notes.length > 0 || r.error)
    out.push('Notes:', '', ...[...r.notes, ...(r.error ? [r.error] : [])].map((n) => `- ${n}`), '');
  return `${out.join('\n')}\n`;
}

function windowRow(name: string, w: LoadWindow): string {
  return `| ${name} | ${w.requests} | ${w.failed} | ${counts(w.failedByStatus)} | ${fmtMs(w.ms)} |`;
}

/** The drill report's lines about the load that ran beside the drill. */
export function drillLoadSection(d: DrillLoad): string[] {
  return [
    `Load beside the drill: ${d.scenario}, ${d.users} users.`,
    '',
    '| load | requests | failed | failed by status | p50 / p95 / p99 / max |',
    '|---|---|---|---|---|',
    windowRow('during the fault (halt to back in service)', d.fault),
    windowRow('whole drill', d.whole),
    '',
  ];
}
