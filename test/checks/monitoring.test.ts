import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeAlert,
  judgeRules,
  judgeTargets,
  monitoringChecks,
  RULE_GROUPS,
  stillFiring,
} from '../../scripts/checks/monitoring.ts';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import { parseAlerts, parseRules, parseTargets } from '../../scripts/monitor/api.ts';

// Answers of Prometheus 2.42 on the mon-e2e lab (test/fixtures/labs/mon-e2e.yaml), trimmed.
const rec = (f: string) => readFileSync(join(import.meta.dirname, 'recorded', f), 'utf8');

describe('the monitoring tier', () => {
  it('every target up on a healthy lab; a down one named with its error, unless its node is not running', () => {
    const targets = parseTargets(rec('prometheus-targets.json'));
    expect(targets.length).toBeGreaterThan(20);
    const running = new Set(targets.map((t) => t.node));
    expect(judgeTargets(targets, running)).toEqual({ down: [], ignored: [] });
    const down = parseTargets(rec('prometheus-targets-db1-down.json'));
    const judged = judgeTargets(down, running);
    expect(judged.down.map((t) => `${t.job} ${t.node}`).sort()).toEqual([
      'mysqld db1',
      'node db1',
      'redis db1',
      'sentinel db1',
    ]);
    expect(judged.down[0]!.lastError).not.toBe('');
    running.delete('db1');
    expect(judgeTargets(down, running).down).toEqual([]);
  });

  it('every rule group loaded and healthy', () => {
    const groups = parseRules(rec('prometheus-rules.json'));
    expect(groups.map((g) => g.name).sort()).toEqual([...RULE_GROUPS].sort());
    expect(judgeRules(groups)).toEqual({ missing: [], unhealthy: [] });
    expect(judgeRules(groups.filter((g) => g.name !== 'galera')).missing).toEqual(['galera']);
  });

  it('no alert firing on a healthy lab; the firing ones named with where', () => {
    expect(parseAlerts(rec('prometheus-alerts.json')).filter((a) => a.state === 'firing')).toEqual([]);
    const firing = parseAlerts(rec('prometheus-alerts-db1-down.json')).filter((a) => a.state === 'firing');
    expect(firing.map(describeAlert)).toContain('NodeDown (node=db1, instance=10.0.115.31:9100)');
  });

  it('is no tier at all in a lab without a monitor node (not a skipped one)', () => {
    const plain = loadLabFile(join(REPO_ROOT, 'test/fixtures/labs/valid-minimal.yaml'), 1e9).lab;
    expect(monitoringChecks.map((c) => c.applies?.({ lab: plain }))).toEqual([false, false, false]);
    const fullHa = loadLabFile('full-ha', 1e9).lab;
    expect(monitoringChecks.map((c) => c.applies?.({ lab: fullHa }))).toEqual([true, true, true]);
  });

  it('waits for a target not scraped yet (unknown) to be scraped; fails one that is down at once', async () => {
    const fullHa = loadLabFile('full-ha', 1e9).lab;
    const healthy = rec('prometheus-targets.json');
    const running = new Set(parseTargets(healthy).map((t) => t.node));
    const first = (health: string) => healthy.replace(/"health": "up"/, `"health": "${health}"`);
    const check = monitoringChecks.find((c) => c.id === 'monitoring.targets')!;
    const answering = (answers: string[]) => {
      let reads = 0;
      const remote = {
        exec: async () => ({ code: 0, stdout: answers[Math.min(reads++, answers.length - 1)]!, stderr: '' }),
      };
      return { remote, reads: () => reads };
    };
    const later = answering([first('unknown'), healthy]);
    const ctx = { lab: fullHa, secrets: {}, running };
    const ok = await check.run({ ...ctx, remote: later.remote } as never);
    expect(ok.status).toBe('pass');
    expect(later.reads()).toBe(2);
    const down = answering([first('down'), healthy]);
    expect((await check.run({ ...ctx, remote: down.remote } as never)).status).toBe('fail');
    expect(down.reads()).toBe(1);
  });

  it('waits for rules not evaluated yet (unknown) to be evaluated; fails a rule with an error at once', async () => {
    const fullHa = loadLabFile('full-ha', 1e9).lab;
    const healthy = rec('prometheus-rules.json');
    const first = (change: string) => healthy.replace(/"health": ?"ok"/, change);
    expect(first('"health": "unknown"')).not.toBe(healthy);
    const check = monitoringChecks.find((c) => c.id === 'monitoring.rules')!;
    const answering = (answers: string[]) => {
      let reads = 0;
      const remote = {
        exec: async () => ({ code: 0, stdout: answers[Math.min(reads++, answers.length - 1)]!, stderr: '' }),
      };
      return { remote, reads: () => reads };
    };
    const ctx = { lab: fullHa, secrets: {}, running: new Set<string>() };
    const later = answering([first('"health": "unknown"'), healthy]);
    expect((await check.run({ ...ctx, remote: later.remote } as never)).status).toBe('pass');
    expect(later.reads()).toBe(2);
    const broken = answering([first('"health": "err", "lastError": "bad expr"'), healthy]);
    const r = await check.run({ ...ctx, remote: broken.remote } as never);
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/bad expr/);
    expect(broken.reads()).toBe(1);
  });

  it('refuses an answer that is not a success', () => {
    expect(() => parseTargets('{"status":"error","errorType":"bad_data","error":"x"}')).toThrow('x');
  });
});

