// What the monitor role runs, rendered from the lab model: Prometheus's scrape config, the lab's own
// expectations as recording rules (lab:* series the static alert rules compare with), and the blackbox
// modules. Pure functions; the engine uploads their output to the monitor node (engine/inputs.ts).
import { frontAddress, type Lab, type Node, nodesWithRole, routerAddress } from '../core/model.ts';
import type { Role } from '../core/roles.ts';

/** Ports of the exporters the tier roles run (provision/lib/exporters.sh, monitor.sh). */
export const PORTS = {
  node: 9100,
  mysqld: 9104,
  redisExporter: 9121,
  haproxy: 8404,
  prometheus: 9090,
  alertmanager: 9093,
  blackbox: 9115,
} as const;

/** How often Prometheus scrapes and evaluates, and how long a scrape may take (seconds). */
export const INTERVAL_S = 5;
export const SCRAPE_TIMEOUT_S = 3;

/**
 * How often Prometheus scrapes itself and Alertmanager: nothing a drill times depends on them. At most
 * 10 s: the monitor role's query lookback is 15 s (provision/roles/monitor.sh), and a series scraped less
 * often than that vanishes between scrapes (the console page's title reads prometheus_build_info).
 */
export const SELF_INTERVAL_S = 10;

/**
 * How often each web node's status.php is asked whether Nextcloud is in maintenance: every ask runs
 * Nextcloud's PHP on that node, and maintenance is a switch a teacher turns, not a drill's fault. At most
 * 10 s, like SELF_INTERVAL_S.
 */
export const MAINTENANCE_INTERVAL_S = 10;

// What Prometheus keeps of each exporter's answer (metric_relabel_configs, applied after the scrape):
// the series the alert rules, the console page and a class's first graphs use (CPU, memory, load,
// network, disk space, sessions, response codes, replication). The rest cost memory and CPU on every
// scrape for nothing. On full-ha they were 8,200 series, 1,640 samples a second, most of them MariaDB's
// per-command counters, Redis's per-command stats, HAProxy's per-check-status enums and every exporter's
// Go runtime; then about 4,550 series (816 samples a second), of which node exporter's 80 /proc/meminfo
// fields, HAProxy's 40 per-server counters and Prometheus's and Alertmanager's own histograms were most.
const PROCESS = 'process_(cpu_seconds_total|resident_memory_bytes|start_time_seconds)';
const REDIS_KEEP = `redis_(up|instance_info|uptime_in_seconds|connected_clients|connected_slaves|connected_slave_.*|master_.*|slave_.*|replication_.*|replica_.*|sentinel_.*|commands_processed_total|memory_used_bytes|db_keys|keyspace_.*|net_.*)|${PROCESS}`;
const KEEP: Partial<Record<string, string>> = {
  node: `node_(cpu_seconds_total|load(1|5|15)|memory_(MemTotal|MemAvailable|MemFree|Buffers|Cached|Shmem|SwapTotal|SwapFree)_bytes|network_(address_info|(receive|transmit)_(bytes|packets|errs|drop)_total)|filesystem_(avail_bytes|size_bytes|readonly)|boot_time_seconds|time_seconds|context_switches_total|forks_total|procs_(running|blocked)|textfile_scrape_error|scrape_collector_success|exporter_build_info)|lab_.*|${PROCESS}`,
  haproxy: `haproxy_(server_(status|weight|check_failures_total|downtime_seconds_total|current_sessions|sessions_total|bytes_(in|out)_total|http_responses_total|connection_errors_total|total_time_average_seconds)|backend_(status|active_servers|backup_servers|current_sessions|sessions_total|bytes_(in|out)_total|http_responses_total|connection_errors_total|total_time_average_seconds))`,
  mysqld: `mysql_up|mysql_exporter_.*|${PROCESS}|mysql_global_status_(wsrep_.*|threads_.*|queries|questions|connections|uptime|bytes_.*|slow_queries|aborted_.*|innodb_rows_.*|innodb_row_lock_.*)`,
  redis: REDIS_KEEP,
  sentinel: REDIS_KEEP,
  prometheus: `prometheus_(build_info|ready|config_last_reload_successful|tsdb_head_series|tsdb_head_samples_appended_total|tsdb_storage_blocks_bytes|rule_evaluation_failures_total|rule_group_last_duration_seconds|rule_group_iterations_missed_total|notifications_(sent|dropped|errors)_total|notifications_queue_length|sd_discovered_targets)|${PROCESS}`,
  alertmanager: `alertmanager_(build_info|alerts|alerts_received_total|alerts_invalid_total|notifications_total|notifications_failed_total)|${PROCESS}`,
};

