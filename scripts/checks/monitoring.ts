// The monitoring tier (labs with a monitor node only): every scrape target up, every rule group of
// rules.yml loaded and healthy, no alert firing on a healthy lab.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Alert,
  apiGet,
  parseAlerts,
  parseRules,
  parseTargets,
  type RuleGroup,
  type Target,
} from '../monitor/api.ts';
import { INTERVAL_S, monitorNode, SCRAPE_TIMEOUT_S, SELF_INTERVAL_S } from '../monitor/config.ts';
import { type Check, type CheckContext, type CheckOutcome, evidence, fail, pass } from './types.ts';

/** The groups of provision/files/monitor/rules.yml, plus the lab's own (lab-rules.yml). */
export const RULE_GROUPS = ['machines', 'galera', 'vip', 'haproxy', 'redis', 'storage', 'front', 'lab'];

/** Targets down, leaving out those of nodes that do not run now (e.g. after `up --only`). */
export function judgeTargets(targets: Target[], running: Set<string>): { down: Target[]; ignored: Target[] } {
  const bad = targets.filter((t) => t.health !== 'up');
  return {
    down: bad.filter((t) => running.has(t.node)),
    ignored: bad.filter((t) => !running.has(t.node)),
  };
}

/** Groups missing from Prometheus, and rules whose last evaluation failed. */
export function judgeRules(groups: RuleGroup[]): { missing: string[]; unhealthy: string[] } {
  const names = new Set(groups.map((g) => g.name));
  return {
    missing: RULE_GROUPS.filter((g) => !names.has(g)),
    unhealthy: groups.flatMap((g) =>
      g.rules.filter((r) => r.health !== 'ok').map((r) => `${g.name}/${r.name}: ${r.lastError ?? r.health}`),
    ),
  };
}

