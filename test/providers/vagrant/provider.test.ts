import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabError } from '../../../scripts/core/errors.ts';
import { loadLabFile, nodeByName } from '../../../scripts/core/model.ts';
import { labPaths } from '../../../scripts/core/paths.ts';
import { VagrantProvider } from '../../../scripts/providers/vagrant/provider.ts';
import { type FakeVagrant, installFakeVagrant } from './fake.ts';

const lab = loadLabFile('tp').lab;
const web1 = nodeByName(lab, 'web1');
const web2 = nodeByName(lab, 'web2');
let fake: FakeVagrant;
let server: Server | undefined;

/** A local listener that greets like sshd (or with another banner); FAKE_SSH_PORT points ssh-config at it. */
async function listen(banner = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'): Promise<number> {
  server = createServer((socket) => socket.end(banner));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  process.env.FAKE_SSH_PORT = String(port);
  return port;
}

beforeEach(() => {
  fake = installFakeVagrant('local-ssh');
});
afterEach(async () => {
  fake.restore();
  delete process.env.FAKE_SSH_PORT;
  delete process.env.LAB_LIBVIRT_DRIVER;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const paths = () => labPaths('tp', fake.dir);
const args = () => fake.calls().map((c) => c[2]!.replace(' --machine-readable', ''));
const machine = (node: string, provider: string) => {
  const dir = join(paths().root, '.vagrant/machines', node, provider);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'id'), 'b2c3');
};

describe('VagrantProvider with a fake vagrant', () => {
  it('writes the Vagrantfile, boots only what is not running, and returns once SSH greets', async () => {
    const port = await listen();
    process.env.LAB_LIBVIRT_DRIVER = 'qemu';
    const progress: string[] = [];
    const p = new VagrantProvider(lab, paths(), { provider: 'libvirt', sshTimeoutMs: 10_000 });
    await p.up([web1, web2], { onProgress: (node, msg) => progress.push(`${node}: ${msg}`) });
    // The ssh-config calls run in parallel: their order is the scheduler's.
    expect(args().slice(0, 3)).toEqual([
      'status',
      'up --no-provision --parallel --provider libvirt web2',
      'status',
    ]);
    expect(args().slice(3).sort()).toEqual(['ssh-config web1', 'ssh-config web2']);
    expect(fake.calls().every((c) => c[0] === paths().root)).toBe(true);
    expect(readFileSync(paths().vagrantfile, 'utf8')).toContain('lv.driver = "qemu"');
    expect(progress).toEqual(
      expect.arrayContaining([
        'web1: already running',
        'web2: booting',
        'web2: Waiting for SSH to become available...',
        'web2: ssh ready',
      ]),
    );
    expect(await p.sshTarget(web2)).toEqual({
      host: '127.0.0.1',
      port,
      user: 'vagrant',
      privateKeyPath: '/root/.vagrant.d/insecure_private_key',
    });
    expect(args()).toHaveLength(5);
  });

  it('does not take a non-SSH answer for a ready machine', async () => {
    await listen('HTTP/1.1 400 Bad Request\r\n');
    const p = new VagrantProvider(lab, paths(), { provider: 'libvirt', sshTimeoutMs: 1500 });
    const e = await p.start(web1).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe('VAGRANT_SSH_TIMEOUT');
    expect(args()[0]).toBe('up --no-provision --parallel --provider libvirt web1');
  });

  it('maps VirtualBox states to running, stopped, absent and unknown, using the provider that made them', async () => {
    fake.scenario('vbox-mixed');
    machine('web1', 'virtualbox');
    const status = await new VagrantProvider(lab, paths()).status();
    const byName = Object.fromEntries(status.map((s) => [s.name, `${s.state}/${s.detail}`]));
    expect(byName).toMatchObject({
      client: 'running/running',
      lb: 'stopped/poweroff',
      web2: 'stopped/aborted',
      router: 'stopped/saved',
      db1: 'absent/not_created',
      storage1: 'unknown/gurumeditation',
    });
    expect(fake.calls()[0]![1]).toBe('virtualbox');
  });

  it('reports every node absent without running vagrant when no machine was ever created', async () => {
    const status = await new VagrantProvider(lab, paths(), { provider: 'libvirt' }).status();
    expect(status.every((s) => s.state === 'absent')).toBe(true);
    expect(fake.calls()).toEqual([]);
  });

  it('cuts power with halt -f and asks ssh-config again afterwards', async () => {
    await listen();
    const p = new VagrantProvider(lab, paths(), { provider: 'libvirt' });
    await p.sshTarget(web1);
    await p.sshTarget(web1);
    await p.halt(web1, { force: true });
    await p.halt(web1, { force: false });
    await p.sshTarget(web1);
    expect(args()).toEqual(['ssh-config web1', 'halt -f web1', 'halt web1', 'ssh-config web1']);
  });

  it('destroys the machines, then removes the Vagrantfile and .vagrant/ and nothing else', async () => {
    machine('web1', 'libvirt');
    mkdirSync(paths().root, { recursive: true });
    writeFileSync(paths().secrets, '{}');
    writeFileSync(paths().vagrantfile, 'stale');
    await new VagrantProvider(lab, paths(), { provider: 'libvirt' }).destroy();
    expect(args()).toEqual(['destroy -f']);
    expect(existsSync(paths().vagrantfile)).toBe(false);
    expect(existsSync(join(paths().root, '.vagrant'))).toBe(false);
    expect(existsSync(paths().secrets)).toBe(true);
  });
});
