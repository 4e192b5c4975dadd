import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../../scripts/core/model.ts';
import { networksConfLine, vagrantError } from '../../../scripts/providers/vagrant/errors.ts';
import {
  errorExit,
  machineStates,
  parseMachineReadable,
  sshConfigTexts,
  unescapeField,
} from '../../../scripts/providers/vagrant/machine-readable.ts';
import { parseSshConfig } from '../../../scripts/providers/vagrant/ssh-config.ts';

const recorded = (scenario: string, key: string) =>
  readFileSync(join(REPO_ROOT, 'test/fixtures/vagrant/scenarios', scenario, `${key}.out`), 'utf8');

describe('machine-readable output', () => {
  it('undoes Vagrant escapes: %!(VAGRANT_COMMA), literal \\n and \\r', () => {
    expect(unescapeField('a%!(VAGRANT_COMMA) b\\nc\\r')).toBe('a, b\nc\r');
  });

  it('splits timestamp, target, type and every data field', () => {
    const [r] = parseMachineReadable('1795309100,web1,action,halt,start\n');
    expect(r).toEqual({ timestamp: 1795309100, target: 'web1', type: 'action', data: ['halt', 'start'] });
  });

  it('skips lines that are not records (ssh-config also prints its text raw)', () => {
    const records = parseMachineReadable(recorded('vbox-mixed', 'ssh-config_web1'));
    expect(records.map((r) => r.type)).toEqual(['metadata', 'ssh-config']);
  });

  it('finds the error class and the whole message of an error-exit', () => {
    const e = errorExit(parseMachineReadable(recorded('no-provider', 'status')));
    expect(e?.errorClass).toBe('Vagrant::Errors::NoDefaultProvider');
    expect(e?.message).toContain('Examples are VirtualBox, VMware, Hyper-V.\n');
    expect(errorExit(parseMachineReadable(recorded('libvirt-new', 'status')))).toBeUndefined();
  });

  it('reads the state and provider of each machine', () => {
    const states = machineStates(parseMachineReadable(recorded('libvirt-stopped', 'status')));
    expect(states.get('web2')).toEqual({ state: 'shutoff', provider: 'libvirt' });
    expect(states.get('db1')).toEqual({ state: 'running', provider: 'libvirt' });
    expect(states.size).toBe(9);
  });
});

describe('ssh-config', () => {
  const text = (scenario: string, key: string, node: string) =>
    sshConfigTexts(parseMachineReadable(recorded(scenario, key))).get(node)!;

  it('gives host, port, user and key for ssh2', () => {
    expect(parseSshConfig('db1', text('libvirt-running', 'ssh-config_db1', 'db1'))).toEqual({
      host: '192.168.121.25',
      port: 22,
      user: 'vagrant',
      privateKeyPath: '/root/.vagrant.d/insecure_private_key',
    });
  });

  it('keeps spaces and inner quotes of a quoted IdentityFile', () => {
    const t = parseSshConfig('web1', text('vbox-mixed', 'ssh-config_web1', 'web1'));
    expect(t.privateKeyPath).toBe(`/home/Jane Doe/.vagrant.d/it's "my" insecure_private_key`);
    expect(t.port).toBe(2201);
  });

  it('refuses a config without a key', () => {
    expect(() => parseSshConfig('x', 'Host x\n  HostName 1.2.3.4\n  User v\n  Port 22\n')).toThrow(
      /IdentityFile/,
    );
  });
});

describe('vagrant errors', () => {
  const lab = loadLabFile('tp').lab;

  it('maps VirtualBoxInvalidHostSubnet to the networks.conf line for the lab subnet', () => {
    expect(networksConfLine(lab)).toBe('* 10.0.2.0/24');
    const e = vagrantError('Vagrant::Errors::VirtualBoxInvalidHostSubnet', 'The IP address ...', {
      argv: ['up'],
      lab,
    });
    expect(e.code).toBe('VAGRANT_VBOX_SUBNET');
    expect(e.hint).toMatch(/\/etc\/vbox\/networks\.conf.*\* 10\.0\.2\.0\/24$/);
  });

  it('names the command and keeps the message for errors it has no advice for', () => {
    const e = vagrantError('Vagrant::Errors::Strange', '\nfirst line\nsecond', {
      argv: ['halt', 'web1'],
      lab,
    });
    expect(e.code).toBe('VAGRANT_FAILED');
    expect(e.message).toBe('vagrant halt web1 failed (Strange): first line');
    expect(e.hint).toContain('vagrant halt web1');
  });
});
