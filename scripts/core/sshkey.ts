// The lab's SSH key: one ed25519 pair per lab, generated once, used for every node (nspawn containers).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { LabPaths } from './paths.ts';

export interface LabKey {
  privateKeyPath: string;
  /** One authorized_keys line: `ssh-ed25519 AAAA... <comment>`. */
  publicKey: string;
}

/** Returns the lab's key pair in paths.ssh, generating it (OpenSSH format, mode 0600) the first time. */
export function ensureLabKey(paths: LabPaths): LabKey {
  const privateKeyPath = join(paths.ssh, 'id_ed25519');
  const publicPath = `${privateKeyPath}.pub`;
  if (!existsSync(privateKeyPath) || !existsSync(publicPath)) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'nextcloud-ha-lab' });
    mkdirSync(paths.ssh, { recursive: true, mode: 0o700 });
    writeFileSync(privateKeyPath, pair.private, { mode: 0o600 });
    writeFileSync(publicPath, `${pair.public}\n`, { mode: 0o644 });
  }
  return { privateKeyPath, publicKey: readFileSync(publicPath, 'utf8').trim() };
}
