// Parses the OpenSSH config text `vagrant ssh-config` prints into what ssh2 needs: pure, no I/O.
import { LabError } from '../../core/errors.ts';
import type { SshTarget } from '../types.ts';

/** `Key value` lines of one Host block; Vagrant wraps a value in double quotes only when it has a space. */
function options(text: string): Map<string, string[]> {
  const opts = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    // Vagrant does not escape quotes inside the value, so only the outer pair is removed.
    const value = /^".*"$/.test(m[2]!) && m[2]!.length >= 2 ? m[2]!.slice(1, -1) : m[2]!;
    opts.set(key, [...(opts.get(key) ?? []), value]);
  }
  return opts;
}

/** The SSH target in one machine's ssh-config text; throws when a field is missing. */
export function parseSshConfig(node: string, text: string): SshTarget {
  const opts = options(text);
  const first = (key: string) => opts.get(key)?.[0];
  const host = first('hostname');
  const port = Number(first('port') ?? '22');
  const user = first('user');
  const privateKeyPath = first('identityfile');
  if (!host || !user || !privateKeyPath || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LabError(
      'VAGRANT_SSH_CONFIG',
      `vagrant ssh-config for ${node} lacks HostName, User, Port or IdentityFile`,
      {
        hint: `Run \`vagrant ssh-config ${node}\` in the lab directory to see what Vagrant reports.`,
        details: text.split('\n').filter((l) => l.trim() !== ''),
      },
    );
  }
  return { host, port, user, privateKeyPath };
}
