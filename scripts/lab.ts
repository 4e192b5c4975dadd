// The `lab` command: parses argv, calls the core, prints, and exits with a documented code.
import { setMaxListeners } from 'node:events';
import { parse } from './cli/args.ts';
import * as cmd from './cli/commands.ts';
import { helpFor } from './cli/help.ts';
import { EXIT, isLabError } from './core/errors.ts';
import { createProgress } from './core/progress.ts';

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  const progress = createProgress();
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const abort = new AbortController();
  // One Ctrl-C signal for the whole run: every node's commands of a 13-node lab listen to it at once,
  // past Node's default warning at 10 listeners.
  setMaxListeners(256, abort.signal);
  process.once('SIGINT', () => abort.abort());
  if (args.help || args.command === 'help') {
    out(helpFor(args));
    return EXIT.ok;
  }
  switch (args.command) {
    case 'render':
      return cmd.render(args, progress, out);
    case 'up':
      return cmd.withLab(args, (ctx) => cmd.upCommand(ctx, args, progress, out, abort.signal));
    case 'verify':
      return cmd.withLab(args, (ctx) => cmd.verifyCommand(ctx, args, progress, out));
    case 'status':
      if (args.all) return (await import('./cli/status-all.ts')).statusAllCommand(args, out);
      return cmd.withLab(args, (ctx) => cmd.statusCommand(ctx, args, out));
    case 'halt':
      return cmd.withLab(args, (ctx) => cmd.haltCommand(ctx, args, progress));
    case 'start':
      return cmd.withLab(args, (ctx) => cmd.startCommand(ctx, args, progress));
    case 'down':
      return cmd.withLab(args, (ctx) => cmd.downCommand(ctx, progress));
    case 'destroy':
      return cmd.withLab(args, (ctx) => cmd.destroyCommand(ctx, progress, out));
    case 'ssh':
      return cmd.withLab(args, async (ctx) => (await import('./cli/ssh.ts')).sshCommand(ctx, args));
    case 'creds':
      return cmd.withLab(args, (ctx) => cmd.credsCommand(ctx, args, out));
    case 'monitor':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/monitor.ts')).monitorCommand(ctx, args, out),
      );
    case 'drill':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/drill.ts')).drillCommand(ctx, args, progress, out),
      );
    case 'logs':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/logs.ts')).logsCommand(ctx, args, progress, out),
      );
    case 'graph':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/graph.ts')).graphCommand(ctx, args, progress, out, abort.signal),
      );
    case 'snapshot':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/snapshot.ts')).snapshotCommand(ctx, args, progress, out, abort.signal),
      );
    case 'reset':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/snapshot.ts')).resetCommand(ctx, args, progress, out, abort.signal),
      );
    case 'load':
      return cmd.withLab(args, async (ctx) =>
        (await import('./cli/load.ts')).loadCommand(ctx, args, progress, out, abort.signal),
      );
    case 'box':
      return (await import('./cli/box.ts')).boxCommand(args, progress, out);
  }
}

function report(e: unknown, debug: boolean): number {
  if (isLabError(e)) {
    process.stderr.write(`\n✗ ${e.message}\n`);
    for (const d of e.details) process.stderr.write(`  - ${d}\n`);
    if (e.hint) process.stderr.write(`\n  ${e.hint.split('\n').join('\n  ')}\n`);
    if (debug)
      process.stderr.write(
        `${e.stack}\n${e.cause ? `cause: ${String((e.cause as Error).stack ?? e.cause)}\n` : ''}`,
      );
    return e.code === 'USAGE' || e.code === 'WEIGHTS_INVALID'
      ? EXIT.usage
      : e.code === 'PREFLIGHT' || e.code === 'NO_PROVIDER'
        ? EXIT.environment
        : e.code === 'SSH_ABORTED' || e.code === 'INTERRUPTED'
          ? EXIT.interrupted
          : EXIT.failed;
  }
  process.stderr.write(`\n✗ ${e instanceof Error ? e.message : String(e)}\n`);
  if (debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('  (run again with --debug for the stack trace)\n');
  return EXIT.failed;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => process.exit(report(e, process.argv.includes('--debug'))),
);