/** One line per alert: name and the labels that say where. */
export function describeAlert(a: Alert): string {
  const where = ['node', 'proxy', 'server', 'vip', 'instance', 'brick']
    .filter((k) => a.labels[k])
    .map((k) => `${k}=${a.labels[k]}`);
  return `${a.name}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

const where =
  'Is the monitor node running? `npm run lab:monitor` prints the URLs; `npm run lab:ssh -- --node <monitor> -- journalctl -u prometheus` shows why.';

// A target Prometheus has not scraped yet says `unknown`: right after `up` restarted Prometheus, each job
// scrapes first at an offset within its interval (10 s for Prometheus itself). Such a target is read
// again until the longest interval and a scrape timeout have passed; one that says `down` fails at once.
const FIRST_SCRAPE_MS = (Math.max(INTERVAL_S, SELF_INTERVAL_S) + SCRAPE_TIMEOUT_S) * 1000;
const REREAD_MS = 2000;

async function targetsCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const deadline = Date.now() + FIRST_SCRAPE_MS;
  const read = () => apiGet(ctx.remote, ctx.lab, '/api/v1/targets?state=active', { signal: ctx.signal });
  let r = await read();
  if (r.code !== 0) return fail('Prometheus did not answer /api/v1/targets', [evidence(r)], where);
  let targets = parseTargets(r.stdout);
  let judged = judgeTargets(targets, ctx.running);
  while (
    judged.down.length > 0 &&
    judged.down.every((t) => t.health === 'unknown') &&
    Date.now() + REREAD_MS < deadline
  ) {
    await sleep(REREAD_MS, undefined, { signal: ctx.signal });
    r = await read();
    if (r.code !== 0) return fail('Prometheus did not answer /api/v1/targets', [evidence(r)], where);
    targets = parseTargets(r.stdout);
    judged = judgeTargets(targets, ctx.running);
  }
  const { down, ignored } = judged;
  const note =
    ignored.length > 0
      ? ` (not running, not counted: ${[...new Set(ignored.map((t) => t.node))].join(', ')})`
      : '';
  if (down.length > 0)
    return fail(
      `${down.length} of ${targets.length} target(s) down: ${down.map((t) => `${t.job} on ${t.node} (${t.lastError || t.health})`).join('; ')}`,
      [evidence(r)],
      'The exporter of that tier does not answer: `systemctl status prometheus-<exporter>` on the node, or run `npm run lab:up` again.',
    );
  return pass(`${targets.length - ignored.length} target(s) up${note}`, [evidence(r)]);
}

// A rule group Prometheus has not evaluated yet says `unknown` for its rules: after a (re)start each
// group first evaluates at an offset within its interval. Verify right after `up` met that once the
// checks ran three tiers at once (the monitoring tier no longer came last). Such rules are read again
// until one interval and a margin have passed; a rule with an error fails at once.
const FIRST_EVAL_MS = (INTERVAL_S + SCRAPE_TIMEOUT_S) * 1000;

/** Whether the only thing wrong is rules not evaluated yet (no error, no group missing). */
export function rulesPending(judged: { missing: string[]; unhealthy: string[] }): boolean {
  return (
    judged.missing.length === 0 &&
    judged.unhealthy.length > 0 &&
    judged.unhealthy.every((u) => u.endsWith(': unknown'))
  );
}

async function rulesCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const deadline = Date.now() + FIRST_EVAL_MS;
  const read = () => apiGet(ctx.remote, ctx.lab, '/api/v1/rules', { signal: ctx.signal });
  let r = await read();
  if (r.code !== 0) return fail('Prometheus did not answer /api/v1/rules', [evidence(r)], where);
  let groups = parseRules(r.stdout);
  let judged = judgeRules(groups);
  while (rulesPending(judged) && Date.now() + REREAD_MS < deadline) {
    await sleep(REREAD_MS, undefined, { signal: ctx.signal });
    r = await read();
    if (r.code !== 0) return fail('Prometheus did not answer /api/v1/rules', [evidence(r)], where);
    groups = parseRules(r.stdout);
    judged = judgeRules(groups);
  }
  const { missing, unhealthy } = judged;
  if (missing.length > 0 || unhealthy.length > 0)
    return fail(
      [missing.length > 0 ? `rule group(s) not loaded: ${missing.join(', ')}` : '', ...unhealthy]
        .filter(Boolean)
        .join('; '),
      [evidence(r)],
      '`promtool check rules /etc/prometheus/rules.yml` on the monitor node says why; `npm run lab:up` installs them again.',
    );
  const count = groups.reduce((n, g) => n + g.rules.length, 0);
  return pass(`${groups.length} rule groups loaded, ${count} rules evaluate`, [evidence(r)]);
}

/** The alerts of `after` that already fired in `before` (same name and labels). */
export function stillFiring(before: Alert[], after: Alert[]): Alert[] {
  const key = (a: Alert) => JSON.stringify([a.name, Object.entries(a.labels).sort()]);
  const earlier = new Set(before.filter((a) => a.state === 'firing').map(key));
  return after.filter((a) => a.state === 'firing' && earlier.has(key(a)));
}

// An alert stays firing until the next evaluation sees its cause gone: right after `up` or a reset
// brought a node back, one may still fire for up to two evaluations (the scrape that sees the node
// back, then the evaluation after it). So an alert counts when it still fires at a read two evaluations
// after the first. The alerts are read again every REREAD_MS meanwhile, and the check passes at the
// first read where none of those that fired at first fires still: after a reset it used to wait the
// whole 11 s for an alert that had cleared in 3.
const SETTLE_MS = 2 * INTERVAL_S * 1000 + 1000;

async function alertsCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const deadline = Date.now() + SETTLE_MS;
  const read = () => apiGet(ctx.remote, ctx.lab, '/api/v1/alerts', { signal: ctx.signal });
  let r = await read();
  if (r.code !== 0) return fail('Prometheus did not answer /api/v1/alerts', [evidence(r)], where);
  const first = parseAlerts(r.stdout).filter((a) => a.state === 'firing');
  let firing = first;
  while (firing.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(REREAD_MS, deadline - Date.now()), undefined, { signal: ctx.signal });
    r = await read();
    if (r.code !== 0) return fail('Prometheus did not answer /api/v1/alerts', [evidence(r)], where);
    firing = stillFiring(first, parseAlerts(r.stdout));
  }
  if (firing.length > 0)
    return fail(
      `${firing.length} alert(s) firing: ${firing.map(describeAlert).join('; ')}`,
      [evidence(r)],
      'Each alert names what is wrong (its summary is on the Prometheus /alerts page); the other tiers of this verify say more.',
    );
  const settled =
    first.length > 0 ? ` (${first.map(describeAlert).join('; ')} resolved within two evaluations)` : '';
  return pass(`no alert firing${settled}`, [evidence(r)]);
}

const skipReason = (ctx: CheckContext) => {
  const mon = monitorNode(ctx.lab);
  return mon && !ctx.running.has(mon.name) ? `the monitor node ${mon.name} is not running` : undefined;
};
// A lab without a monitor node has no monitoring tier at all (not a skipped one).
const applies = (ctx: { lab: CheckContext['lab'] }) => monitorNode(ctx.lab) !== undefined;

export const monitoringChecks: Check[] = [
  {
    id: 'monitoring.targets',
    tier: 'monitoring',
    title: 'Prometheus scrapes every target',
    applies,
    skipReason,
    run: targetsCheck,
  },
  {
    id: 'monitoring.rules',
    tier: 'monitoring',
    title: 'Every alert rule group is loaded',
    applies,
    skipReason,
    run: rulesCheck,
  },
  {
    id: 'monitoring.alerts',
    tier: 'monitoring',
    title: 'No alert fires',
    applies,
    skipReason,
    run: alertsCheck,
  },
];
