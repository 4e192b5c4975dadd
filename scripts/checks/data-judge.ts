// Pure judgements for the data-tier checks: parse recorded command output, list what is wrong.

/** `SHOW GLOBAL STATUS` rows (`name<TAB>value`, as `mysql -N -B` prints them) as a map. */
export function parseStatus(text: string): Map<string, string> {
  const rows = text.split('\n').map((l) => l.trim().split(/\s+/));
  return new Map(rows.filter((r) => r.length >= 2).map((r) => [r[0]!.toLowerCase(), r.slice(1).join(' ')]));
}

export interface GaleraNodeStatus {
  node: string;
  status: Map<string, string>;
}

/** What keeps the cluster from being whole: size, Primary, Synced, ready, one state UUID. */
export function galeraProblems(nodes: GaleraNodeStatus[], expectedSize: number): string[] {
  const problems: string[] = [];
  for (const { node, status } of nodes) {
    const get = (k: string) => status.get(k) ?? '?';
    if (get('wsrep_cluster_status') !== 'Primary')
      problems.push(`${node} is in a ${get('wsrep_cluster_status')} component, not Primary`);
    if (get('wsrep_local_state') !== '4')
      problems.push(
        `${node} is ${get('wsrep_local_state_comment')} (wsrep_local_state=${get('wsrep_local_state')}), not Synced`,
      );
    if (get('wsrep_ready') !== 'ON') problems.push(`${node} has wsrep_ready=${get('wsrep_ready')}`);
    if (get('wsrep_cluster_size') !== String(expectedSize))
      problems.push(`${node} counts ${get('wsrep_cluster_size')} members, expected ${expectedSize}`);
  }
  const uuids = new Set(nodes.map((n) => n.status.get('wsrep_cluster_state_uuid')));
  if (uuids.size > 1)
    problems.push(`the nodes report ${uuids.size} different cluster state UUIDs (split clusters)`);
  return problems;
}

export type RedisRole =
  | { role: 'master'; replicas: string[] }
  | { role: 'slave'; masterIp: string; state: string }
  | { role: 'unknown'; raw: string };

/** `redis-cli ROLE` output: "master\n<offset>\n<ip>\n<port>\n<offset>..." or "slave\n<ip>\n<port>\n<state>\n<offset>". */
export function parseRedisRole(text: string): RedisRole {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines[0] === 'master') {
    const replicas = lines.slice(2).filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l));
    return { role: 'master', replicas };
  }
  if (lines[0] === 'slave' && lines[1]) return { role: 'slave', masterIp: lines[1], state: lines[3] ?? '?' };
  return { role: 'unknown', raw: text.trim().slice(0, 200) };
}

export interface RedisView {
  /** node name -> its ROLE */
  roles: Map<string, RedisRole>;
  /** sentinel node name -> the master address it names (or its raw answer) */
  sentinels: Map<string, string>;
  ipOf: (node: string) => string | undefined;
}

/** One primary, every replica connected to it, every Sentinel naming it. Returns the primary's name too. */
export function redisProblems(view: RedisView): { primary?: string; problems: string[] } {
  const problems: string[] = [];
  const masters = [...view.roles].filter(([, r]) => r.role === 'master').map(([n]) => n);
  if (masters.length !== 1)
    problems.push(
      masters.length === 0
        ? 'no Redis node is primary (role:master)'
        : `${masters.length} Redis nodes say they are primary: ${masters.join(', ')}`,
    );
  const primary = masters.length === 1 ? masters[0] : undefined;
  const primaryIp = primary ? view.ipOf(primary) : undefined;
  for (const [node, r] of view.roles) {
    if (r.role === 'unknown') problems.push(`${node} did not answer ROLE: ${r.raw || '(no output)'}`);
    if (r.role !== 'slave' || !primaryIp) continue;
    if (r.masterIp !== primaryIp)
      problems.push(`${node} replicates from ${r.masterIp}, not from the primary ${primary} (${primaryIp})`);
    else if (r.state !== 'connected') problems.push(`${node} replication link is ${r.state}, not connected`);
  }
  for (const [node, said] of view.sentinels) {
    if (primaryIp && said !== primaryIp)
      problems.push(
        `Sentinel on ${node} names ${said || 'nothing'} as primary, not ${primary} (${primaryIp})`,
      );
  }
  return { primary, problems };
}

/** The first line of `SENTINEL get-master-addr-by-name`: the master's address. */
export function sentinelMaster(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/** `SENTINEL CKQUORUM` says "OK <n> usable Sentinels..." when quorum and failover authorization are reachable. */
export function ckquorumOk(text: string): boolean {
  return /^OK \d+ usable Sentinels/.test(text.trim());
}

/** The routers whose `ip -o -4 addr` output lists the VIP. */
export function vipHolders(outputs: { node: string; text: string }[], vip: string): string[] {
  const re = new RegExp(`\\binet ${vip.replaceAll('.', '\\.')}/`);
  return outputs.filter((o) => re.test(o.text)).map((o) => o.node);
}

export interface WriterAnswer {
  via: string;
  hostname: string;
  state: string;
}

/** Lines `hostname<TAB>state` of the writer probe, one per new connection. */
export function parseWriterLines(via: string, text: string): WriterAnswer[] {
  return text
    .split('\n')
    .map((l) => l.trim().split('\t'))
    .filter((p) => p.length >= 2 && p[0] !== '')
    .map((p) => ({ via, hostname: p[0]!, state: p[1]! }));
}

/** Every connection must land on one node, and that node must be Synced. */
export function writerProblems(answers: WriterAnswer[], expected: number): string[] {
  const problems: string[] = [];
  if (answers.length < expected)
    problems.push(`only ${answers.length} of ${expected} connections through the router answered`);
  const hosts = [...new Set(answers.map((a) => a.hostname))];
  if (hosts.length > 1)
    problems.push(
      `connections landed on ${hosts.length} nodes: ${answers.map((a) => `${a.via}->${a.hostname}`).join(', ')}`,
    );
  const unsynced = answers.filter((a) => a.state !== 'Synced');
  if (unsynced.length > 0)
    problems.push(`${unsynced[0]!.hostname} answered while ${unsynced[0]!.state}, not Synced`);
  return problems;
}
