// End to end: two real containers on 10.0.92.0/24, reached with ssh2, power-cut, restarted and destroyed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../../scripts/core/model.ts';
import { labPaths } from '../../../scripts/core/paths.ts';
import { waitFor } from '../../../scripts/providers/nspawn/exec.ts';
import { bridgeName, netnsName, vethName } from '../../../scripts/providers/nspawn/naming.ts';
import { onPath } from '../../../scripts/providers/nspawn/preflight.ts';
import { childPids, processRunning } from '../../../scripts/providers/nspawn/process.ts';
import { NspawnProvider } from '../../../scripts/providers/nspawn/provider.ts';
import type { SshTarget } from '../../../scripts/providers/types.ts';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['systemd-nspawn', 'debootstrap']) if (!onPath(tool)) return `${tool} is missing`;
  return undefined;
}

function sshRun(target: SshTarget, command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('error', reject);
    client.once('ready', () => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (out += d.toString()));
        stream.once('close', (code: number) => {
          client.end();
          resolve({ code, out: out.trim() });
        });
      });
    });
    client.connect({
      ...target,
      username: target.user,
      privateKey: readFileSync(target.privateKeyPath),
      readyTimeout: 10_000,
    });
  });
}

// An open TCP connection to sshd, recording whether the far end closed it (and how).
function openConnection(host: string): Promise<{ socket: Socket; closedBy: () => string | undefined }> {
  return new Promise((resolve, reject) => {
    let closed: string | undefined;
    const socket = connect(22, host);
    socket.once('data', () => resolve({ socket, closedBy: () => closed }));
    socket.on('error', (e) => {
      closed = `error ${e.message}`;
      reject(e);
    });
    socket.once('end', () => {
      closed = 'FIN';
    });
  });
}

const reason = skipReason();
const { lab } = loadLabFile(join(REPO_ROOT, 'test/fixtures/labs/nspawn-test.yaml'));
// State in a temporary directory: the test never touches the repository's .lab/.
const base = reason ? join(tmpdir(), 'nspawn-test-skipped') : mkdtempSync(join(tmpdir(), 'nspawn-test-'));
const paths = labPaths(lab.name, base);
const provider = new NspawnProvider(lab, paths);
const [alpha, beta] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0]];
const timings: Record<string, number> = {};

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  const r = await fn();
  timings[name] = Date.now() - t;
  return r;
}

describe.skipIf(reason)(`nspawn provider end to end${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(() => timed('up', () => provider.up(lab.nodes)), 900_000);
  afterAll(async () => {
    await provider.destroy();
    rmSync(base, { recursive: true, force: true });
    console.log('nspawn e2e timings (ms):', JSON.stringify(timings));
  }, 120_000);

  it('boots both nodes, each answering SSH with its own hostname', async () => {
    for (const node of lab.nodes)
      expect((await sshRun(await provider.sshTarget(node), 'hostname')).out).toBe(node.name);
    expect((await provider.status()).map((s) => s.state)).toEqual(['running', 'running']);
  });

  it('lets beta reach alpha on the lab network, and nothing off it', async () => {
    const ping = await sshRun(await provider.sshTarget(beta), `ping -c 1 -W 2 ${alpha.ip}`);
    expect(ping.code, ping.out).toBe(0);
    const routes = await sshRun(await provider.sshTarget(beta), 'ip -4 route');
    expect(routes.out).not.toMatch(/default/);
  });

  it('gives nodes what keepalived and GlusterFS clients need: addresses to add, /dev/fuse to open', async () => {
    const target = await provider.sshTarget(beta);
    const vip = await sshRun(
      target,
      'ip addr add 10.0.92.200/32 dev eth0 && ip addr del 10.0.92.200/32 dev eth0',
    );
    expect(vip.code, vip.out).toBe(0);
    const fuse = await sshRun(target, 'exec 3<>/dev/fuse && echo opened');
    expect(fuse.out).toBe('opened');
  });

  it('stops a unit with all its children (roles restart services this way)', async () => {
    const target = await provider.sshTarget(alpha);
    const start =
      'systemd-run --quiet --unit=lab-e2e sh -c "sleep 1000 & sleep 1001"; sleep 0.5; pgrep -c sleep';
    expect((await sshRun(target, start)).out).toBe('2');
    const left = await sshRun(target, 'systemctl stop lab-e2e; sleep 0.5; pgrep -c sleep || true');
    expect(left.out).toBe('0');
  });

  it('keeps a file written before a power cut, and boots again', async () => {
    const target = await provider.sshTarget(alpha);
    expect((await sshRun(target, 'echo kept > /root/marker')).code).toBe(0);
    const peer = await openConnection(alpha.ip);
    await timed('haltForce', () => provider.halt(alpha, { force: true }));
    // A power cut must look like one to peers: no FIN or RST reaches an open connection.
    await new Promise((r) => setTimeout(r, 1500));
    expect(peer.closedBy(), 'the open TCP connection saw a clean close').toBeUndefined();
    peer.socket.destroy();
    expect((await provider.status()).find((s) => s.name === 'alpha')?.state).toBe('stopped');
    await timed('startAfterForce', () => provider.start(alpha));
    expect((await sshRun(target, 'cat /root/marker')).out).toBe('kept');
  }, 180_000);

  it('halts gracefully and starts again', async () => {
    await timed('haltGraceful', () => provider.halt(beta, { force: false }));
    expect((await provider.status()).find((s) => s.name === 'beta')?.state).toBe('stopped');
    await timed('startAfterGraceful', () => provider.start(beta));
    expect((await sshRun(await provider.sshTarget(beta), 'hostname')).out).toBe('beta');
  }, 180_000);

  it('destroys everything it made, even after its nspawn crashed: no process, mount, bridge or directory', async () => {
    const pids = lab.nodes.map((n) => Number(readFileSync(join(paths.machines, n.name, 'pid'), 'utf8')));
    const inits = pids.flatMap(childPids);
    // A crashed run: beta's nspawn dies, its container keeps running with a stale pid recorded.
    process.kill(pids[1]!, 'SIGKILL');
    expect(await waitFor(() => !processRunning(pids[1]!), 5000)).toBe(true);
    expect((await provider.status())[1]).toMatchObject({ name: 'beta', state: 'unknown' });
    expect(inits.length).toBe(2);
    await timed('destroy', () => provider.destroy());
    for (const pid of [...pids, ...inits]) expect(processRunning(pid), `pid ${pid}`).toBe(false);
    for (const n of lab.nodes) expect(existsSync(`/sys/class/net/${vethName(lab.name, n.name)}`)).toBe(false);
    for (const n of lab.nodes) expect(existsSync(`/run/netns/${netnsName(lab.name, n.name)}`)).toBe(false);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(base);
    expect(existsSync(`/sys/class/net/${bridgeName(lab.name)}`)).toBe(false);
    expect(existsSync(paths.machines)).toBe(false);
    expect((await provider.status()).map((s) => s.state)).toEqual(['absent', 'absent']);
  }, 120_000);
});