describe('an alert counts when it fires at two reads', () => {
  const alert = (name: string, node: string, state: 'firing' | 'pending' = 'firing') => ({
    name,
    labels: { alertname: name, node },
    state,
  });
  it('keeps those firing at both, drops one resolved in between and one that started since', () => {
    const before = [
      alert('NodeDown', 'db1'),
      alert('GaleraClusterSizeLow', ''),
      alert('MariaDBDown', 'db2', 'pending'),
    ];
    const after = [alert('NodeDown', 'db1'), alert('MariaDBDown', 'db2'), alert('NodeDown', 'web1')];
    expect(stillFiring(before, after).map(describeAlert)).toEqual(['NodeDown (node=db1)']);
  });

  it('passes at the first read where those that fired have cleared; fails one still firing two evaluations later', async () => {
    const fullHa = loadLabFile('full-ha', 1e9).lab;
    const check = monitoringChecks.find((c) => c.id === 'monitoring.alerts')!;
    const answer = (...names: string[]) =>
      JSON.stringify({
        status: 'success',
        data: { alerts: names.map((n) => ({ labels: { alertname: n, node: 'lb1' }, state: 'firing' })) },
      });
    const answering = (answers: string[]) => {
      let reads = 0;
      const remote = {
        exec: async () => ({ code: 0, stdout: answers[Math.min(reads++, answers.length - 1)]!, stderr: '' }),
      };
      return { remote, reads: () => reads };
    };
    const ctx = { lab: fullHa, secrets: {}, running: new Set(fullHa.nodes.map((n) => n.name)) };
    const clears = answering([answer('HAProxyServerDown'), answer('HAProxyServerDown'), answer()]);
    const stays = answering([answer('NodeDown'), answer('NodeDown')]);
    const t0 = Date.now();
    const [cleared, stayed] = await Promise.all([
      check
        .run({ ...ctx, remote: clears.remote } as never)
        .then((r) => ({ ...r, s: (Date.now() - t0) / 1000 })),
      check.run({ ...ctx, remote: stays.remote } as never),
    ]);
    expect(cleared.status).toBe('pass');
    expect(cleared.summary).toContain('HAProxyServerDown (node=lb1) resolved');
    expect(clears.reads()).toBe(3);
    expect(cleared.s).toBeLessThan(8);
    expect(stayed.status).toBe('fail');
    expect(stayed.summary).toBe('1 alert(s) firing: NodeDown (node=lb1)');
    expect((Date.now() - t0) / 1000).toBeGreaterThanOrEqual(10.9);
  }, 20_000);
});
