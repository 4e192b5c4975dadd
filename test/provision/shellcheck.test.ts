// Every provision script parses (bash -n) and passes shellcheck, following the sources it names.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/core/model.ts';

const ROOT = join(REPO_ROOT, 'provision');

function scripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return scripts(path);
    return name.endsWith('.sh') ? [path] : [];
  });
}

const files = scripts(ROOT).map((p) => relative(ROOT, p));
// A library (lib/, *-lib.sh) defines variables for the scripts that source it: SC2034 there is expected.
const isLibrary = (file: string) => file.startsWith('lib/') || file.endsWith('-lib.sh');
const hasShellcheck = (await execa('shellcheck', ['--version'], { reject: false })).exitCode === 0;

describe('provision/**/*.sh', () => {
  it('finds the role scripts', () => {
    expect(files).toContain('run.sh');
    expect(files).toContain('roles/db.sh');
  });
  it.each(files)('%s parses with bash -n', async (file) => {
    const r = await execa('bash', ['-n', file], { cwd: ROOT, reject: false, timeout: 10_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
  it.skipIf(!hasShellcheck).each(files)('%s passes shellcheck', async (file) => {
    const r = await execa(
      'shellcheck',
      ['-x', '-P', 'SCRIPTDIR', '-S', 'warning', ...(isLibrary(file) ? ['-e', 'SC2034'] : []), file],
      {
        cwd: ROOT,
        reject: false,
        timeout: 30_000,
      },
    );
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
