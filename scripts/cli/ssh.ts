// `lab ssh --node N [-- CMD ARGS...]`: a shell on a node, or one command with its exit code.
import { execa } from 'execa';
import { EXIT } from '../core/errors.ts';
import { nodeByName } from '../core/model.ts';
import type { LabContext } from '../engine/context.ts';
import { shellQuote } from '../engine/ssh.ts';
import type { SshTarget } from '../providers/types.ts';
import type { Args } from './args.ts';
import { requireNode } from './node-ref.ts';

/**
 * The argv of `ssh`. ssh joins the words after the host with spaces for the remote shell, so each
 * argument is quoted: `-- sh -c 'echo $HOME'` reaches the node as three arguments. A command gets a
 * terminal (-t) only when ours is one on both ends, so pipes and redirects stay byte for byte.
 */
export function sshArgv(target: SshTarget, command: string[], terminal: boolean): string[] {
  return [
    '-i',
    target.privateKeyPath,
    '-p',
    String(target.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    ...(command.length > 0 && terminal ? ['-t'] : []),
    `${target.user}@${target.host}`,
    ...command.map(shellQuote),
  ];
}

/** Runs ssh with our stdin, stdout and stderr; its exit code (the command's, or 255 from ssh) is ours. */
export async function sshCommand(ctx: LabContext, args: Args): Promise<number> {
  const target = await ctx.provider.sshTarget(nodeByName(ctx.lab, await requireNode(ctx, args)));
  const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const r = await execa('ssh', sshArgv(target, args.rest, terminal), { stdio: 'inherit', reject: false });
  return r.exitCode ?? EXIT.failed;
}
