// Steady state before a drill and full recovery after it: both are "every lab:verify check passes".
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CHECKS } from '../checks/index.ts';
import { failedChecks, runChecks, type VerifyReport } from '../checks/run.ts';
import { LabError } from '../core/errors.ts';
import { frontAddress, REPO_ROOT } from '../core/model.ts';
import type { LabContext } from '../engine/context.ts';
import { rejoinPending } from './rejoin.ts';
import { type DavAccess, DRILL_DIR, putDavFile } from './traffic.ts';
import { parseStoredWrites, type StoredWrite } from './writes.ts';

/**
 * Refuses to start a drill on a lab that is not healthy: a drill measures a failover, not an outage.
 * Returns the passing report (it says, e.g., whether Nextcloud's WebDAV works, so traffic can use it).
 */
export async function requireSteadyState(ctx: LabContext): Promise<VerifyReport> {
  const report = await runChecks(ctx, ALL_CHECKS, { timeoutMs: 60_000 });
  if (report.ok) return report;
  throw new LabError(
    'DRILL_NOT_STEADY',
    'The lab is not in a steady state: a drill needs every check passing first',
    {
      hint: 'Fix what `npm run lab:verify` reports (or run `npm run lab:up` again), then start the drill.',
      details: failedChecks(report),
    },
  );
}

// "Back" is every tier serving again; the monitoring's alerts resolve on their own clock, which the
// drill measures separately (alerts.ts), so they do not delay it.
const RECOVERY_CHECKS = ALL_CHECKS.filter((c) => c.tier !== 'monitoring');

/**
 * Polls until every check passes and the restarted nodes are UP again on their balancers, or the
 * deadline; returns when (ms since epoch, null if never) and what still failed last. The cheap test
 * (HAProxy's server states, the VIP holders) is polled every second; the whole check suite runs only
 * once it passes: run back to back under drill traffic, the suite's own WebDAV uploads and requests
 * loaded a 2-core host enough to time out users' requests while the node was coming back.
 */
export async function waitHealthy(
  ctx: LabContext,
  nodes: string[],
  deadlineMs: number,
  intervalMs = 2000,
): Promise<{ at: number | null; failing: string[] }> {
  const until = Date.now() + deadlineMs;
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
  for (;;) {
    const running = await ctx.running();
    const pending = (
      await Promise.all(nodes.map((n) => rejoinPending(ctx.lab, ctx.remote, running, n)))
    ).flat();
    let failing = pending.map((p) => `not back in service: ${p}`);
    if (failing.length === 0) {
      failing = failedChecks(await runChecks(ctx, RECOVERY_CHECKS, { timeoutMs: 30_000 }));
      if (failing.length === 0) return { at: Date.now(), failing };
    }
    const wait = pending.length > 0 ? 1000 : intervalMs;
    if (Date.now() + wait > until) return { at: null, failing };
    await sleep(wait);
  }
}

/** Every write the lab holds, read as a user would: through the front address, from the client. */
export async function storedWrites(ctx: LabContext, client: string): Promise<Map<string, StoredWrite>> {
  const url = `https://${frontAddress(ctx.lab)}/lab-probe/writes.php`;
  const argv = ['curl', '-sS', '--fail', '--max-time', '60', '--cacert', '/opt/lab/tls/ca.crt', url];
  let r = await ctx.remote.exec(client, argv, { timeoutMs: 70_000 });
  // Right after recovery one answer may still be a 503 (e.g. the mount settling): three tries.
  for (let i = 0; i < 2 && r.code !== 0; i++) {
    await new Promise((res) => setTimeout(res, 3000));
    r = await ctx.remote.exec(client, argv, { timeoutMs: 70_000 });
  }
  if (r.code !== 0) {
    throw new LabError('DRILL_WRITES_UNREADABLE', `Could not list the lab's writes: ${r.stderr.trim()}`, {
      hint: `Run on ${client}: ${argv.join(' ')}`,
    });
  }
  return parseStoredWrites(JSON.parse(r.stdout));
}

/**
 * Reads back, through the front, every WebDAV file in `paths` (client-side dav-files.php): path ->
 * sha256, 'locked' when Nextcloud answers 423 at three reads, or null when it answers 404. Any other
 * failure throws: it proves nothing either way.
 */
export async function storedDavFiles(
  ctx: LabContext,
  client: string,
  paths: string[],
  dav: DavAccess,
): Promise<Map<string, string | null>> {
  if (paths.length === 0) return new Map();
  const tag = randomBytes(4).toString('hex');
  const f = {
    script: `${DRILL_DIR}/dav-files.php`,
    list: `${DRILL_DIR}/dav-list-${tag}.txt`,
    creds: `${DRILL_DIR}/dav-${tag}.json`,
  };
  await ctx.remote.put(
    client,
    f.script,
    readFileSync(join(REPO_ROOT, 'provision/files/client/dav-files.php')),
    0o644,
  );
  await ctx.remote.put(client, f.list, `${paths.join('\n')}\n`, 0o600);
  await putDavFile(ctx.remote, client, f.creds, dav);
  try {
    const argv = ['php', f.script, `--dav=${f.creds}`, '--ca=/opt/lab/tls/ca.crt', `--list=${f.list}`];
    const r = await ctx.remote.exec(client, argv, { timeoutMs: 60_000 + paths.length * 2000 });
    if (r.code !== 0)
      throw new LabError(
        'DRILL_WRITES_UNREADABLE',
        `Could not read the WebDAV files back: ${r.stderr.trim()}`,
        {
          hint: `Run on ${client}: ${argv.join(' ')} (with a credentials file like ${f.creds})`,
        },
      );
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    return new Map(paths.map((p) => [p, typeof body[p] === 'string' ? (body[p] as string) : null]));
  } finally {
    await ctx.remote.exec(client, ['rm', '-f', f.creds, f.list], { timeoutMs: 10_000 });
  }
}