function metricRelabels(name: string): Record<string, unknown>[] | undefined {
  const keep = KEEP[name];
  return keep ? [{ source_labels: ['__name__'], regex: keep, action: 'keep' }] : undefined;
}

/** The node running Prometheus: the first with the monitor role, or none. */
export function monitorNode(lab: Lab): Node | undefined {
  return nodesWithRole(lab, 'monitor')[0];
}

export interface MonitorOptions {
  /** The front's health path: Nextcloud's /status.php, or the lab probe's when Nextcloud is absent. */
  statusPath: string;
  /** Whether Nextcloud is installed: only then are web nodes probed for maintenance mode. */
  nextcloud: boolean;
  /** Where the rule files are (the monitor role installs them in /etc/prometheus; tests elsewhere). */
  configDir?: string;
}

type Labels = Record<string, string>;
interface StaticConfig {
  targets: string[];
  labels: Labels;
}

// Every target names its node, and node targets the node's roles as ",a,b," (so a rule can match
// `roles=~".*,storage,.*"`).
const nodeLabels = (n: Node): Labels => ({ node: n.name });
const withRoles = (lab: Lab, roles: Role[]) =>
  lab.nodes.filter((n) => n.roles.some((r) => roles.includes(r)));

function job(name: string, configs: StaticConfig[], extra: Record<string, unknown> = {}) {
  const relabels = metricRelabels(name);
  return {
    job_name: name,
    ...extra,
    static_configs: configs,
    ...(relabels ? { metric_relabel_configs: relabels } : {}),
  };
}

// A multi-target exporter (redis exporter, blackbox): the target goes in ?target=, the scrape goes to
// the exporter's address.
function viaExporter(exporter: string | undefined, prefix = '') {
  return [
    { source_labels: ['__address__'], target_label: '__param_target', replacement: `${prefix}$1` },
    { source_labels: ['__param_target'], target_label: 'instance' },
    exporter
      ? { target_label: '__address__', replacement: exporter }
      : {
          source_labels: ['__address__'],
          regex: '([^:]+):\\d+',
          target_label: '__address__',
          replacement: `$1:${PORTS.redisExporter}`,
        },
  ];
}

