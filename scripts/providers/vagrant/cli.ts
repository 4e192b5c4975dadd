// The lab's `vagrant` commands; with run.ts the only place that runs the vagrant CLI. VAGRANT_CWD always set.
import { LabError } from '../../core/errors.ts';
import type { Lab } from '../../core/model.ts';
import type { SshTarget } from '../types.ts';
import { machineStates, sshConfigTexts, uiLines } from './machine-readable.ts';
import { type RunOptions, type RunResult, runVagrant, type VagrantProviderName } from './run.ts';
import { parseSshConfig } from './ssh-config.ts';

export type { RunOptions, VagrantProviderName };

const MINUTE = 60_000;

/** One lab's vagrant: every command runs with VAGRANT_CWD at the lab directory holding its Vagrantfile. */
export class VagrantCli {
  constructor(
    readonly cwd: string,
    readonly lab: Lab,
    readonly provider?: VagrantProviderName,
    readonly executable = 'vagrant',
  ) {}

  /** Runs `vagrant <args> --machine-readable` for this lab. */
  run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return runVagrant(
      args,
      { cwd: this.cwd, lab: this.lab, provider: this.provider, executable: this.executable },
      opts,
    );
  }

  /** State id per machine (running, poweroff, not_created, ...). `vagrant status` exits 0 even when it fails. */
  async status(
    nodes: string[] = [],
    opts: RunOptions = {},
  ): Promise<Map<string, { state: string; provider?: string }>> {
    const { records } = await this.run(['status', ...nodes], { timeoutMs: 2 * MINUTE, ...opts });
    return machineStates(records);
  }

  /** Creates or boots machines without provisioning; VirtualBox ignores --parallel, so it goes one at a time. */
  async up(nodes: string[], opts: RunOptions = {}): Promise<void> {
    const provider = this.provider ? ['--provider', this.provider] : [];
    if (this.provider === 'libvirt') {
      // vagrant-libvirt waits for a DHCP lease up to 300 tries with no overall limit: this is the bound.
      await this.run(['up', '--no-provision', '--parallel', ...provider, ...nodes], {
        timeoutMs: (10 + 2 * nodes.length) * MINUTE,
        ...opts,
      });
      return;
    }
    for (const node of nodes) {
      await this.run(['up', '--no-provision', ...provider, node], { timeoutMs: 15 * MINUTE, ...opts });
    }
  }

  /** Graceful shutdown, or with force a power cut (`halt -f`). */
  async halt(node: string, force: boolean, opts: RunOptions = {}): Promise<void> {
    const args = force ? ['halt', '-f', node] : ['halt', node];
    await this.run(args, { timeoutMs: (force ? 2 : 6) * MINUTE, ...opts });
  }

  /** Removes machines (all of the lab's when none are named). */
  async destroy(nodes: string[] = [], opts: RunOptions = {}): Promise<void> {
    await this.run(['destroy', '-f', ...nodes], { timeoutMs: 10 * MINUTE, ...opts });
  }

  /** Where to SSH to a machine, from `vagrant ssh-config`. */
  async sshConfig(node: string, opts: RunOptions = {}): Promise<SshTarget> {
    const { records } = await this.run(['ssh-config', node], { timeoutMs: MINUTE, ...opts });
    const text = sshConfigTexts(records).get(node);
    if (text === undefined) {
      throw new LabError('VAGRANT_SSH_CONFIG', `vagrant ssh-config printed no configuration for ${node}`, {
        hint: `Run \`vagrant ssh-config ${node}\` in ${this.cwd}.`,
      });
    }
    return parseSshConfig(node, text);
  }

  /** Saves a named snapshot of a machine. */
  async snapshotSave(node: string, name: string, opts: RunOptions = {}): Promise<void> {
    const { records } = await this.run(['snapshot', 'save', '--force', node, name], {
      timeoutMs: 10 * MINUTE,
      ...opts,
    });
    // Vagrant only warns (and exits 0) when the machine does not exist; a drill must not rely on that snapshot.
    const skipped = uiLines(records).find((l) => l.includes('has not been created'));
    if (skipped) {
      throw new LabError('VAGRANT_NO_MACHINE', `No snapshot of ${node}: ${skipped}`, {
        hint: 'Bring the machine up first (`lab up`).',
      });
    }
  }

  /** Restores a named snapshot without provisioning. */
  async snapshotRestore(node: string, name: string, opts: RunOptions = {}): Promise<void> {
    await this.run(['snapshot', 'restore', '--no-provision', node, name], {
      timeoutMs: 10 * MINUTE,
      ...opts,
    });
  }

  /** Deletes a named snapshot of a machine. */
  async snapshotDelete(node: string, name: string, opts: RunOptions = {}): Promise<void> {
    await this.run(['snapshot', 'delete', node, name], { timeoutMs: 10 * MINUTE, ...opts });
  }
}
