import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError } from '../../scripts/core/errors.ts';
import { dataAddress, frontAddress, loadLabFile, parseLab, routerAddress } from '../../scripts/core/model.ts';
import { boundPorts, portClashes } from '../../scripts/core/placement.ts';

const dir = join(import.meta.dirname, '../fixtures/labs');
const fixtures = (prefix: string) =>
  readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.yaml'));

/** The error paths an invalid fixture must produce, from its `# expect:` first line. */
function expectedPaths(file: string): string[] {
  const first = readFileSync(join(dir, file), 'utf8').split('\n')[0]!;
  return first
    .replace(/^# expect:\s*/, '')
    .split(',')
    .map((s) => s.trim());
}

function problemsOf(file: string): string[] {
  try {
    loadLabFile(join(dir, file), 1e9);
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    return (e as LabError).details;
  }
  throw new Error(`${file} was accepted`);
}

describe('lab model', () => {
  it.each(['full-ha', 'tp'])('loads labs/%s as the architecture note tables it', (name) => {
    const { lab, warnings } = loadLabFile(name, 1e9);
    expect(warnings).toEqual([]);
    expect(lab.hostIp).toBe('10.0.2.1');
    expect(lab.nodes.find((n) => n.name === 'web1')).toMatchObject({ ip: '10.0.2.21', memory: 1024 });
    expect(lab.nodes.find((n) => n.name === 'client')).toMatchObject({ ip: '10.0.2.100', memory: 512 });
  });

  it('full-ha has both VIPs and the memory of the note (about 9 GiB)', () => {
    const { lab } = loadLabFile('full-ha', 1e9);
    expect(lab.vips).toEqual({ front: '10.0.2.10', router: '10.0.2.30' });
    expect(lab.nodes.reduce((s, n) => s + n.memory, 0)).toBe(9216);
    expect(lab.nodes.map((n) => n.name)).toEqual([
      'client',
      'lb1',
      'lb2',
      'web1',
      'web2',
      'router1',
      'router2',
      'db1',
      'db2',
      'db3',
      'storage1',
      'storage2',
      'storage3',
    ]);
  });

  it('tp reaches its single lb and router at their own addresses (about 6.5 GiB)', () => {
    const { lab } = loadLabFile('tp', 1e9);
    expect(frontAddress(lab)).toBe('10.0.2.10');
    expect(routerAddress(lab)).toBe('10.0.2.30');
    expect(lab.nodes.reduce((s, n) => s + n.memory, 0)).toBe(6656);
    expect(lab.nodes.find((n) => n.name === 'router')?.roles).toEqual([
      'router',
      'db-arbiter',
      'storage-arbiter',
      'sentinel',
    ]);
  });

  it.each(fixtures('valid-'))('accepts %s', (file) => {
    expect(() => loadLabFile(join(dir, file), 1e9)).not.toThrow();
  });

  it.each(fixtures('invalid-'))('rejects %s with the expected paths', (file) => {
    const problems = problemsOf(file);
    const paths = [...new Set(problems.map((p) => p.split(/ \(line|: /)[0]))];
    expect(paths.sort()).toEqual(expectedPaths(file).sort());
  });

  it('reports every problem of a file at once, each with its line', () => {
    const problems = problemsOf('invalid-three-problems.yaml');
    expect(problems).toHaveLength(3);
    expect(problems.filter((p) => /\(line \d+\): /.test(p))).toHaveLength(3);
  });

  it('runs the cross-field rules beside the schema: a typo, a duplicate and an outside address at once', () => {
    const problems = problemsOf('invalid-schema-and-rules.yaml');
    expect(problems).toEqual([
      expect.stringMatching(/^bogusKey \(line 4\): unknown key/),
      expect.stringMatching(
        /^nodes\[4\]\.ip \(line 10\): duplicate address 10\.0\.2\.31 \(also nodes\[1\]\)/,
      ),
      expect.stringMatching(
        /^nodes\[5\]\.ip \(line 11\): 10\.0\.9\.22 is outside the lab subnet 10\.0\.2\.0\/24/,
      ),
    ]);
  });

  it('skips the rules on a field the schema refused, and the role counts when a role did not parse', () => {
    // web1's roles are refused: without them Galera's and the lbs' counts are unknown, not wrong.
    const text = [
      'name: fixture',
      'network: { subnet: 10.0.2.0/24 }',
      'nodes:',
      '  - { name: db1, ip: 10.0.2.31, roles: [db] }',
      '  - { name: web1, ip: 10.0.2.310, roles: [webserver] }',
      '  - { name: Bad_Name, ip: 10.0.2.31, roles: [lb] }',
    ].join('\n');
    let details: string[] = [];
    try {
      parseLab(text, 'x.yaml', 1e9);
    } catch (e) {
      details = (e as LabError).details;
    }
    expect(details.map((d) => d.split(/ \(line|: /)[0])).toEqual([
      'nodes[1].roles[0]',
      'nodes[1].ip',
      'nodes[2].name',
      'nodes[2].ip',
    ]);
    expect(details[1]).toMatch(/'10\.0\.2\.310' is not an IPv4 address/);
    expect(details[3]).toMatch(/duplicate address 10\.0\.2\.31/);
  });

  it('resolves memory node -> role -> lab defaults', () => {
    const { lab } = loadLabFile(join(dir, 'valid-custom-subnet.yaml'), 1e9);
    expect(lab.nodes.find((n) => n.name === 'arb')).toMatchObject({ memory: 256, cpus: 2 });
    expect(lab.nodes.find((n) => n.name === 'lb1')).toMatchObject({ memory: 768, cpus: 2 });
    expect(lab.nodes.find((n) => n.name === 'db1')).toMatchObject({ memory: 1024 });
  });

  it('warns, without failing, when the lab needs more memory than the host has', () => {
    const { warnings } = loadLabFile('full-ha', 4096);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/9216 MiB.*4096 MiB/);
  });

  it('names an unknown role and lists the real ones', () => {
    expect(problemsOf('invalid-unknown-role.yaml')[0]).toMatch(
      /unknown role 'webserver'; roles are: client, lb, web/,
    );
  });

  it('refuses a lab name that is not a file with a hint', () => {
    expect(() => loadLabFile('no-such-lab')).toThrow(/No lab file/);
    expect(() => parseLab('name: x\nnetwork: {subnet: 10.0.2.0/24}\nnodes: []\n', 'x.yaml')).toThrow(
      LabError,
    );
  });

  it('all-in-one: one node with every layer, Apache on :8080, MariaDB and Redis reached directly', () => {
    const { lab } = loadLabFile('all-in-one', 1e9);
    expect(lab.placement).toEqual({ webPort: 8080, router: 'nodes', standalone: ['db', 'redis'] });
    expect(frontAddress(lab)).toBe('10.0.2.10');
    expect(routerAddress(lab)).toBeUndefined();
    expect(dataAddress(lab)).toBe('10.0.2.10');
  });

  it('mini-ha: three nodes with every layer, each web node on its own router at 127.0.0.1', () => {
    const { lab } = loadLabFile('mini-ha', 1e9);
    expect(lab.placement).toMatchObject({ webPort: 8080, router: 'local' });
    expect(lab.vips).toEqual({ front: '10.0.2.10' });
    expect(dataAddress(lab)).toBe('127.0.0.1');
    const bound = boundPorts(lab.nodes[1]!.roles, lab.placement);
    const at = (role: string, port: number) => bound.find((b) => b.role === role && b.port === port)?.scope;
    expect([at('router', 3306), at('db', 3306), at('redis', 6379), at('lb', 8404)]).toEqual([
      'loopback',
      'node',
      'node',
      'any',
    ]);
    expect(bound.some((b) => b.role === 'router' && b.port === 8404)).toBe(false);
    expect(portClashes(lab.nodes[1]!.roles, lab.placement)).toEqual([]);
  });

  it('names the two roles, the port and the way out when roles clash on a node', () => {
    expect(problemsOf('invalid-port-clash.yaml')).toEqual([
      expect.stringMatching(
        /^nodes\[1\]\.roles \(line 8\): lb and web would both listen on :80 .*hint: move Apache with placement\.ports\.web/,
      ),
    ]);
    const shared = problemsOf('invalid-shared-haproxy.yaml').filter((p) => p.startsWith('nodes[1]'));
    expect(shared.map((p) => p.split(': ')[1]!.replace(/ \(.*/, ''))).toEqual([
      'lb and router would both listen on :8404',
      'router and db would both listen on :3306',
      'router and redis would both listen on :6379',
    ]);
    expect(shared[0]).toMatch(/placement\.router: local/);
  });

  it('refuses a VIP with one holder, and a single db node unless the lab says it runs alone', () => {
    expect(problemsOf('invalid-vip-one-holder.yaml')[0]).toMatch(
      /vips\.front .*the front VIP needs two or more lb nodes to float between; this lab has 1/,
    );
    const single = problemsOf('invalid-single-db.yaml');
    expect(single.some((p) => /Galera has 1 voter.*placement\.standalone: \[db\]/.test(p))).toBe(true);
    expect(single.some((p) => /Redis has 0 Sentinels.*placement\.standalone: \[redis\]/.test(p))).toBe(true);
    expect(problemsOf('invalid-standalone-cluster.yaml')).toHaveLength(2);
    expect(problemsOf('invalid-web-no-way.yaml')).toEqual([
      expect.stringMatching(/no way to the Galera cluster: no node has the router role/),
      expect.stringMatching(/2 web nodes but no storage node/),
    ]);
  });
});
