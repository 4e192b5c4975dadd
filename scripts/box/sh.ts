// Host commands for the box builder: argv arrays with a timeout, and a stack of things to undo.
import { execa } from 'execa';
import { LabError } from '../core/errors.ts';

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
}

// Runs argv on the host; a failure becomes a LabError carrying the command and the end of its output.
export async function run(argv: string[], opts: RunOptions = {}): Promise<string> {
  const [file, ...args] = argv;
  const result = await execa(file!, args, {
    timeout: opts.timeoutMs ?? 120_000,
    input: opts.input,
    env: opts.env,
    cancelSignal: opts.signal,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0 || result.timedOut || result.isCanceled) {
    const why = result.timedOut ? 'timed out' : `failed with exit code ${result.exitCode}`;
    throw new LabError('BOX_COMMAND_FAILED', `Command ${why}: ${argv.join(' ')}`, {
      hint: 'Read the output below; the box builder cleaned up its loop device and mounts.',
      details: tail(String(result.all ?? ''), 25),
    });
  }
  return String(result.stdout ?? '');
}

function tail(text: string, lines: number): string[] {
  return text.trimEnd().split('\n').slice(-lines);
}

// Undo steps (umount, losetup -d) run last-in first-out, each attempted even when an earlier one fails.
export class Cleanup {
  private readonly steps: { what: string; undo: () => Promise<unknown> }[] = [];

  push(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  async runAll(): Promise<string[]> {
    const errors: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.undo();
      } catch (e) {
        errors.push(`${step.what}: ${(e as Error).message}`);
      }
    }
    return errors;
  }
}

// Mounts and records the unmount; a busy mount point falls back to a lazy unmount so no mount is left.
export async function mount(cleanup: Cleanup, argv: string[], target: string): Promise<void> {
  await run(['mount', ...argv, target], { timeoutMs: 30_000 });
  cleanup.push(`umount ${target}`, async () => {
    try {
      await run(['umount', target], { timeoutMs: 30_000 });
    } catch {
      await run(['umount', '-l', target], { timeoutMs: 30_000 });
    }
  });
}
