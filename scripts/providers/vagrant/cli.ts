// The thin wrapper over the `vagrant` CLI: the only module that runs it. Argv arrays, VAGRANT_CWD always set.
import { execa } from 'execa';
import { LabError } from '../../core/errors.ts';
import type { Lab } from '../../core/model.ts';
import type { SshTarget } from '../types.ts';
import { vagrantError } from './errors.ts';
import {
  errorExit,
  type MachineRecord,
  machineStates,
  parseMachineReadable,
  sshConfigTexts,
  uiLines,
} from './machine-readable.ts';
import { parseSshConfig } from './ssh-config.ts';

export type VagrantProviderName = 'virtualbox' | 'libvirt';

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each machine-readable record as it arrives (progress for long `up`s). */
  onRecord?: (record: MachineRecord) => void;
}

export interface RunResult {
  records: MachineRecord[];
  stdout: string;
  stderr: string;
}

const MINUTE = 60_000;

/** One lab's vagrant: every command runs with VAGRANT_CWD at the lab directory holding its Vagrantfile. */
export class VagrantCli {
  constructor(
    readonly cwd: string,
    readonly lab: Lab,
    readonly provider?: VagrantProviderName,
    readonly executable = 'vagrant',
  ) {}

  /** Runs `vagrant <args> --machine-readable`; an error-exit or a non-zero exit becomes a LabError. */
  async run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [...args, '--machine-readable'];
    const onLine = function* (line: unknown) {
      const record = parseMachineReadable(String(line))[0];
      if (record) opts.onRecord?.(record);
      yield line;
    };
    const r = await execa(this.executable, argv, {
      reject: false,
      timeout: opts.timeoutMs ?? 5 * MINUTE,
      cancelSignal: opts.signal,
      stdin: 'ignore',
      stdout: [onLine],
      env: this.env(),
    });
    const stdout = String(r.stdout);
    const stderr = String(r.stderr);
    const records = parseMachineReadable(stdout);
    const code = 'code' in r && r.code ? String(r.code) : undefined;
    const { failed, exitCode, timedOut, isCanceled } = r;
    const shortMessage = 'shortMessage' in r ? String(r.shortMessage) : '';
    this.throwIfFailed(argv, { failed, exitCode, timedOut, isCanceled, code, stderr, shortMessage }, records);
    return { records, stdout, stderr };
  }

  private env(): Record<string, string> {
    const env: Record<string, string> = {
      VAGRANT_CWD: this.cwd,
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_NO_COLOR: '1',
    };
    if (this.provider) env.VAGRANT_DEFAULT_PROVIDER = this.provider;
    return env;
  }

  private throwIfFailed(
    argv: string[],
    r: {
      failed: boolean;
      exitCode?: number;
      timedOut: boolean;
      isCanceled: boolean;
      code?: string;
      stderr: string;
      shortMessage: string;
    },
    records: MachineRecord[],
  ): void {
    const command = `vagrant ${argv.join(' ')}`;
    if (r.code === 'ENOENT') {
      throw new LabError('VAGRANT_MISSING', `${this.executable} is not installed or not on PATH`, {
        hint: 'Install Vagrant (https://developer.hashicorp.com/vagrant/install), or use `--provider nspawn` on Linux.',
      });
    }
    if (r.isCanceled)
      throw new LabError('INTERRUPTED', `${command} was interrupted`, { hint: 'Run the command again.' });
    if (r.timedOut) {
      throw new LabError('VAGRANT_TIMEOUT', r.shortMessage, {
        hint: `Run \`${command}\` in ${this.cwd} to see where it hangs.`,
      });
    }
    const error = errorExit(records);
    if (error)
      throw vagrantError(error.errorClass, error.message, { argv, lab: this.lab, provider: this.provider });
    if (r.failed) {
      throw new LabError('VAGRANT_FAILED', `${command} failed with exit code ${r.exitCode ?? '?'}`, {
        hint: `Run it in ${this.cwd} to see the full output.`,
        details: r.stderr.split('\n').slice(-20),
      });
    }
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
      await this.run(['up', '--no-provision', '--parallel', ...provider, ...nodes], {
        timeoutMs: 30 * MINUTE,
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
}
