// The PHP the generator's tests run: $LAB_PHP, else `php` on PATH; they skip, saying why, without one.
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../scripts/core/model.ts';

export const PHP = process.env.LAB_PHP ?? 'php';
export const CLIENT_DIR = join(REPO_ROOT, 'provision/files/client');

/** Why PHP with curl cannot run here, or undefined when it can. */
export async function phpSkipReason(): Promise<string | undefined> {
  const r = await execa(PHP, ['-r', 'exit(function_exists("curl_multi_init") ? 0 : 3);'], { reject: false });
  if (r.exitCode === 3) return `${PHP} has no curl extension`;
  return r.exitCode === 0 ? undefined : `no PHP CLI here (${PHP}; set LAB_PHP to a php8.2 with curl)`;
}
