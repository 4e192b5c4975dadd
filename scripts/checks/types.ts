// A check is a small function that returns evidence, never a bare boolean.
import type { Lab } from '../core/model.ts';
import type { Secrets } from '../core/secrets.ts';
import type { ExecResult, Remote } from '../engine/remote.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';
/**
 * Why a check skipped: `not-in-lab` when the lab has no such part (no front VIP, one web node, no
 * Nextcloud archive given), `prerequisite` when what it needs is missing or down (a stopped machine,
 * Nextcloud not installed). A grade leaves the first out and counts the second as lost.
 */
export type SkipCause = 'not-in-lab' | 'prerequisite';
export type Tier =
  | 'machines'
  | 'data'
  | 'router'
  | 'redis'
  | 'storage'
  | 'web'
  | 'lb'
  | 'nextcloud'
  | 'monitoring';

export interface Evidence {
  node: string;
  command: string;
  output: string;
  code: number;
  ms: number;
}

export interface CheckOutcome {
  status: CheckStatus;
  summary: string;
  evidence: Evidence[];
  /** What a student should look at when it fails (or why it was skipped). */
  hint?: string;
  /** Set on a skip; a skip from run() that does not say is a `prerequisite`. */
  skipCause?: SkipCause;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  tier: Tier;
  title: string;
  ms: number;
}

export interface CheckContext {
  lab: Lab;
  remote: Remote;
  secrets: Secrets;
  /** Nodes that exist and run in this lab now (e.g. only db and router nodes after `up --only db,router`). */
  running: Set<string>;
  signal?: AbortSignal;
}

export interface Check {
  id: string;
  tier: Tier;
  title: string;
  /** Whether the check belongs to this lab at all (absent, not skipped, when false): e.g. no monitor node. */
  applies?(ctx: { lab: Lab }): boolean;
  /** Why the check cannot run for this lab now (e.g. no web node), or undefined when it can. */
  skipReason(ctx: CheckContext): string | undefined;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export function evidence(r: ExecResult): Evidence {
  const output = `${r.stdout}${r.stderr ? `\n[stderr] ${r.stderr}` : ''}`.trim();
  return {
    node: r.node,
    command: r.command,
    output: output.length > 4000 ? `${output.slice(0, 4000)}…` : output,
    code: r.code,
    ms: r.ms,
  };
}

export const pass = (summary: string, ev: Evidence[] = []): CheckOutcome => ({
  status: 'pass',
  summary,
  evidence: ev,
});
export const fail = (summary: string, ev: Evidence[], hint: string): CheckOutcome => ({
  status: 'fail',
  summary,
  evidence: ev,
  hint,
});
export const skip = (
  summary: string,
  hint?: string,
  skipCause: SkipCause = 'prerequisite',
): CheckOutcome => ({
  status: 'skip',
  summary,
  evidence: [],
  hint,
  skipCause,
});
