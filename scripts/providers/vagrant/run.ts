// Runs one `vagrant ... --machine-readable` command: argv array, timeout, abort signal, errors as LabError.
import { execa } from 'execa';
import { LabError } from '../../core/errors.ts';
import type { Lab } from '../../core/model.ts';
import { vagrantError } from './errors.ts';
import { errorExit, type MachineRecord, parseMachineReadable } from './machine-readable.ts';

export type VagrantProviderName = 'virtualbox' | 'libvirt';

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each machine-readable record as it arrives (progress for long `up`s). */
  onRecord?: (record: MachineRecord) => void;
}

export interface RunContext {
  /** VAGRANT_CWD: the directory holding the lab's Vagrantfile (and .vagrant/). */
  cwd?: string;
  /** For advice in errors (the networks.conf line, the box to add). */
  lab?: Lab;
  provider?: VagrantProviderName;
  executable?: string;
}

export interface RunResult {
  records: MachineRecord[];
  stdout: string;
  stderr: string;
}

interface Outcome {
  failed: boolean;
  exitCode?: number;
  timedOut: boolean;
  isCanceled: boolean;
  code?: string;
  stderr: string;
  shortMessage: string;
}

function vagrantEnv(ctx: RunContext): Record<string, string> {
  const env: Record<string, string> = { VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' };
  if (ctx.cwd) env.VAGRANT_CWD = ctx.cwd;
  if (ctx.provider) env.VAGRANT_DEFAULT_PROVIDER = ctx.provider;
  return env;
}

/** Runs `vagrant <args> --machine-readable`; an error-exit, a non-zero exit, a timeout or an abort throws. */
export async function runVagrant(args: string[], ctx: RunContext, opts: RunOptions = {}): Promise<RunResult> {
  const argv = [...args, '--machine-readable'];
  const onLine = function* (line: unknown) {
    const record = parseMachineReadable(String(line))[0];
    if (record) opts.onRecord?.(record);
    yield line;
  };
  const r = await execa(ctx.executable ?? 'vagrant', argv, {
    reject: false,
    timeout: opts.timeoutMs ?? 300_000,
    cancelSignal: opts.signal,
    // SIGINT is Vagrant's Ctrl-C: it finishes the current step and cleans up; SIGKILL only if it hangs.
    killSignal: 'SIGINT',
    forceKillAfterDelay: 30_000,
    stdin: 'ignore',
    stdout: [onLine],
    env: vagrantEnv(ctx),
  });
  const stdout = String(r.stdout);
  const stderr = String(r.stderr);
  const records = parseMachineReadable(stdout);
  const code = 'code' in r && r.code ? String(r.code) : undefined;
  const shortMessage = 'shortMessage' in r ? String(r.shortMessage) : '';
  const { failed, exitCode, timedOut, isCanceled } = r;
  throwIfFailed(argv, ctx, { failed, exitCode, timedOut, isCanceled, code, stderr, shortMessage }, records);
  return { records, stdout, stderr };
}

function throwIfFailed(argv: string[], ctx: RunContext, r: Outcome, records: MachineRecord[]): void {
  const command = `vagrant ${argv.join(' ')}`;
  const where = ctx.cwd ? ` in ${ctx.cwd}` : '';
  if (r.code === 'ENOENT') {
    throw new LabError('VAGRANT_MISSING', `${ctx.executable ?? 'vagrant'} is not installed or not on PATH`, {
      hint: 'Install Vagrant (https://developer.hashicorp.com/vagrant/install), or use `--provider nspawn` on Linux.',
    });
  }
  if (r.isCanceled)
    throw new LabError('INTERRUPTED', `${command} was interrupted`, { hint: 'Run the command again.' });
  if (r.timedOut)
    throw new LabError('VAGRANT_TIMEOUT', r.shortMessage, {
      hint: `Run \`${command}\`${where} to see where it hangs.`,
    });
  const error = errorExit(records);
  if (error)
    throw vagrantError(error.errorClass, error.message, { argv, lab: ctx.lab, provider: ctx.provider });
  if (r.failed) {
    throw new LabError('VAGRANT_FAILED', `${command} failed with exit code ${r.exitCode ?? '?'}`, {
      hint: `Run it${where} to see the full output.`,
      details: r.stderr.split('\n').slice(-20),
    });
  }
}
