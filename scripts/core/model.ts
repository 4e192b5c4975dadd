// Loads a lab file into the resolved model: strict schema, then every cross-field problem at once.
import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { LabError } from './errors.ts';
import { broadcast, contains, hostAddress, intToIp, ipToInt, parseSubnet, type Subnet } from './net.ts';
import { type Placement, placementProblems, resolvePlacement } from './placement.ts';
import { ROLE_NAMES, ROLES, type Role } from './roles.ts';
import { type LabSpec, type LooseSpec, labSchema, looseSpec } from './schema.ts';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

export const DEFAULT_BOXES = { virtualbox: 'debian/bookworm64', libvirt: 'debian/bookworm64' } as const;

export interface Node {
  name: string;
  ip: string;
  roles: Role[];
  memory: number;
  cpus: number;
}

export interface Lab {
  name: string;
  description: string;
  /** Where the lab file is, so relative paths in it (e.g. a Nextcloud archive) resolve against it. */
  file: string;
  subnet: Subnet;
  hostIp: string;
  netmask: string;
  vips: { front?: string; router?: string };
  boxes: { virtualbox: string; libvirt: string };
  libvirt: { driver: 'kvm' | 'qemu' | 'auto'; cpuModel?: string; managementNetwork: 'nat' | 'isolated' };
  nextcloud?: LabSpec['nextcloud'];
  /** How roles share nodes (scripts/core/placement.ts). */
  placement: Placement;
  nodes: Node[];
}

/** One problem in a lab file: where (YAML path and line), what, and how to fix it. */
export interface Problem {
  path: string;
  message: string;
  hint?: string;
  line?: number;
}

export interface Loaded {
  lab: Lab;
  warnings: Problem[];
}

/** `--lab` takes a lab name (labs/<name>/lab.yaml) or a path to a file. */
export function labFilePath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/')) {
    return isAbsolute(nameOrPath) ? nameOrPath : resolve(process.cwd(), nameOrPath);
  }
  return join(REPO_ROOT, 'labs', nameOrPath, 'lab.yaml');
}

export function loadLabFile(nameOrPath: string, hostMemoryMiB = totalmem() / 1048576): Loaded {
  const file = labFilePath(nameOrPath);
  if (!existsSync(file)) {
    throw new LabError('LAB_NOT_FOUND', `No lab file at ${file}`, {
      hint: 'Pass a lab name from labs/ (full-ha, tp) or the path to a lab.yaml.',
    });
  }
  return parseLab(readFileSync(file, 'utf8'), file, hostMemoryMiB);
}

/** Parses and validates lab text; throws one LabError listing every problem with its path. */
export function parseLab(text: string, file: string, hostMemoryMiB = totalmem() / 1048576): Loaded {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (path: (string | number)[]): number | undefined => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lines.linePos(node.range[0]).line : undefined;
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
      line: e.linePos?.[0]?.line,
    }));
    throw invalid(file, problems);
  }
  const raw = doc.toJS();
  const parsed = labSchema.safeParse(raw);
  // The cross-field rules run on whatever parsed, so one pass lists a typo'd key beside a duplicate
  // address; each rule skips the fields the schema refused.
  const rules = crossFieldProblems(parsed.success ? parsed.data : looseSpec(raw)).map((p) => ({
    ...p,
    line: nearestLine(lineOf, pathParts(p.path)),
  }));
  if (!parsed.success) {
    // An unknown key is reported at its own path, one problem per key, so the user finds each.
    const problems = parsed.error.issues.flatMap((i) => {
      const paths = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path];
      return paths.map((path) => ({
        path: formatPath(path),
        message: schemaMessage(i),
        line: nearestLine(lineOf, path),
      }));
    });
    throw invalid(file, [...problems, ...rules]);
  }
  if (rules.length > 0) throw invalid(file, rules);
  const spec = parsed.data;
  const lab = resolveLab(spec, file);
  return { lab, warnings: memoryWarnings(lab, hostMemoryMiB) };
}

