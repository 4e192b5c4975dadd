// After a snapshot restore, the disks are those of a lab that was provisioned and running: booted, they
// come back as after a power cut of the whole lab, and every service the roles set up starts by itself
// (the lab is built to: the whole-lab power-cycle drill shows it). When the snapshot was taken with the
// lab file and provision/ of now, running every role again would change nothing and cost most of a
// reset. `warmStart` boots the machines instead, waits until no node's systemd has a unit starting,
// stopping or failed, or a job queued, checks that the Galera nodes formed one Primary component, and
// waits until what the lab elects at boot agrees (one Redis primary, one VIP holder per pair, every
// balancer's servers UP). Anything else is a reason, and the caller provisions as `lab up` does.
import { ALL_CHECKS } from '../checks/index.ts';
import { failedChecks, runChecks, type VerifyReport } from '../checks/run.ts';
import type { Node } from '../core/model.ts';
import type { Progress } from '../core/progress.ts';
import type { LabContext } from './context.ts';
import { roleEnv } from './env.ts';
import { parseProbeLine } from './galera.ts';
import { runStep } from './provision.ts';
import { inParallel } from './up.ts';

/** How long a node's boot may take to settle before a warm start gives up on it. */
export const SETTLE_S = 90;

/**
 * A node's boot settled: `systemctl is-system-running --wait`, then no unit activating (a service in
 * its auto-restart wait counts: the web node's mount retry), deactivating, reloading or failed, and no
 * job queued, seen twice half a second apart (a timer's short oneshot is over by then). Prints `ready`,
 * or what was still busy when `$1` seconds were up. It runs on every node while all of them boot on a
 * busy host, so a busy node is asked again only every second, with two systemctl calls, a date and a
 * sleep. The first version forked six processes every half second. During a full-ha reset, what the
 * tool runs over SSH (this loop, the probes, the checks) takes up to half of a 2-core host.
 */
export function settleArgv(seconds: number): string[] {
  const script = [
    'end=$(( $(date +%s) + $1 ))',
    'timeout "$1" systemctl is-system-running --wait >/dev/null 2>&1 || true',
    'calm=0',
    'while :; do',
    '  busy=$(systemctl list-units --all --state=activating,deactivating,reloading,failed --plain --no-legend --no-pager)',
    '  jobs=$(systemctl list-jobs --no-legend --no-pager)',
    '  if [ -z "$busy$jobs" ]; then',
    '    calm=$((calm + 1))',
    '    [ "$calm" -ge 2 ] && { echo ready; exit 0; }',
    '    sleep 0.5',
    '    continue',
    '  fi',
    '  calm=0',
    '  if [ "$(date +%s)" -ge "$end" ]; then',
    '    units=$(printf "%s\\n" "$busy" | awk \'NF { printf "%s(%s) ", $1, $4 }\')',
    '    echo "still busy after $1 s: $units$(printf "%s\\n" "$jobs" | grep -c .) job(s) queued"',
    '    exit 1',
    '  fi',
    '  sleep 1',
    'done',
  ].join('\n');
  return ['sh', '-c', script, 'settle', String(seconds)];
}

/** How long what the lab elects at boot may take to agree once every node settled. */
export const AGREE_S = 60;

/**
 * The checks of what a whole-lab boot elects rather than starts: they may fail for a while after every
 * unit is up. Every node booting at once is a power cut of the whole lab: the Sentinels start before the
 * Redis primary answers, fail over, and the old primary comes back as a second one until Sentinel
 * demotes it (about 10 s later). A verify run in that window failed redis.agree (CI, 2026-12-04).
 */
export const ELECTED_CHECKS = [
  'redis.agree',
  'redis.sentinel-quorum',
  'router.redis-primary',
  'router.single-writer',
  'router.vip',
  'lb.vip',
  'lb.backends',
] as const;

/**
 * Runs `run` until no check in its report fails (a skip is fine: that part is not in the lab or its
 * node not restored), every `intervalMs`, for at most `deadlineMs`. Returns the last report with its
 * failures: none once agreed, else those of the last run when the time is up. `onWait` hears what a
 * run that did not agree still waits for.
 */
