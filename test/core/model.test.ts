import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError } from '../../scripts/core/errors.ts';
import { frontAddress, loadLabFile, parseLab, routerAddress } from '../../scripts/core/model.ts';

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
});
