// Nextcloud as its users see it: installed and serving on every node and through the front, a login,
// a WebDAV file read back identical from each web node, one shared config. Skipped, never passed,
// when the lab installed no Nextcloud.
import { createHash, randomBytes } from 'node:crypto';
import { frontAddress, nodeByName, webOrigin } from '../core/model.ts';
import { exec, frontSkip, runningWith, trustArgs, userNode } from './front.ts';
import { configMismatch, judgeStatus, ocsUserId } from './nextcloud-judge.ts';
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
import { fewWebs } from './web.ts';

const CONFIG_DIR = '/var/www/nextcloud/config';
const SKIP_NOTE = '/var/lib/lab/nextcloud-skip-reason';
// Prints "installed" or why not (web.sh writes the reason when it had no archive).
// "note: " marks the reason web.sh wrote because lab:up had no archive: the lab has no Nextcloud then.
const STATE_SCRIPT = `if [ -f ${CONFIG_DIR}/config.php ]; then echo installed; elif [ -f ${SKIP_NOTE} ]; then printf 'note: '; cat ${SKIP_NOTE}; else echo "no ${CONFIG_DIR}/config.php"; fi`;

/** Why Nextcloud is not there, and whether the lab left it out on purpose (no archive given). */
export interface NotInstalled {
  why: string;
  cause: SkipCause;
}

/** Reads STATE_SCRIPT's answer of one web node: undefined when Nextcloud is installed there. */
export function judgeInstalled(node: string, stdout: string): NotInstalled | undefined {
  const text = stdout.trim();
  if (text === 'installed') return undefined;
  if (text.startsWith('note: ')) return { why: text.slice(6), cause: 'not-in-lab' };
  return { why: text || `cannot tell whether Nextcloud is installed on ${node}`, cause: 'prerequisite' };
}

/** Why Nextcloud checks must skip now (from the web nodes), or undefined when every web node has it installed. */
async function notInstalled(ctx: CheckContext): Promise<NotInstalled | undefined> {
  const results = await Promise.all(
    runningWith(ctx, 'web').map((n) => exec(ctx, n, ['sh', '-c', STATE_SCRIPT])),
  );
  return results.map((r) => judgeInstalled(r.node, r.stdout)).find((v) => v !== undefined);
}

function credentials(ctx: CheckContext): string {
  return `user = "${ctx.lab.nextcloud?.admin_user ?? 'admin'}:${ctx.secrets.values.NEXTCLOUD_ADMIN_PASSWORD}"\n`;
}

async function statusCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const missing = await notInstalled(ctx);
  if (missing)
    return skip(
      missing.why,
      'Give lab:up a Nextcloud archive (NEXTCLOUD_ARCHIVE=/path/to/nextcloud-32.x.tar.bz2) and run it again.',
      missing.cause,
    );
  const user = userNode(ctx)!;
  const front = frontAddress(ctx.lab)!;
  const results = [
    await exec(ctx, user.node, [
      'curl',
      '-sS',
      '--max-time',
      '15',
      ...trustArgs(user.viaClient),
      `https://${front}/status.php`,
    ]),
  ];
  for (const n of runningWith(ctx, 'web'))
    results.push(
      await exec(ctx, n, [
        'curl',
        '-sS',
        '--max-time',
        '15',
        '-H',
        `Host: ${front}`,
        `${webOrigin(ctx.lab, '127.0.0.1')}/status.php`,
      ]),
    );
  const verdicts = results.map((r, i) => ({
    where: i === 0 ? `via ${front}` : `on ${r.node}`,
    ...judgeStatus(r.stdout),
  }));
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length > 0)
    return fail(
      bad.map((v) => `${v.where}: ${v.summary}`).join('; '),
      results.map(evidence),
      '`sudo -u www-data php occ status` on the web node; maintenance mode is `occ maintenance:mode --off`.',
    );
  return pass(`${verdicts[0]!.summary} (${verdicts.map((v) => v.where).join(', ')})`, results.map(evidence));
}

async function loginCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const missing = await notInstalled(ctx);
  if (missing) return skip(missing.why, undefined, missing.cause);
  const user = userNode(ctx)!;
  const url = `https://${frontAddress(ctx.lab)}/ocs/v2.php/cloud/user?format=json`;
  const r = await exec(
    ctx,
    user.node,
    [
      'curl',
      '-sS',
      '--max-time',
      '20',
      '-K',
      '-',
      '-H',
      'OCS-APIRequest: true',
      ...trustArgs(user.viaClient),
      url,
    ],
    { stdin: credentials(ctx) },
  );
  const id = ocsUserId(r.stdout);
  const want = ctx.lab.nextcloud?.admin_user ?? 'admin';
  if (id !== want)
    return fail(
      `the admin could not log in through the front (got ${id ?? 'no user'})`,
      [evidence(r)],
      'The admin password is in `npm run lab:creds`; a 401 with the right password points at sessions or Redis.',
    );
  return pass(`${want} logged in through ${frontAddress(ctx.lab)} (OCS cloud/user answered id ${id})`, [
    evidence(r),
  ]);
}

