import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import {
  monitorNode,
  renderBlackboxConfig,
  renderLabRules,
  renderPrometheusConfig,
} from '../../scripts/monitor/config.ts';

const fullHa = loadLabFile('full-ha', 1e9).lab;
const tp = loadLabFile('tp', 1e9).lab;
const parse = (text: string) => JSON.parse(text.replace(/^#.*\n/, ''));
type Job = {
  job_name: string;
  static_configs: { targets: string[]; labels: Record<string, string> }[];
  params?: Record<string, string[]>;
  scrape_interval?: string;
  metric_relabel_configs?: { source_labels: string[]; regex: string; action: 'keep' | 'drop' }[];
};
const jobs = (text: string): Record<string, Job> =>
  Object.fromEntries((parse(text).scrape_configs as Job[]).map((j) => [j.job_name, j]));
const targets = (j: Job) => j.static_configs.flatMap((c) => c.targets);

describe('the monitor config rendered from the lab', () => {
  it('runs on the client node in full-ha and tp', () => {
    expect(monitorNode(fullHa)?.name).toBe('client');
    expect(monitorNode(tp)?.name).toBe('client');
  });

  it('full-ha: node exporter on all 13 nodes, HAProxy on lbs and routers, each tier its exporter', () => {
    const j = jobs(renderPrometheusConfig(fullHa, { nextcloud: true, statusPath: '/status.php' }));
    expect(targets(j.node!)).toHaveLength(13);
    expect(j.node!.static_configs.find((c) => c.labels.node === 'storage3')?.labels.roles).toBe(
      ',storage-arbiter,',
    );
    expect(targets(j.haproxy!)).toEqual([
      '10.0.2.11:8404',
      '10.0.2.12:8404',
      '10.0.2.34:8404',
      '10.0.2.35:8404',
    ]);
    expect(j.haproxy!.params).toEqual({ scope: ['backend', 'server'] });
    expect(targets(j.mysqld!)).toEqual(['10.0.2.31:9104', '10.0.2.32:9104', '10.0.2.33:9104']);
    expect(targets(j.redis!)).toEqual(['10.0.2.31:6379', '10.0.2.32:6379', '10.0.2.33:6379']);
    expect(targets(j.sentinel!)).toEqual(['10.0.2.31:26379', '10.0.2.32:26379', '10.0.2.33:26379']);
    expect(targets(j.front!)).toEqual(['https://10.0.2.10/status.php']);
    expect(targets(j.router!)).toEqual(['10.0.2.30:3306', '10.0.2.30:6379']);
    expect(targets(j.maintenance!)).toEqual([
      'http://10.0.2.21:8081/status.php',
      'http://10.0.2.22:8081/status.php',
    ]);
    const g = parse(renderPrometheusConfig(fullHa, { nextcloud: true, statusPath: '/status.php' })).global;
    expect(g).toMatchObject({ scrape_interval: '5s', evaluation_interval: '5s', scrape_timeout: '3s' });
  });

  it('keeps every series the alert rules, the lab rules and the console page read, and drops the bulk', () => {
    const j = jobs(renderPrometheusConfig(fullHa, { nextcloud: true, statusPath: '/status.php' }));
    // Prometheus anchors relabel regexes: the whole name must match.
    const kept = (job: Job, name: string) =>
      (job.metric_relabel_configs ?? []).every(
        (r) => new RegExp(`^(?:${r.regex})$`).test(name) === (r.action === 'keep'),
      );
    const jobOf = (name: string) =>
      name.startsWith('mysql_')
        ? 'mysqld'
        : name.startsWith('redis_sentinel')
          ? 'sentinel'
          : name.startsWith('redis_')
            ? 'redis'
            : name.startsWith('haproxy_')
              ? 'haproxy'
              : name.startsWith('prometheus_')
                ? 'prometheus'
                : 'node';
    const read = ['provision/files/monitor/rules.yml', 'provision/files/monitor/lab.html']
      .map((f) => readFileSync(join(REPO_ROOT, f), 'utf8'))
      .concat(renderLabRules(fullHa))
      .join('\n');
    const names = [
      ...new Set(read.match(/(?<!:)\b(mysql|redis|haproxy|node|prometheus|lab)_[A-Za-z_0-9]+[A-Za-z0-9]/g)),
    ];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(kept(j[jobOf(name)]!, name), `${jobOf(name)} keeps ${name}`).toBe(true);
    expect(kept(j.mysqld!, 'mysql_global_status_commands_total')).toBe(false);
    expect(kept(j.node!, 'go_gc_duration_seconds')).toBe(false);
    expect(kept(j.haproxy!, 'haproxy_server_check_status')).toBe(false);
    expect(kept(j.node!, 'node_memory_HugePages_Total')).toBe(false);
    expect(kept(j.prometheus!, 'prometheus_http_request_duration_seconds_bucket')).toBe(false);
    expect(kept(j.alertmanager!, 'alertmanager_notification_latency_seconds_bucket')).toBe(false);
    // Every exporter's own CPU and memory stay: what the monitoring costs is read from them (HAProxy's
    // endpoint is HAProxy, not an exporter).
    for (const name of Object.keys(j).filter((n) => n !== 'haproxy' && j[n]!.metric_relabel_configs))
      expect(kept(j[name]!, 'process_cpu_seconds_total'), name).toBe(true);
    expect(kept(j.redis!, 'redis_commands_total')).toBe(false);
    expect(j.prometheus!.scrape_interval).toBe('10s');
    expect(j.maintenance!.scrape_interval).toBe('10s');
    expect(j.node!.scrape_interval).toBeUndefined();
  });

  it('scrapes every job more often than the query lookback, so no series vanishes between two scrapes', () => {
    const role = readFileSync(join(REPO_ROOT, 'provision/roles/monitor.sh'), 'utf8');
    const lookback = Number(role.match(/--query\.lookback-delta=(\d+)s/)?.[1]);
    expect(lookback).toBeGreaterThan(0);
    const config = parse(renderPrometheusConfig(fullHa, { nextcloud: true, statusPath: '/status.php' }));
    const seconds = (v: string) => Number(v.replace(/s$/, ''));
    for (const j of config.scrape_configs as Job[]) {
      const interval = seconds(j.scrape_interval ?? config.global.scrape_interval);
      // Two thirds of the lookback leaves room for a late scrape.
      expect(interval, j.job_name).toBeLessThanOrEqual((lookback * 2) / 3);
    }
  });

  it('without Nextcloud: the front probe asks the lab probe, and no web node is probed for maintenance', () => {
    const j = jobs(renderPrometheusConfig(tp, { nextcloud: false, statusPath: '/lab-probe/status.php' }));
    expect(targets(j.front!)).toEqual(['https://10.0.2.10/lab-probe/status.php']);
    expect(targets(j.router!)).toEqual(['10.0.2.30:3306', '10.0.2.30:6379']);
    expect(j.maintenance).toBeUndefined();
    expect(targets(j.sentinel!)).toEqual(['10.0.2.30:26379', '10.0.2.31:26379', '10.0.2.32:26379']);
  });

  it("the lab's expectations: Galera size counts garbd, one VIP rule per VIP, none in tp", () => {
    const rules = (lab: typeof tp) =>
      parse(renderLabRules(lab)).groups[0].rules as {
        record: string;
        expr: string;
        labels?: Record<string, string>;
      }[];
    expect(rules(fullHa).map((r) => [r.record, r.expr, r.labels?.vip])).toEqual([
      ['lab:galera_expected_size', 'vector(3)', undefined],
      ['lab:vip_holders', 'count(node_network_address_info{address="10.0.2.10"}) or vector(0)', 'front'],
      ['lab:vip_holders', 'count(node_network_address_info{address="10.0.2.30"}) or vector(0)', 'router'],
      [
        'lab:redis_primaries',
        'count(redis_instance_info{job="redis", role="master"}) or vector(0)',
        undefined,
      ],
    ]);
    expect(rules(tp).map((r) => [r.record, r.expr])).toEqual([
      ['lab:galera_expected_size', 'vector(3)'],
      ['lab:redis_primaries', 'count(redis_instance_info{job="redis", role="master"}) or vector(0)'],
    ]);
  });

  it('blackbox: the front over verified HTTPS, maintenance with the trusted Host, the router over TCP', () => {
    const m = parse(renderBlackboxConfig(fullHa)).modules;
    expect(m.front.http.tls_config.ca_file).toBe('/opt/lab/tls/ca.crt');
    expect(m.front.http.fail_if_body_not_matches_regexp).toEqual(['"maintenance":\\s*false']);
    expect(m.maintenance.http.headers.Host).toBe('10.0.2.10');
    expect(m.tcp.prober).toBe('tcp');
  });
});
