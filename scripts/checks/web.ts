// The web tier, seen as a user through the front: requests spread over the web nodes, one session
// survives a change of node, a file written through one node reads back through the other, and every
// web node reaches the database, Redis and the shared volume.
import { createHash, randomBytes } from 'node:crypto';
import { frontAddress, nodeByName, nodesWithRole, webOrigin } from '../core/model.ts';
import {
  exec,
  frontSkip,
  judgeSession,
  PROBE_LOOP,
  parseProbeLines,
  runningWith,
  servedBy,
  trustArgs,
  userNode,
} from './front.ts';
import {
  type Check,
  type CheckContext,
  type CheckOutcome,
  evidence,
  fail,
  pass,
  type SkipCause,
  skip,
} from './types.ts';

const REQUESTS = 10;

/** The skip of a comparison between web nodes with fewer than two running: a lab of one web node has none. */
export function fewWebs(ctx: CheckContext, count: number): [string, undefined, SkipCause] {
  const inLab = nodesWithRole(ctx.lab, 'web').length;
  return [
    `only ${count} web node running: nothing to compare`,
    undefined,
    inLab < 2 ? 'not-in-lab' : 'prerequisite',
  ];
}

async function probeLoop(ctx: CheckContext, count = REQUESTS) {
  const user = userNode(ctx)!;
  const url = `https://${frontAddress(ctx.lab)}/lab-probe/`;
  const r = await exec(
    ctx,
    user.node,
    ['bash', '-c', PROBE_LOOP, 'bash', String(count), url, ...trustArgs(user.viaClient)],
    { timeoutMs: 15_000 * count },
  );
  return { r, ...parseProbeLines(r.stdout) };
}

// A round robin shared with other clients (a drill's traffic, a classmate) can hand every request of
// one short sequential run to the same node when the two interleave in step. The check sends rounds
// until every running web node has answered, at most SPREAD_ROUNDS of them; a node that is never chosen
// in that many requests is out of the rotation.
const SPREAD_ROUNDS = 3;

async function spreadCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const webs = runningWith(ctx, 'web');
  const counts = new Map<string, number>();
  const evidences = [];
  let sent = 0;
  for (let round = 0; round < SPREAD_ROUNDS; round++) {
    const { r, answers, bad } = await probeLoop(ctx);
    evidences.push(evidence(r));
    sent += REQUESTS;
    if (answers.length < REQUESTS)
      return fail(
        `${bad.length} of ${REQUESTS} requests got no probe answer`,
        evidences,
        'Look at the failing lines in the evidence; HAProxy answers 503 when no web node is UP.',
      );
    for (const [w, n] of servedBy(answers)) counts.set(w, (counts.get(w) ?? 0) + n);
    if (webs.every((w) => counts.has(w))) break;
  }
  const tally = [...counts].map(([w, n]) => `${w}: ${n}`).join(', ');
  const idle = webs.filter((w) => !counts.has(w));
  if (idle.length > 0)
    return fail(
      `${idle.join(', ')} served none of ${sent} requests (${tally})`,
      evidences,
      'A web node that is DOWN in HAProxy gets no requests: see the lb.backends check.',
    );
  return pass(`${sent} requests through ${frontAddress(ctx.lab)} spread as ${tally}`, evidences);
}

const oneNodeOnly = (answers: { web: string }[]) =>
  answers.length > 0 && answers.every((a) => a.web === answers[0]!.web);

async function sessionCheck(ctx: CheckContext): Promise<CheckOutcome> {
  // As in spreadCheck: under other traffic one run can stay on one node, which proves nothing either
  // way, so such a run is tried again (a new session each time).
  let { r, answers } = await probeLoop(ctx, 6);
  for (let round = 1; round < SPREAD_ROUNDS && oneNodeOnly(answers); round++)
    ({ r, answers } = await probeLoop(ctx, 6));
  const verdict = judgeSession(answers);
  if (!verdict.ok)
    return fail(
      verdict.summary,
      [evidence(r)],
      'PHP sessions live in Redis through the router (session.save_handler=redis in /etc/php/8.2/fpm/conf.d/90-lab.ini).',
    );
  return pass(verdict.summary, [evidence(r)]);
}