export async function untilAgreed(
  run: () => Promise<VerifyReport>,
  deadlineMs: number,
  intervalMs = 1000,
  signal?: AbortSignal,
  onWait?: (failing: string[]) => void,
): Promise<{ failing: string[]; report: VerifyReport }> {
  const t0 = Date.now();
  for (;;) {
    const report = await run();
    const failing = failedChecks(report);
    if (failing.length === 0 || signal?.aborted || Date.now() - t0 + intervalMs > deadlineMs)
      return { failing, report };
    onWait?.(failing);
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** Ready comes with the last report of the elected checks, all of them passing or skipped. */
export type WarmResult = { ready: true; elected: VerifyReport } | { ready: false; reason: string };

export async function warmStart(
  ctx: LabContext,
  progress: Progress,
  nodes: Node[],
  signal?: AbortSignal,
): Promise<WarmResult> {
  progress.phase('machines', `${nodes.length} node(s) on ${ctx.provider.name}`);
  const t0 = Date.now();
  await ctx.provider.up(nodes, {
    signal,
    onProgress: (node, msg) => progress.info(`${node}: ${msg}`),
    keepSsh: (node, c, target) => ctx.remote.adopt(node, c, target),
  });
  progress.ok(nodes.map((n) => n.name).join(' '), `up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  progress.phase('settle', 'every node: its services up by themselves, nothing starting or failed');
  const busy: string[] = [];
  await inParallel(nodes, nodes.length, async (n) => {
    const r = await ctx.remote.exec(n.name, settleArgv(SETTLE_S), {
      timeoutMs: (SETTLE_S + 15) * 1000,
      signal,
    });
    const said = r.stdout.trim() || r.stderr.trim() || `exit ${r.code}`;
    if (r.code === 0)
      progress.ok(n.name, `settled ${((Date.now() - t0) / 1000).toFixed(1)} s after boot began`);
    else {
      progress.warn(`${n.name}: ${said}`);
      busy.push(`${n.name}: ${said}`);
    }
  });
  if (busy.length > 0) return { ready: false, reason: busy.join('; ') };

  const galera = await galeraPrimary(ctx, progress, nodes, signal);
  if (galera) return { ready: false, reason: galera };

  const elected = ALL_CHECKS.filter((c) => (ELECTED_CHECKS as readonly string[]).includes(c.id));
  progress.phase('agree', 'what the boot elects: the Redis primary, the VIP holders, the balancers');
  const { failing, report } = await untilAgreed(
    () => runChecks(ctx, elected, { timeoutMs: 15_000, signal }),
    AGREE_S * 1000,
    1000,
    signal,
    (waiting) => progress.info(`waiting for: ${waiting.map((f) => f.split(':')[0]).join(', ')}`),
  );
  if (failing.length > 0) {
    for (const f of failing) progress.warn(f);
    return { ready: false, reason: `not agreed after ${AGREE_S} s: ${failing.join('; ')}` };
  }
  progress.ok('agreed', `${((Date.now() - t0) / 1000).toFixed(1)} s after boot began`);
  return { ready: true, elected: report };
}

/** Galera's nodes in one Primary component with one cluster uuid; else what is wrong. */
async function galeraPrimary(
  ctx: LabContext,
  progress: Progress,
  nodes: Node[],
  signal?: AbortSignal,
): Promise<string | undefined> {
  const dbs = nodes.filter((n) => n.roles.includes('db'));
  if (dbs.length < 2) return undefined;
  progress.phase('galera-probe', dbs.map((n) => n.name).join(', '));
  const probes = await Promise.all(
    dbs.map(async (n) => {
      const o = await runStep(ctx.remote, {
        node: n.name,
        role: 'db',
        step: 'probe',
        env: roleEnv(ctx.lab, n, ctx.provider.name, ctx.secrets),
        logDir: ctx.paths.logs,
        secrets: ctx.secrets,
        signal,
      });
      if (o.code !== 0) return { node: n.name, problem: `its probe failed (exit ${o.code})` };
      const p = parseProbeLine(n.name, o.states.map((s) => `::lab-state ${s}`).join('\n'));
      progress.ok(o.label, o.states.join(' '));
      return {
        node: n.name,
        problem: p.running && p.primary ? undefined : 'not in a Primary component',
        uuid: p.uuid,
      };
    }),
  );
  const problems = probes.filter((p) => p.problem).map((p) => `${p.node}: ${p.problem}`);
  if (problems.length > 0) return `Galera ${problems.join('; ')}`;
  const uuids = new Set(probes.map((p) => p.uuid));
  return uuids.size === 1 ? undefined : `Galera came back as ${uuids.size} clusters`;
}
