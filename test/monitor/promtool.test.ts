// promtool on the lab's monitoring files: the alert rules' unit tests (provision/files/monitor/
// rules.test.yml) and `promtool check config` of each lab's rendered Prometheus config. promtool comes
// with Debian's prometheus package; LAB_PROMTOOL names another one. Without it the tests skip, saying so.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import { renderLabRules, renderPrometheusConfig } from '../../scripts/monitor/config.ts';

const PROMTOOL = process.env.LAB_PROMTOOL ?? 'promtool';
const DIR = join(REPO_ROOT, 'provision/files/monitor');
const found =
  (await execa(PROMTOOL, ['--version'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0;
const why = found
  ? ''
  : ` (skipped: ${PROMTOOL} not found; apt-get install prometheus, or LAB_PROMTOOL=/path/to/promtool)`;

const tmp = mkdtempSync(join(tmpdir(), 'lab-promtool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!found)(`promtool${why}`, () => {
  it('accepts rules.yml and passes every alert rule test of rules.test.yml', async () => {
    const check = await execa(PROMTOOL, ['check', 'rules', 'rules.yml'], { cwd: DIR, reject: false });
    expect(check.stdout + check.stderr).toContain('SUCCESS');
    const r = await execa(PROMTOOL, ['test', 'rules', 'rules.test.yml'], { cwd: DIR, reject: false });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it.each([
    ['full-ha', true],
    ['tp', false],
    [join(REPO_ROOT, 'test/fixtures/labs/drill-ha.yaml'), true],
  ])('accepts the rendered Prometheus config of %s (nextcloud %s)', async (name, nextcloud) => {
    const { lab } = loadLabFile(name, 64 * 1024);
    const dir = mkdtempSync(join(tmp, 'lab-'));
    copyFileSync(join(DIR, 'rules.yml'), join(dir, 'rules.yml'));
    writeFileSync(join(dir, 'lab-rules.yml'), renderLabRules(lab));
    const opts = { nextcloud, statusPath: '/status.php', configDir: dir };
    writeFileSync(join(dir, 'prometheus.yml'), renderPrometheusConfig(lab, opts));
    const r = await execa(PROMTOOL, ['check', 'config', join(dir, 'prometheus.yml')], { reject: false });
    expect(r.stdout + r.stderr).not.toContain('FAILED');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });
});
