import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabError } from '../../../scripts/core/errors.ts';
import { loadLabFile } from '../../../scripts/core/model.ts';
import { VagrantCli } from '../../../scripts/providers/vagrant/cli.ts';
import { type FakeVagrant, installFakeVagrant } from './fake.ts';

const lab = loadLabFile('tp').lab;
let fake: FakeVagrant;
beforeEach(() => {
  fake = installFakeVagrant('libvirt-new');
});
afterEach(() => fake.restore());

const failure = async (p: Promise<unknown>): Promise<LabError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LabError);
  return e as LabError;
};

describe('VagrantCli with a fake vagrant', () => {
  it('reads the state of every machine from a real recorded status', async () => {
    const states = await new VagrantCli(fake.dir, lab, 'libvirt').status();
    expect([...states.keys()]).toEqual(lab.nodes.map((n) => n.name));
    expect(states.get('web1')).toEqual({ state: 'not_created', provider: 'libvirt' });
  });

  it('always sets VAGRANT_CWD and asks for machine-readable output', async () => {
    await new VagrantCli(fake.dir, lab, 'libvirt').status(['web1']);
    expect(fake.calls()).toEqual([[fake.dir, 'libvirt', 'status web1 --machine-readable']]);
  });

  it('reads running, poweroff, aborted, saved and not_created VirtualBox machines', async () => {
    fake.scenario('vbox-mixed');
    const states = await new VagrantCli(fake.dir, lab, 'virtualbox').status();
    const byName = Object.fromEntries([...states].map(([name, s]) => [name, s.state]));
    expect(byName).toMatchObject({
      client: 'running',
      lb: 'poweroff',
      web2: 'aborted',
      router: 'saved',
      db1: 'not_created',
    });
  });

  it('parses ssh-config whose key path holds spaces and quotes', async () => {
    fake.scenario('vbox-mixed');
    const target = await new VagrantCli(fake.dir, lab, 'virtualbox').sshConfig('web1');
    expect(target).toEqual({
      host: '127.0.0.1',
      port: 2201,
      user: 'vagrant',
      privateKeyPath: `/home/Jane Doe/.vagrant.d/it's "my" insecure_private_key`,
    });
  });

  it('turns a recorded error-exit into a LabError with advice (status exits 0 for others)', async () => {
    const e = await failure(new VagrantCli(fake.dir, lab, 'libvirt').status(['nosuch']));
    expect(e.code).toBe('VAGRANT_NO_MACHINE');
    expect(e.message).toContain("The machine with the name 'nosuch' was not found");
    const ssh = await failure(new VagrantCli(fake.dir, lab, 'libvirt').sshConfig('web1'));
    expect(ssh.code).toBe('VAGRANT_SSH_NOT_READY');
  });

  it('prints the exact networks.conf line when VirtualBox refuses the lab subnet', async () => {
    fake.scenario('vbox-subnet');
    const e = await failure(new VagrantCli(fake.dir, lab, 'virtualbox').up(['client']));
    expect(e.code).toBe('VAGRANT_VBOX_SUBNET');
    expect(e.hint).toContain('* 10.0.2.0/24');
    expect(e.details.join('\n')).toContain('Address: 10.0.2.100');
  });

  it('says how to add a missing box', async () => {
    fake.scenario('box-missing');
    const e = await failure(new VagrantCli(fake.dir, lab, 'libvirt').up(['client']));
    expect(e.code).toBe('VAGRANT_BOX_MISSING');
    expect(e.hint).toContain('vagrant box add debian/bookworm64 --provider libvirt');
  });

  it('brings VirtualBox machines up one at a time and libvirt ones in parallel', async () => {
    fake.scenario('libvirt-running');
    await new VagrantCli(fake.dir, lab, 'virtualbox').up(['web1', 'web2']);
    await new VagrantCli(fake.dir, lab, 'libvirt').up(['web1', 'web2']);
    expect(fake.calls().map((c) => c[2])).toEqual([
      'up --no-provision --provider virtualbox web1 --machine-readable',
      'up --no-provision --provider virtualbox web2 --machine-readable',
      'up --no-provision --parallel --provider libvirt web1 web2 --machine-readable',
    ]);
  });

  it('streams records as they arrive', async () => {
    fake.scenario('libvirt-running');
    const seen: string[] = [];
    await new VagrantCli(fake.dir, lab, 'libvirt').up(['web1'], {
      onRecord: (r) => seen.push(`${r.target}:${r.type}`),
    });
    expect(seen).toContain('web1:action');
  });

  it('refuses a snapshot of a machine that does not exist instead of skipping it silently', async () => {
    const e = await failure(new VagrantCli(fake.dir, lab, 'libvirt').snapshotSave('web1', 'before-drill'));
    expect(e.code).toBe('VAGRANT_NO_MACHINE');
  });

  it('reports a crash without error-exit (real: snapshot restore of a machine never created) with its stderr', async () => {
    const e = await failure(new VagrantCli(fake.dir, lab, 'libvirt').snapshotRestore('web1', 'before-drill'));
    expect(e.code).toBe('VAGRANT_FAILED');
    expect(e.message).toBe(
      'vagrant snapshot restore --no-provision web1 before-drill --machine-readable failed with exit code 1',
    );
    expect(e.details.join('\n')).toContain('NoMethodError');
  });

  it('reports a missing vagrant, a timeout and an abort as LabErrors', async () => {
    const missing = await failure(new VagrantCli(fake.dir, lab, 'libvirt', 'vagrant-not-installed').status());
    expect(missing.code).toBe('VAGRANT_MISSING');
    process.env.FAKE_VAGRANT_SLEEP = '20';
    const started = Date.now();
    const slow = await failure(new VagrantCli(fake.dir, lab, 'libvirt').status([], { timeoutMs: 300 }));
    expect(slow.code).toBe('VAGRANT_TIMEOUT');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const stopped = await failure(
      new VagrantCli(fake.dir, lab, 'libvirt').status([], { signal: abort.signal }),
    );
    expect(stopped.code).toBe('INTERRUPTED');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
