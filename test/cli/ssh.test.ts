import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sshArgv } from '../../scripts/cli/ssh.ts';

const target = { host: '10.0.2.21', port: 22, user: 'root', privateKeyPath: '/lab/ssh/id_ed25519' };
const OPTS = [
  '-i',
  '/lab/ssh/id_ed25519',
  '-p',
  '22',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
];

describe('lab ssh', () => {
  it('opens a shell when no command is given (ssh picks the terminal itself)', () => {
    expect(sshArgv(target, [], true)).toEqual([...OPTS, 'root@10.0.2.21']);
  });

  it('quotes each argument once, so the remote shell splits the command back into the same argv', () => {
    const argv = sshArgv(target, ['mysql', '-e', "SELECT 'it''s'; DROP x", '', 'a$HOME'], false);
    expect(argv.slice(OPTS.length)).toEqual([
      'root@10.0.2.21',
      'mysql',
      '-e',
      `'SELECT '\\''it'\\'''\\''s'\\''; DROP x'`,
      "''",
      "'a$HOME'",
    ]);
  });

  it('round-trips through a POSIX shell: what the node runs is the argv given', () => {
    const command = ['printf', '%s\\0', 'two words', "it's", '$(id)', '*', '', 'a\nb', '--help'];
    // ssh sends the words after the host joined by spaces; sh -c does what the remote shell does.
    const line = sshArgv(target, command, false)
      .slice(OPTS.length + 1)
      .join(' ');
    const out = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(command.slice(2));
  });

  it('asks for a terminal for a command only when ours is one', () => {
    expect(sshArgv(target, ['top'], true)).toContain('-t');
    expect(sshArgv(target, ['cat', '/etc/hostname'], false)).not.toContain('-t');
  });
});