async function webdavCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const missing = await notInstalled(ctx);
  if (missing) return skip(missing.why, undefined, missing.cause);
  const user = userNode(ctx)!;
  const front = frontAddress(ctx.lab)!;
  const admin = ctx.lab.nextcloud?.admin_user ?? 'admin';
  const body = randomBytes(512 * 1024).toString('base64');
  const sha = createHash('sha256').update(body).digest('hex');
  const path = `/remote.php/dav/files/${admin}/lab-check-${Date.now()}.txt`;
  const creds = credentials(ctx);
  const local = `/tmp/lab-check-${randomBytes(4).toString('hex')}.txt`;
  await ctx.remote.put(user.node, local, body, 0o600);
  const put = await exec(
    ctx,
    user.node,
    [
      'curl',
      '-sS',
      '-f',
      '--max-time',
      '60',
      '-K',
      '-',
      '-T',
      local,
      ...trustArgs(user.viaClient),
      `https://${front}${path}`,
    ],
    { stdin: creds },
  );
  await exec(ctx, user.node, ['rm', '-f', local]);
  const ev = [evidence(put)];
  if (put.code !== 0)
    return fail(
      `WebDAV upload through ${front} failed (curl exit ${put.code})`,
      ev,
      'Look at the Nextcloud log on the web nodes: /var/log/nextcloud/nextcloud.log.',
    );
  const lines: string[] = [];
  let ok = true;
  for (const n of runningWith(ctx, 'web')) {
    const url = `${webOrigin(ctx.lab, nodeByName(ctx.lab, n).ip)}${path}`;
    const get = await exec(
      ctx,
      user.node,
      [
        'bash',
        '-c',
        'set -o pipefail; curl -sS -f --max-time 60 -K - -H "Host: $1" "$2" | sha256sum',
        'bash',
        front,
        url,
      ],
      { stdin: creds },
    );
    ev.push(evidence(get));
    const same = get.code === 0 && get.stdout.startsWith(sha);
    ok &&= same;
    lines.push(`${n}: ${same ? 'identical' : 'DIFFERENT or missing'}`);
  }
  await exec(
    ctx,
    user.node,
    [
      'curl',
      '-sS',
      '--max-time',
      '20',
      '-K',
      '-',
      '-X',
      'DELETE',
      ...trustArgs(user.viaClient),
      `https://${front}${path}`,
    ],
    { stdin: creds },
  );
  const summary = `512 KiB uploaded through ${front}, read back from ${lines.join(', ')}`;
  return ok
    ? pass(summary, ev)
    : fail(
        summary,
        ev,
        'Both web nodes must use the same data directory on the GlusterFS mount and the same database.',
      );
}

async function configCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const missing = await notInstalled(ctx);
  if (missing) return skip(missing.why, undefined, missing.cause);
  const webs = runningWith(ctx, 'web');
  if (webs.length < 2) return skip(...fewWebs(ctx, webs.length));
  const results = await Promise.all(
    webs.map((n) => exec(ctx, n, ['sha256sum', `${CONFIG_DIR}/config.php`, `${CONFIG_DIR}/lab.config.php`])),
  );
  const odd = configMismatch(results);
  const ev = results.map(evidence);
  if (odd.length > 0)
    return fail(
      `config.php or lab.config.php differ on ${odd.join(', ')} (instanceid, passwordsalt and secret must be identical)`,
      ev,
      "Run `npm run lab:up` again: the other web nodes copy the first node's config.php.",
    );
  return pass(
    `config.php and lab.config.php identical on ${webs.join(', ')} (one instanceid, salt and secret)`,
    ev,
  );
}

const ncSkip = (ctx: CheckContext) => frontSkip(ctx, ['lb', 'web']);

/** Checks of Nextcloud itself; the lead's runner imports this array. */
export const nextcloudChecks: Check[] = [
  {
    id: 'nextcloud.status',
    tier: 'nextcloud',
    title: 'Nextcloud is installed and not in maintenance, through the front and on each web node',
    skipReason: ncSkip,
    run: statusCheck,
  },
  {
    id: 'nextcloud.login',
    tier: 'nextcloud',
    title: 'The admin logs in through the front',
    skipReason: ncSkip,
    run: loginCheck,
  },
  {
    id: 'nextcloud.webdav',
    tier: 'nextcloud',
    title: 'A WebDAV upload through the front reads back identical from each web node',
    skipReason: ncSkip,
    run: webdavCheck,
  },
  {
    id: 'nextcloud.config',
    tier: 'nextcloud',
    title: 'Every web node has the same config.php (instanceid, salt, secret)',
    skipReason: (ctx) => (runningWith(ctx, 'web').length === 0 ? 'no web node is running' : undefined),
    run: configCheck,
  },
];