/** The line of a path, or of its nearest ancestor that exists (a missing key has no line of its own). */
function nearestLine(
  lineOf: (p: (string | number)[]) => number | undefined,
  path: (string | number)[],
): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lineOf(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** Every problem in file order (a problem without a line last), so the user fixes the file top to bottom. */
function invalid(file: string, problems: Problem[]): LabError {
  const byLine = [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  const details = byLine.map(formatProblem);
  return new LabError(
    'LAB_INVALID',
    `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    {
      hint: 'Fix each problem above (paths are YAML paths in the lab file), then run the command again.',
      details,
    },
  );
}

export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.path} (line ${p.line})` : p.path;
  return `${where}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
}

export function formatPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

function pathParts(path: string): (string | number)[] {
  return path
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function schemaMessage(issue: {
  code: string;
  message: string;
  keys?: string[];
  received?: unknown;
}): string {
  if (issue.code === 'unrecognized_keys')
    return 'unknown key (a typo? the lab file accepts only the keys in scripts/core/schema.ts)';
  if (issue.code === 'invalid_enum_value')
    return `unknown role '${String(issue.received)}'; roles are: ${ROLE_NAMES.join(', ')}`;
  return issue.message;
}

/** Defaults resolve node -> role -> lab: the one place that decides a node's memory, CPUs and box. */
export function resolveLab(spec: LabSpec, file: string): Lab {
  const subnet = parseSubnet(spec.network.subnet)!;
  const nodes = spec.nodes.map((n) => ({
    name: n.name,
    ip: n.ip,
    roles: n.roles,
    memory: n.memory ?? Math.max(...n.roles.map((r) => ROLES[r].memory), spec.defaults.memory ?? 0),
    cpus: n.cpus ?? spec.defaults.cpus ?? 1,
  }));
  return {
    name: spec.name,
    description: spec.description ?? '',
    file,
    subnet,
    hostIp: hostAddress(subnet),
    netmask: intToIp((0xffffffff << (32 - subnet.prefix)) >>> 0),
    vips: spec.vips,
    boxes: { ...DEFAULT_BOXES, ...spec.boxes },
    libvirt: {
      driver: spec.libvirt.driver,
      cpuModel: spec.libvirt.cpu_model,
      managementNetwork: spec.libvirt.management_network,
    },
    nextcloud: spec.nextcloud,
    placement: resolvePlacement(spec.placement),
    nodes,
  };
}

/**
 * Every cross-field rule, each problem with its path; empty when the lab is consistent. A field that is
 * absent (refused by the schema) is skipped, and the role counts only run when every node's roles parsed.
 */
export function crossFieldProblems(spec: LooseSpec): Problem[] {
  const problems: Problem[] = [];
  const cidr = spec.network.subnet;
  const subnet = cidr === undefined ? undefined : parseSubnet(cidr);
  if (cidr !== undefined && !subnet) {
    problems.push({
      path: 'network.subnet',
      message: `'${cidr}' is not a usable subnet`,
      hint: 'use a prefix between /8 and /30, e.g. 10.0.2.0/24',
    });
  }
  const checkAddress = (path: string, ip: string | undefined) => {
    const n = ip === undefined ? undefined : ipToInt(ip);
    if (ip !== undefined && n === undefined)
      problems.push({ path, message: `'${ip}' is not an IPv4 address` });
    if (n === undefined || !subnet) return;
    if (!contains(subnet, n))
      problems.push({
        path,
        message: `${ip} is outside the lab subnet ${subnet.cidr}`,
        hint: `choose an address in ${subnet.cidr}`,
      });
    else if (n === subnet.network)
      problems.push({ path, message: `${ip} is the network address of ${subnet.cidr}` });
    else if (n === broadcast(subnet))
      problems.push({ path, message: `${ip} is the broadcast address of ${subnet.cidr}` });
    else if (n === subnet.network + 1)
      problems.push({
        path,
        message: `${ip} is reserved for the host side of the lab network`,
        hint: 'the host takes the first address; use another',
      });
  };
  const names = new Map<string, number>();
  const addresses = new Map<string, string>();
  spec.nodes.forEach((node, i) => {
    const first = node.name === undefined ? undefined : names.get(node.name);
    if (first !== undefined)
      problems.push({
        path: `nodes[${i}].name`,
        message: `duplicate node name '${node.name}' (also nodes[${first}])`,
      });
    else if (node.name !== undefined) names.set(node.name, i);
    checkAddress(`nodes[${i}].ip`, node.ip);
    const other = node.ip === undefined ? undefined : addresses.get(node.ip);
    if (other)
      problems.push({ path: `nodes[${i}].ip`, message: `duplicate address ${node.ip} (also ${other})` });
    else if (node.ip !== undefined) addresses.set(node.ip, `nodes[${i}]`);
    if (!node.roles) return;
    const roles = new Set(node.roles);
    if (roles.size !== node.roles.length)
      problems.push({ path: `nodes[${i}].roles`, message: 'a role is listed twice' });
    if (roles.has('db') && roles.has('db-arbiter'))
      problems.push({
        path: `nodes[${i}].roles`,
        message: 'a node is either a Galera data node (db) or an arbitrator (db-arbiter), not both',
      });
    if (roles.has('storage') && roles.has('storage-arbiter'))
      problems.push({
        path: `nodes[${i}].roles`,
        message:
          'a node holds either a data brick (storage) or the arbiter brick (storage-arbiter), not both',
      });
  });
  for (const key of ['front', 'router'] as const) {
    const vip = spec.vips[key];
    if (!vip) continue;
    checkAddress(`vips.${key}`, vip);
    const owner = addresses.get(vip);
    if (owner)
      problems.push({
        path: `vips.${key}`,
        message: `VIP ${vip} is also the address of ${owner}`,
        hint: 'a VIP must be an address no node has',
      });
  }
  if (spec.vips.front && spec.vips.front === spec.vips.router)
    problems.push({ path: 'vips.router', message: 'the router VIP equals the front VIP' });
  // A node whose roles the schema refused could have any role: counting without it would invent problems.
  if (spec.nodes.some((n) => !n.roles)) return problems;
  const withRole = (role: Role) => spec.nodes.filter((n) => n.roles?.includes(role)).length;
  const where = subnet?.cidr ?? 'the lab subnet';
  for (const role of ['lb', 'router'] as const) {
    const key = ROLES[role].vip!;
    // With placement.router: local each web node uses the router on its own node: no VIP to float.
    const local = role === 'router' && spec.placement?.router === 'local';
    if (withRole(role) >= 2 && !spec.vips[key] && !local) {
      problems.push({
        path: `vips.${key}`,
        message: `${withRole(role)} nodes have the ${role} role but there is no ${key} VIP`,
        hint: `add vips.${key}: an unused address in ${where} that keepalived floats between them`,
      });
    }
  }
  // A standalone service (placement.standalone) has no quorum to keep; unknown when placement was refused.
  const standalone = (role: 'db' | 'redis') => spec.placement?.standalone.includes(role) ?? true;
  const voters = withRole('db') + withRole('db-arbiter');
  if (withRole('db') > 0 && !standalone('db') && (voters < 3 || voters % 2 === 0)) {
    problems.push({
      path: 'nodes',
      message: `Galera has ${voters} voter${voters === 1 ? '' : 's'} (db + db-arbiter); losing one node must leave a majority`,
      hint:
        voters === 1
          ? 'use three db nodes, or two plus a db-arbiter (garbd); a one-machine lab says placement.standalone: [db] (MariaDB without Galera)'
          : 'use an odd number of at least three: three db nodes, or two plus a db-arbiter (garbd)',
    });
  }
  const bricks = withRole('storage');
  const arbiters = withRole('storage-arbiter');
  if (bricks + arbiters > 0 && !((bricks === 3 && arbiters === 0) || (bricks === 2 && arbiters === 1))) {
    problems.push({
      path: 'nodes',
      message: `GlusterFS has ${bricks} data brick${bricks === 1 ? '' : 's'} and ${arbiters} arbiter${arbiters === 1 ? '' : 's'}; only replica 3 or 2 + arbiter avoid split brain`,
      hint: 'give three nodes the storage role, or two storage and one storage-arbiter',
    });
  }
  const sentinels = withRole('sentinel');
  if (withRole('redis') > 0 && !standalone('redis') && (sentinels < 3 || sentinels % 2 === 0)) {
    problems.push({
      path: 'nodes',
      message: `Redis has ${sentinels} Sentinel${sentinels === 1 ? '' : 's'}; quorum 2 needs an odd number of at least three`,
      hint:
        sentinels === 0 && withRole('redis') === 1
          ? 'add the sentinel role to three nodes; a one-machine lab says placement.standalone: [redis] (Redis without Sentinel)'
          : 'add the sentinel role to a third node (the router in tp)',
    });
  }
  return [...problems, ...placementProblems(spec)];
}

/** Total memory above what the host has is a warning, not an error: the user may know better. */
export function memoryWarnings(lab: Lab, hostMemoryMiB: number): Problem[] {
  const total = lab.nodes.reduce((sum, n) => sum + n.memory, 0);
  if (total <= hostMemoryMiB) return [];
  return [
    {
      path: 'nodes',
      message: `the lab's machines need ${total} MiB in all but this host has ${Math.round(hostMemoryMiB)} MiB`,
      hint: 'lower nodes[].memory or defaults.memory, or use a host with more memory',
    },
  ];
}

export function nodeByName(lab: Lab, name: string): Node {
  const node = lab.nodes.find((n) => n.name === name);
  if (!node) {
    throw new LabError('NODE_UNKNOWN', `Lab ${lab.name} has no node '${name}'`, {
      hint: `Nodes are: ${lab.nodes.map((n) => n.name).join(', ')}`,
    });
  }
  return node;
}

export function nodesWithRole(lab: Lab, role: Role): Node[] {
  return lab.nodes.filter((n) => n.roles.includes(role));
}

/** Where users reach the service: the front VIP, or the address of the only load balancer. */
export function frontAddress(lab: Lab): string | undefined {
  return lab.vips.front ?? singleAddress(lab, 'lb');
}

/**
 * Where web nodes reach the router: the router VIP, 127.0.0.1 with placement.router: local (each web
 * node's own router), or the address of the only router.
 */
export function routerAddress(lab: Lab): string | undefined {
  if (lab.vips.router) return lab.vips.router;
  if (lab.placement.router === 'local' && nodesWithRole(lab, 'router').length > 0) return '127.0.0.1';
  return singleAddress(lab, 'router');
}

/** Where web nodes reach MariaDB and Redis: through the router, or straight at a standalone db node. */
export function dataAddress(lab: Lab): string | undefined {
  return (
    routerAddress(lab) ?? (lab.placement.standalone.includes('db') ? singleAddress(lab, 'db') : undefined)
  );
}

/** http://<host>[:port]: a web node's Apache, on placement.ports.web when an lb shares its node. */
export function webOrigin(lab: Lab, host: string): string {
  return lab.placement.webPort === 80 ? `http://${host}` : `http://${host}:${lab.placement.webPort}`;
}

function singleAddress(lab: Lab, role: Role): string | undefined {
  const nodes = nodesWithRole(lab, role);
  return nodes.length === 1 ? nodes[0]!.ip : undefined;
}
