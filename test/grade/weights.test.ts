import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../scripts/checks/index.ts';
import { defaultWeights, loadWeights, parseWeights } from '../../scripts/grade/weights.ts';

const IDS = ALL_CHECKS.map((c) => c.id);
const problemsOf = (text: string): string[] => {
  try {
    parseWeights(text, 'class.yaml', IDS);
  } catch (e) {
    return (e as { details: string[] }).details;
  }
  return [];
};

describe('grade weights files', () => {
  it('reads YAML and JSON over the defaults', () => {
    const yaml = parseWeights(
      'tiers:\n  lb: 20\n  machines: 5\nchecks:\n  web.session: 2\n',
      'class.yaml',
      IDS,
    );
    expect(yaml.tiers).toMatchObject({ lb: 20, machines: 5, web: 10, data: 10 });
    expect(yaml.checks).toEqual({ 'web.session': 2 });
    const json = parseWeights(
      '{"tiers": {"nextcloud": 40}, "checks": {"nextcloud.config": 0}}',
      'class.json',
      IDS,
    );
    expect(json.tiers.nextcloud).toBe(40);
    expect(json.checks['nextcloud.config']).toBe(0);
    expect(parseWeights('', 'empty.yaml', IDS)).toEqual(defaultWeights());
  });

  it('lists every problem with its path and line: unknown tiers, check ids and keys, bad numbers', () => {
    const text = [
      'tiers:',
      '  lb: 20',
      '  frontend: 10',
      '  web: -1',
      'checks:',
      '  web.sesion: 2',
      "  lb.https: 'ten'",
      'bonus: 3',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /^tiers\.frontend \(line 3\): unknown tier 'frontend'; tiers are: machines, data, /,
      ),
      'tiers.web (line 4): must be a number from 0 to 1000, not -1',
      expect.stringMatching(
        /^checks\.web\.sesion \(line 6\): unknown check id 'web\.sesion'; check ids are: machines\.running, /,
      ),
      'checks.lb.https (line 7): must be a number from 0 to 1000, not "ten"',
      'bonus (line 8): unknown key (a weights file has only tiers and checks)',
    ]);
  });

  it('refuses sections that are not maps and YAML that does not parse', () => {
    expect(problemsOf('tiers: [lb, web]\nchecks: 3\n')).toEqual([
      'tiers (line 1): must be a map of tier to numbers',
      'checks (line 2): must be a map of check id to numbers',
    ]);
    expect(problemsOf('- 1\n- 2\n')).toEqual(['(top): must be a map with the keys tiers and checks']);
    expect(problemsOf('tiers:\n  lb: 1\n  lb: 2\n')[0]).toMatch(/^\(yaml\) \(line 3\): /);
  });

  it('names the file in the error, and a missing file too', () => {
    expect(() => parseWeights('tiers: { x: 1 }', 'class.yaml', IDS)).toThrow(
      expect.objectContaining({ code: 'WEIGHTS_INVALID', message: 'class.yaml has 1 problem' }),
    );
    expect(() => loadWeights('/nonexistent/class.yaml', IDS)).toThrow(
      expect.objectContaining({
        code: 'WEIGHTS_INVALID',
        message: 'No weights file at /nonexistent/class.yaml',
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'weights-'));
    writeFileSync(join(dir, 'w.json'), '{"tiers": {"data": 0}}');
    expect(loadWeights(join(dir, 'w.json'), IDS).tiers.data).toBe(0);
  });
});
