// What the storage, web, lb and Nextcloud checks share: where "the user" runs commands, and the
// parsers of the lab probe's answers. Pure functions here; the checks do the I/O.
import { frontAddress, nodesWithRole } from '../core/model.ts';
import type { Role } from '../core/roles.ts';
import type { ExecOptions, ExecResult } from '../engine/remote.ts';
import type { CheckContext } from './types.ts';

/** The lab CA every node receives from the engine (the client also trusts it system-wide). */
export const LAB_CA = '/opt/lab/tls/ca.crt';

/** Running nodes of a role, in lab order. */
export function runningWith(ctx: CheckContext, role: Role): string[] {
  return nodesWithRole(ctx.lab, role)
    .map((n) => n.name)
    .filter((n) => ctx.running.has(n));
}

/** The node acting as the user: the client when it runs, else a running lb (which reaches the front too). */
export function userNode(ctx: CheckContext): { node: string; viaClient: boolean } | undefined {
  const client = runningWith(ctx, 'client')[0];
  if (client) return { node: client, viaClient: true };
  const lb = runningWith(ctx, 'lb')[0];
  return lb ? { node: lb, viaClient: false } : undefined;
}

/** Why a check that needs the front, a user node and these roles running cannot run, or undefined. */
export function frontSkip(ctx: CheckContext, roles: Role[] = ['lb', 'web']): string | undefined {
  if (!frontAddress(ctx.lab)) return 'the lab has no front address (no lb node)';
  for (const role of roles) {
    const all = nodesWithRole(ctx.lab, role);
    if (all.length === 0) return `the lab has no ${role} node`;
    if (!all.some((n) => ctx.running.has(n.name))) return `no ${role} node is running`;
  }
  return userNode(ctx) ? undefined : 'neither the client nor an lb node is running';
}

/** curl's TLS trust: the system store on the client (proves the client role installed the CA), else the CA file. */
export function trustArgs(viaClient: boolean): string[] {
  return viaClient ? [] : ['--cacert', LAB_CA];
}

export function exec(
  ctx: CheckContext,
  node: string,
  argv: string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  return ctx.remote.exec(node, argv, { timeoutMs: 30_000, signal: ctx.signal, ...opts });
}

/** One answer of `GET /lab-probe/`. */
export interface ProbeAnswer {
  web: string;
  db: { ok: boolean; node: string | null; ms: number; error: string | null };
  redis: { ok: boolean; role?: string | null; error: string | null };
  session: { ok: boolean; id_hash: string | null; counter: number | null; error: string | null };
  storage: { ok: boolean; ms: number; error: string | null };
}

/** Parses one probe answer per line; lines that are not probe JSON are returned as bad. */
export function parseProbeLines(text: string): { answers: ProbeAnswer[]; bad: string[] } {
  const answers: ProbeAnswer[] = [];
  const bad: string[] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    try {
      const v = JSON.parse(line) as ProbeAnswer;
      if (typeof v.web === 'string' && v.session && v.db) answers.push(v);
      else bad.push(line);
    } catch {
      bad.push(line);
    }
  }
  return { answers, bad };
}

/** How many answers each web node gave, in order of first appearance. */
export function servedBy(answers: ProbeAnswer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a.web, (counts.get(a.web) ?? 0) + 1);
  return counts;
}

/**
 * A session continues across web nodes when every answer carries the same session id, the counter
 * goes 1, 2, 3... without a gap or a reset, and at least one step moved to another web node.
 */
export function judgeSession(answers: ProbeAnswer[]): { ok: boolean; summary: string } {
  if (answers.length < 2) return { ok: false, summary: `only ${answers.length} probe answer(s)` };
  const broken = answers.find((a) => !a.session.ok);
  if (broken)
    return { ok: false, summary: `${broken.web} could not use the Redis session: ${broken.session.error}` };
  const ids = new Set(answers.map((a) => a.session.id_hash));
  if (ids.size !== 1)
    return {
      ok: false,
      summary: `the session changed ${ids.size - 1} time(s): a web node did not find it in Redis`,
    };
  for (const [i, a] of answers.entries()) {
    if (a.session.counter !== i + 1) {
      return {
        ok: false,
        summary: `request ${i + 1} (served by ${a.web}) saw counter ${a.session.counter}, expected ${i + 1}`,
      };
    }
  }
  const hops = answers.slice(1).filter((a, i) => a.web !== answers[i]!.web).length;
  if (hops === 0)
    return {
      ok: false,
      summary: `all ${answers.length} requests went to ${answers[0]!.web}: no switch of web node to prove anything`,
    };
  return {
    ok: true,
    summary: `one session over ${answers.length} requests, counter 1..${answers.length}, ${hops} switch(es) between web nodes`,
  };
}

/**
 * The shell loop a user's browser amounts to: N requests sharing one cookie jar, one JSON answer per
 * line, 0-90 ms of think time before each (so the run does not step in time with other traffic).
 */
export const PROBE_LOOP =
  'n=$1; url=$2; shift 2; jar=$(mktemp); trap \'rm -f "$jar"\' EXIT; for _ in $(seq "$n"); do sleep "0.0$((RANDOM % 10))"; curl -sS --max-time 10 -b "$jar" -c "$jar" "$@" "$url"; echo; done';
