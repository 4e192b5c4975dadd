// Human renderings of results for stdout; --json prints the objects themselves instead.
import type { VerifyReport } from '../checks/run.ts';
import type { CheckResult } from '../checks/types.ts';
import type { Progress } from '../core/progress.ts';
import type { NodeStatus } from '../providers/types.ts';

const MARK = { pass: '✓', fail: '✗', skip: '–' } as const;

/** Each check's line as it finishes, for the progress on stderr. */
export const checkProgress =
  (progress: Progress) =>
  (r: Pick<CheckResult, 'id' | 'status' | 'ms'>): void => {
    if (r.status === 'skip') progress.info(`– ${r.id}  skipped`);
    else (r.status === 'pass' ? progress.ok : progress.fail)(r.id, `${(r.ms / 1000).toFixed(1)} s`);
  };

export function verifyText(report: VerifyReport): string {
  const lines: string[] = [];
  const tiers = [...new Set(report.checks.map((c) => c.tier))];
  const grouped = tiers.flatMap((t) => report.checks.filter((c) => c.tier === t));
  let tier = '';
  for (const c of grouped) {
    if (c.tier !== tier) {
      tier = c.tier;
      lines.push('', `${tier}`);
    }
    lines.push(`  ${MARK[c.status]} ${c.title}: ${c.summary}${c.status === 'skip' ? ' (skipped)' : ''}`);
    if (c.status === 'fail') {
      if (c.hint) lines.push(`      what to look at: ${c.hint}`);
      for (const e of c.evidence.slice(0, 3)) {
        lines.push(`      [${e.node}] $ ${e.command}  (exit ${e.code}, ${e.ms} ms)`);
        for (const l of e.output.split('\n').slice(0, 6)) lines.push(`        ${l}`);
      }
    }
  }
  const count = (s: string) => report.checks.filter((c) => c.status === s).length;
  lines.push(
    '',
    `checks: ${count('pass')} pass, ${count('fail')} fail, ${count('skip')} skipped${report.ok ? '' : '  (the lab is NOT healthy)'}`,
  );
  return lines.join('\n');
}

export function statusText(
  lab: string,
  provider: string,
  nodes: (NodeStatus & { ip: string; roles: string[] })[],
): string {
  const width = Math.max(...nodes.map((n) => n.name.length), 4);
  const rows = nodes.map(
    (n) =>
      `  ${n.name.padEnd(width)}  ${n.ip.padEnd(15)} ${n.state.padEnd(8)} ${n.roles.join(',')}${n.detail ? `  (${n.detail})` : ''}`,
  );
  return [
    `lab ${lab} on ${provider}`,
    `  ${'node'.padEnd(width)}  ${'address'.padEnd(15)} ${'state'.padEnd(8)} roles`,
    ...rows,
  ].join('\n');
}
