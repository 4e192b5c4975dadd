// Runs host commands for the nspawn provider: argv arrays, a timeout each, failures as LabError.
import { execa } from 'execa';
import { LabError } from '../../core/errors.ts';

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** Each output line as it arrives (build logs). */
  onLine?: (line: string) => void;
  /** Resolve with the exit code instead of throwing. */
  reject?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv on the host; throws LabError naming the command and its output unless reject is false. */
export async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  const child = execa(file!, args, {
    timeout: opts.timeoutMs ?? 60_000,
    cancelSignal: opts.signal,
    env: opts.env,
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  if (opts.onLine) {
    child.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) opts.onLine!(line);
    });
  }
  const r = await child;
  const code = typeof r.exitCode === 'number' ? r.exitCode : -1;
  if (code !== 0 && opts.reject !== false) {
    const why = r.timedOut
      ? `timed out after ${opts.timeoutMs ?? 60_000} ms`
      : `failed with exit code ${code}`;
    const output = String(r.all ?? '')
      .trim()
      .split('\n')
      .slice(-15)
      .join('\n');
    throw new LabError('NSPAWN_COMMAND', `Command ${why}: ${argv.join(' ')}\n${output}`, {
      hint: 'See the output above; the full log is next to the lab state (logs/) or the image cache.',
    });
  }
  return { code, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Waits until pred() is true or the deadline passes; returns whether it became true. */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return pred();
}