/** Writes a random body through one web node and reads its checksums back through another. */
async function writeThrough(ctx: CheckContext, user: string, from: string, to: string) {
  const body = randomBytes(24 * 1024).toString('base64');
  const sha = createHash('sha256').update(body).digest('hex');
  const id = `check-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const base = (n: string) => `${webOrigin(ctx.lab, nodeByName(ctx.lab, n).ip)}/lab-probe`;
  const w = await exec(
    ctx,
    user,
    [
      'curl',
      '-sS',
      '--max-time',
      '20',
      '-X',
      'POST',
      '--data-binary',
      '@-',
      `${base(from)}/write.php?id=${id}`,
    ],
    { stdin: body },
  );
  const rd = await exec(ctx, user, ['curl', '-sS', '--max-time', '20', `${base(to)}/read.php?id=${id}`]);
  let read: { file_sha256?: string | null; row_sha256?: string | null } = {};
  try {
    read = JSON.parse(rd.stdout);
  } catch {}
  const ok = w.stdout.includes('"ok":true') && read.file_sha256 === sha && read.row_sha256 === sha;
  return {
    ok,
    ev: [evidence(w), evidence(rd)],
    line: `${from} -> ${to}: file ${read.file_sha256 === sha ? 'identical' : 'DIFFERENT/missing'}, row ${read.row_sha256 === sha ? 'identical' : 'DIFFERENT/missing'}`,
  };
}

async function sharedWriteCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const webs = runningWith(ctx, 'web');
  if (webs.length < 2) return skip(...fewWebs(ctx, webs.length));
  const user = userNode(ctx)!.node;
  const pairs: [string, string][] = webs.map((w, i) => [w, webs[(i + 1) % webs.length]!]);
  const results = [];
  for (const [from, to] of pairs) results.push(await writeThrough(ctx, user, from, to));
  const ev = results.flatMap((r) => r.ev);
  const summary = results.map((r) => r.line).join('; ');
  if (results.some((r) => !r.ok))
    return fail(
      summary,
      ev,
      'Both web nodes must mount the same GlusterFS volume at /srv/labdata and reach MariaDB through the router.',
    );
  return pass(summary, ev);
}

async function reachCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const webs = runningWith(ctx, 'web');
  const results = await Promise.all(
    webs.map((n) =>
      exec(ctx, n, ['curl', '-sS', '--max-time', '20', `${webOrigin(ctx.lab, '127.0.0.1')}/lab-probe/`]),
    ),
  );
  const lines: string[] = [];
  const problems: string[] = [];
  for (const r of results) {
    const a = parseProbeLines(r.stdout).answers[0];
    if (!a) problems.push(`${r.node}: no probe answer`);
    else {
      for (const [what, part] of [
        ['db', a.db],
        ['redis', a.redis],
        ['storage', a.storage],
      ] as const)
        if (!part.ok) problems.push(`${r.node} ${what}: ${part.error}`);
      lines.push(
        `${r.node}: db ${a.db.node ?? '?'} in ${a.db.ms} ms, redis ${a.redis.role ?? '?'}, storage ${a.storage.ms} ms`,
      );
    }
  }
  const ev = results.map(evidence);
  if (problems.length > 0)
    return fail(
      problems.join('; '),
      ev,
      `Web nodes reach MariaDB :3306 and Redis :6379 at ${ctx.lab.vips.router ?? 'the router'}: check the router tier first.`,
    );
  return pass(lines.join('; '), ev);
}

const webSkip = (ctx: CheckContext) =>
  runningWith(ctx, 'web').length === 0 ? 'no web node is running' : undefined;

/** Checks of the web tier; the lead's runner imports this array. */
export const webChecks: Check[] = [
  {
    id: 'web.reach',
    tier: 'web',
    title: 'Each web node reaches the DB, Redis (through the router) and the shared volume',
    skipReason: webSkip,
    run: reachCheck,
  },
  {
    id: 'web.spread',
    tier: 'web',
    title: 'Requests through the front spread over every web node',
    skipReason: (ctx) => frontSkip(ctx),
    run: spreadCheck,
  },
  {
    id: 'web.session',
    tier: 'web',
    title: 'A session continues when the next request lands on another web node',
    skipReason: (ctx) =>
      frontSkip(ctx) ??
      (nodesWithRole(ctx.lab, 'web').length < 2
        ? 'the lab has one web node: no other node for the session to continue on'
        : undefined),
    run: sessionCheck,
  },
  {
    id: 'web.shared-write',
    tier: 'web',
    title: 'A file written through one web node reads back identical through the other',
    skipReason: (ctx) => frontSkip(ctx, ['web']),
    run: sharedWriteCheck,
  },
];