/** Prometheus's prometheus.yml for this lab (JSON, which YAML parsers read as YAML). */
export function renderPrometheusConfig(lab: Lab, opts: MonitorOptions): string {
  const mon = monitorNode(lab);
  if (!mon) throw new Error(`lab ${lab.name} has no monitor node`);
  const here = nodeLabels(mon);
  const blackbox = `127.0.0.1:${PORTS.blackbox}`;
  const scrape: Record<string, unknown>[] = [
    job(
      'node',
      lab.nodes.map((n) => ({
        targets: [`${n.ip}:${PORTS.node}`],
        labels: { ...nodeLabels(n), roles: `,${n.roles.join(',')},` },
      })),
    ),
  ];
  const proxies = withRoles(lab, ['lb', 'router']);
  if (proxies.length > 0)
    scrape.push(
      job(
        'haproxy',
        proxies.map((n) => ({ targets: [`${n.ip}:${PORTS.haproxy}`], labels: nodeLabels(n) })),
        { params: { scope: ['backend', 'server'] } },
      ),
    );
  const dbs = nodesWithRole(lab, 'db');
  if (dbs.length > 0)
    scrape.push(
      job(
        'mysqld',
        dbs.map((n) => ({ targets: [`${n.ip}:${PORTS.mysqld}`], labels: nodeLabels(n) })),
      ),
    );
  for (const [name, role, port] of [
    ['redis', 'redis', 6379],
    ['sentinel', 'sentinel', 26379],
  ] as const) {
    const nodes = nodesWithRole(lab, role);
    if (nodes.length === 0) continue;
    scrape.push(
      job(
        name,
        nodes.map((n) => ({ targets: [`${n.ip}:${port}`], labels: nodeLabels(n) })),
        { metrics_path: '/scrape', relabel_configs: viaExporter(undefined, 'redis://') },
      ),
    );
  }
  const front = frontAddress(lab);
  if (front)
    scrape.push(
      job('front', [{ targets: [`https://${front}${opts.statusPath}`], labels: here }], {
        metrics_path: '/probe',
        params: { module: ['front'] },
        relabel_configs: viaExporter(blackbox),
      }),
    );
  const router = routerAddress(lab);
  if (router) {
    const ports = [
      ...(dbs.length > 0 ? [3306] : []),
      ...(nodesWithRole(lab, 'redis').length > 0 ? [6379] : []),
    ];
    if (ports.length > 0)
      scrape.push(
        job('router', [{ targets: ports.map((p) => `${router}:${p}`), labels: here }], {
          metrics_path: '/probe',
          params: { module: ['tcp'] },
          relabel_configs: viaExporter(blackbox),
        }),
      );
  }
  const webs = nodesWithRole(lab, 'web');
  if (opts.nextcloud && front && webs.length > 0)
    scrape.push(
      job(
        'maintenance',
        webs.map((n) => ({ targets: [`http://${n.ip}:8081/status.php`], labels: nodeLabels(n) })),
        {
          metrics_path: '/probe',
          params: { module: ['maintenance'] },
          scrape_interval: `${MAINTENANCE_INTERVAL_S}s`,
          relabel_configs: viaExporter(blackbox),
        },
      ),
    );
  scrape.push(
    job('prometheus', [{ targets: [`${mon.ip}:${PORTS.prometheus}`], labels: here }], {
      scrape_interval: `${SELF_INTERVAL_S}s`,
    }),
    job('alertmanager', [{ targets: [`${mon.ip}:${PORTS.alertmanager}`], labels: here }], {
      scrape_interval: `${SELF_INTERVAL_S}s`,
    }),
  );
  const config = {
    global: {
      scrape_interval: `${INTERVAL_S}s`,
      scrape_timeout: `${SCRAPE_TIMEOUT_S}s`,
      evaluation_interval: `${INTERVAL_S}s`,
      external_labels: { lab: lab.name },
    },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${mon.ip}:${PORTS.alertmanager}`] }] }] },
    rule_files: ['rules.yml', 'lab-rules.yml'].map((f) => `${opts.configDir ?? '/etc/prometheus'}/${f}`),
    scrape_configs: scrape,
  };
  return `# Written by the lab (scripts/monitor/config.ts) for ${lab.name}.\n${JSON.stringify(config, null, 2)}\n`;
}

/**
 * The lab's expectations as recording rules: lab:galera_expected_size (db and garbd nodes),
 * lab:vip_holders{vip} (nodes whose interfaces carry the VIP), lab:redis_primaries. A lab without
 * the tier records nothing, so its alert never fires.
 */
export function renderLabRules(lab: Lab): string {
  const rules: Record<string, unknown>[] = [];
  const galera = withRoles(lab, ['db', 'db-arbiter']).length;
  if (nodesWithRole(lab, 'db').length > 0)
    rules.push({ record: 'lab:galera_expected_size', expr: `vector(${galera})` });
  for (const [vip, address] of Object.entries(lab.vips)) {
    if (!address) continue;
    rules.push({
      record: 'lab:vip_holders',
      expr: `count(node_network_address_info{address="${address}"}) or vector(0)`,
      labels: { vip, address },
    });
  }
  if (nodesWithRole(lab, 'redis').length > 0)
    rules.push({
      record: 'lab:redis_primaries',
      expr: 'count(redis_instance_info{job="redis", role="master"}) or vector(0)',
    });
  const doc = { groups: [{ name: 'lab', rules }] };
  return `# Written by the lab (scripts/monitor/config.ts): what ${lab.name} expects.\n${JSON.stringify(doc, null, 2)}\n`;
}

/** The blackbox exporter's modules: the front over HTTPS, the router over TCP, maintenance mode. */
export function renderBlackboxConfig(lab: Lab): string {
  const host = frontAddress(lab) ?? '';
  const http = { preferred_ip_protocol: 'ip4', ip_protocol_fallback: false, no_follow_redirects: true };
  const modules = {
    front: {
      prober: 'http',
      timeout: `${SCRAPE_TIMEOUT_S - 0.5}s`,
      http: {
        ...http,
        valid_status_codes: [200],
        fail_if_not_ssl: true,
        fail_if_body_not_matches_regexp: ['"maintenance":\\s*false'],
        tls_config: { ca_file: '/opt/lab/tls/ca.crt' },
      },
    },
    // Succeeds only when Nextcloud says it is in maintenance mode: the web node's own health port,
    // with the trusted Host (through the front, maintenance is a 503 once the lbs mark every node DOWN).
    maintenance: {
      prober: 'http',
      timeout: `${SCRAPE_TIMEOUT_S - 0.5}s`,
      http: {
        ...http,
        headers: { Host: host },
        fail_if_body_not_matches_regexp: ['"maintenance":\\s*true'],
      },
    },
    tcp: { prober: 'tcp', timeout: `${SCRAPE_TIMEOUT_S - 0.5}s`, tcp: { preferred_ip_protocol: 'ip4' } },
  };
  return `# Written by the lab (scripts/monitor/config.ts).\n${JSON.stringify({ modules }, null, 2)}\n`;
}
