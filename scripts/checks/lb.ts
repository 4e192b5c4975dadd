// The load balancer tier: one VIP holder, HTTPS trusted through the lab CA, every web node UP.
import { frontAddress } from '../core/model.ts';
import { exec, frontSkip, runningWith, trustArgs, userNode } from './front.ts';
import { type Check, type CheckContext, type CheckOutcome, evidence, fail, pass } from './types.ts';

/** The nodes whose `ip -o -4 addr` output lists the VIP. */
export function vipHolders(outputs: { node: string; stdout: string }[], vip: string): string[] {
  return outputs
    .filter((o) => o.stdout.split('\n').some((l) => l.split(/\s+/)[3]?.split('/')[0] === vip))
    .map((o) => o.node);
}

export interface StatRow {
  pxname: string;
  svname: string;
  status: string;
  check_status?: string;
  [field: string]: string | undefined;
}

/** Parses HAProxy's stats CSV (`# pxname,svname,...` header). */
export function parseHaproxyCsv(csv: string): StatRow[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift()?.replace(/^#\s*/, '').split(',') ?? [];
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])) as StatRow;
  });
}

/** Web servers of the `web` backend that are not UP, or that the backend does not list at all. */
export function backendsNotUp(rows: StatRow[], webs: string[]): string[] {
  const servers = rows.filter((r) => r.pxname === 'web' && r.svname !== 'BACKEND' && r.svname !== 'FRONTEND');
  return webs.flatMap((w) => {
    const row = servers.find((s) => s.svname === w);
    if (!row) return [`${w} (not in the backend)`];
    return row.status.startsWith('UP')
      ? []
      : [`${w} (${row.status}${row.check_status ? `, ${row.check_status}` : ''})`];
  });
}

async function vipCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const vip = ctx.lab.vips.front!;
  const results = await Promise.all(
    runningWith(ctx, 'lb').map((n) => exec(ctx, n, ['ip', '-o', '-4', 'addr', 'show'])),
  );
  const holders = vipHolders(results, vip);
  const ev = results.map(evidence);
  if (holders.length === 1) return pass(`${holders[0]} holds the front VIP ${vip}`, ev);
  if (holders.length === 0)
    return fail(
      `no lb holds the front VIP ${vip}`,
      ev,
      'Is keepalived running on the lb nodes (systemctl status keepalived) and HAProxy answering on 127.0.0.1:8405?',
    );
  return fail(
    `${holders.join(' and ')} all hold ${vip} (split brain)`,
    ev,
    "The lb nodes do not hear each other's VRRP adverts: check keepalived.conf unicast peers and the network.",
  );
}

async function httpsCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const user = userNode(ctx)!;
  const front = frontAddress(ctx.lab)!;
  const https = await exec(ctx, user.node, [
    'curl',
    '-sS',
    '--max-time',
    '10',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    ...trustArgs(user.viaClient),
    `https://${front}/lab-probe/status.php`,
  ]);
  const http = await exec(ctx, user.node, [
    'curl',
    '-sS',
    '--max-time',
    '10',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{redirect_url}',
    `http://${front}/`,
  ]);
  const ev = [evidence(https), evidence(http)];
  const trust = user.viaClient
    ? "the client's system trust store"
    : `the lab CA file (${user.node}; the client is not running)`;
  if (https.code !== 0)
    return fail(
      `HTTPS to ${front} failed (curl exit ${https.code}) with ${trust}`,
      ev,
      'curl exit 60 means the certificate is not trusted: the client role installs /opt/lab/tls/ca.crt; exit 7 means nothing listens on :443.',
    );
  if (!/^[2345]\d\d$/.test(https.stdout.trim()))
    return fail(
      `HTTPS to ${front} gave no HTTP answer`,
      ev,
      'Look at HAProxy on the lb nodes: journalctl -u haproxy.',
    );
  const [code, location] = http.stdout.trim().split(' ');
  if (!(code === '301' || code === '302') || !location?.startsWith(`https://${front}/`)) {
    return fail(
      `http://${front}/ answered ${http.stdout.trim()} instead of a redirect to https://${front}/`,
      ev,
      "The lb role's `frontend http` redirects every request to HTTPS.",
    );
  }
  return pass(
    `HTTPS to ${front} verified with ${trust} (HTTP ${https.stdout.trim()}); HTTP redirects with ${code} to ${location}`,
    ev,
  );
}

async function backendsCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const webs = runningWith(ctx, 'web');
  const stdin = `user = "admin:${ctx.secrets.values.HAPROXY_STATS_PASSWORD}"\n`;
  const results = await Promise.all(
    runningWith(ctx, 'lb').map((n) =>
      exec(ctx, n, ['curl', '-sS', '--max-time', '5', '-K', '-', 'http://127.0.0.1:8404/;csv'], { stdin }),
    ),
  );
  const ev = results.map(evidence);
  const problems = results.flatMap((r) =>
    r.code !== 0
      ? [`${r.node}: stats page unreachable`]
      : backendsNotUp(parseHaproxyCsv(r.stdout), webs).map((p) => `${r.node}: ${p}`),
  );
  if (problems.length > 0)
    return fail(
      `web servers not UP: ${problems.join('; ')}`,
      ev,
      'A DOWN server fails its health check (GET status.php with the front Host, expecting "maintenance":false): curl it on the web node.',
    );
  return pass(`${webs.join(', ')} UP on ${results.map((r) => r.node).join(', ')}`, ev);
}

/** Checks of the lb tier; the lead's runner imports this array. */
export const lbChecks: Check[] = [
  {
    id: 'lb.vip',
    tier: 'lb',
    title: 'Exactly one load balancer holds the front VIP',
    skipReason: (ctx) =>
      !ctx.lab.vips.front
        ? 'the lab has no front VIP (one lb, as in tp)'
        : runningWith(ctx, 'lb').length === 0
          ? 'no lb node is running'
          : undefined,
    run: vipCheck,
  },
  {
    id: 'lb.https',
    tier: 'lb',
    title: 'HTTPS is valid against the lab CA and HTTP redirects to HTTPS',
    skipReason: (ctx) => frontSkip(ctx, ['lb']),
    run: httpsCheck,
  },
  {
    id: 'lb.backends',
    tier: 'lb',
    title: 'Every running web node is UP in HAProxy on every lb',
    skipReason: (ctx) => frontSkip(ctx, ['lb', 'web']),
    run: backendsCheck,
  },
];
