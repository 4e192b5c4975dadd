// Puts the fake `vagrant` (test/fixtures/vagrant/bin) first on PATH with a scenario, and reads its call log.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/core/model.ts';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/vagrant');

export interface FakeVagrant {
  /** A temp dir standing in for .lab/<lab>/. */
  dir: string;
  /** Switches the recorded scenario (a folder of test/fixtures/vagrant/scenarios). */
  scenario(name: string): void;
  /** Each call as [VAGRANT_CWD, VAGRANT_DEFAULT_PROVIDER, args joined by spaces]. */
  calls(): string[][];
  restore(): void;
}

/** Installs the fake on PATH for this process; restore() undoes it and removes the temp dir. */
export function installFakeVagrant(scenario: string): FakeVagrant {
  const saved = {
    PATH: process.env.PATH,
    dir: process.env.FAKE_VAGRANT_DIR,
    log: process.env.FAKE_VAGRANT_LOG,
  };
  const dir = mkdtempSync(join(tmpdir(), 'fake-vagrant-'));
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  process.env.PATH = `${join(FIXTURES, 'bin')}:${process.env.PATH}`;
  process.env.FAKE_VAGRANT_LOG = log;
  const use = (name: string) => {
    process.env.FAKE_VAGRANT_DIR = join(FIXTURES, 'scenarios', name);
  };
  use(scenario);
  return {
    dir,
    scenario: use,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')),
    restore: () => {
      for (const [key, value] of [
        ['PATH', saved.PATH],
        ['FAKE_VAGRANT_DIR', saved.dir],
        ['FAKE_VAGRANT_LOG', saved.log],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      delete process.env.FAKE_VAGRANT_SLEEP;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
