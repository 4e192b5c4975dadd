// Runs checks with a deadline each and turns any error into a failed check with its message.
import { redact } from '../core/secrets.ts';
import type { LabContext } from '../engine/context.ts';
import type { Check, CheckContext, CheckResult, SkipCause, Tier } from './types.ts';

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
}

/** The checks that did not pass, as "id: summary" lines a student can read. */
export function failedChecks(report: VerifyReport): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.summary}`);
}

export interface RunChecksOptions {
  tiers?: Tier[];
  timeoutMs?: number;
  onResult?: (r: CheckResult) => void;
  signal?: AbortSignal;
  /**
   * Results of some of these checks that passed a moment ago on the same lab (a reset's agree phase):
   * taken as they are, in their place in the report, instead of running those checks again.
   */
  passed?: CheckResult[];
}

/**
 * How many tiers run side by side. A tier's checks run one after another, in their order (a login
 * before WebDAV); different tiers look at different parts of the lab. One after another, a verify of
 * full-ha took the sum of its checks, 10 s on a 2-core host (nextcloud 4.4, web 2.8, the rest under
 * 1.1 each). Three at once keep a node's SSH connection under sshd's 10 sessions (MaxSessions) with
 * room for a drill's traffic, and a slow guest's checks far from their deadlines.
 */
export const TIERS_AT_ONCE = 3;

/**
 * The tiers that take longest start first (a longest-first schedule of the tiers over the slots); the
 * report keeps the checks' order. On full-ha the nextcloud tier takes 4.5-5.4 s (a login, then a
 * WebDAV upload read back from each web node, PHP cold after a reset) and web 3.3 s, every other tier
 * 1.3 s at most. In the order of the checks nextcloud started last, when a slot freed: 6.3 s into an 8.2 s
 * verify.
 */
export const LONGEST_TIERS_FIRST: readonly Tier[] = ['nextcloud', 'web'];

export async function runChecks(
  ctx: LabContext,
  checks: Check[],
  opts: RunChecksOptions = {},
): Promise<VerifyReport> {
  const cctx: CheckContext = {
    lab: ctx.lab,
    remote: ctx.remote,
    secrets: ctx.secrets,
    running: await ctx.running(),
    signal: opts.signal,
  };
  const selected = checks.filter(
    (c) => (!opts.tiers || opts.tiers.includes(c.tier)) && (c.applies?.(cctx) ?? true),
  );
  const known = new Map((opts.passed ?? []).filter((r) => r.status === 'pass').map((r) => [r.id, r]));
  const results: (CheckResult | undefined)[] = selected.map(() => undefined);
  let told = 0;
  const runTier = async (tier: Tier) => {
    for (const [i, check] of selected.entries()) {
      if (check.tier !== tier) continue;
      const r = known.get(check.id) ?? (await runOne(check, cctx, opts.timeoutMs ?? 90_000));
      results[i] = {
        ...r,
        summary: redact(r.summary, ctx.secrets),
        evidence: r.evidence.map((e) => ({
          ...e,
          command: redact(e.command, ctx.secrets),
          output: redact(e.output, ctx.secrets),
        })),
      };
      // In the order of `checks`, whichever tier finished first.
      for (let next = results[told]; next; next = results[told]) {
        told++;
        opts.onResult?.(next);
      }
    }
  };
  const rank = (t: Tier) => {
    const i = LONGEST_TIERS_FIRST.indexOf(t);
    return i < 0 ? LONGEST_TIERS_FIRST.length : i;
  };
  // Stable: the other tiers keep their order.
  const tiers = [...new Set(selected.map((c) => c.tier))].sort((a, b) => rank(a) - rank(b));
  await Promise.all(
    Array.from({ length: Math.min(TIERS_AT_ONCE, tiers.length) }, async () => {
      for (let tier = tiers.shift(); tier; tier = tiers.shift()) await runTier(tier);
    }),
  );
  const done = results.filter((r): r is CheckResult => r !== undefined);
  // Nothing passing is not a healthy lab: a lab with no machine up skips every check.
  return {
    ok: done.every((r) => r.status !== 'fail') && done.some((r) => r.status === 'pass'),
    checks: done,
  };
}

/**
 * A check that would still skip with every machine of the lab running skips because the lab has no
 * such part; one that would run then skips because a machine it needs is down.
 */
export function skipCause(check: Check, ctx: CheckContext): SkipCause {
  const everyNode = new Set(ctx.lab.nodes.map((n) => n.name));
  return check.skipReason({ ...ctx, running: everyNode }) ? 'not-in-lab' : 'prerequisite';
}

async function runOne(check: Check, ctx: CheckContext, timeoutMs: number): Promise<CheckResult> {
  const started = Date.now();
  const base = { id: check.id, tier: check.tier, title: check.title };
  const reason = check.skipReason(ctx);
  if (reason)
    return {
      ...base,
      status: 'skip',
      summary: reason,
      evidence: [],
      ms: 0,
      skipCause: skipCause(check, ctx),
    };
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      check.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return { ...base, ...outcome, ms: Date.now() - started };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      ...base,
      status: 'fail',
      summary: `the check could not complete: ${message}`,
      evidence: [],
      hint: 'Is every node running and reachable? `npm run lab:status` shows them.',
      ms: Date.now() - started,
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
