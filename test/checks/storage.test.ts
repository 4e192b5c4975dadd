import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHealSummary, parseStatusDetail } from '../../scripts/checks/storage.ts';

const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'recorded', name), 'utf8');

describe('gluster volume status detail', () => {
  it('lists every brick online on a healthy volume (recorded on web-dev)', () => {
    expect(parseStatusDetail(recorded('gluster-status-detail.txt'))).toEqual([
      { brick: '10.0.94.41:/srv/gluster/labdata/brick', online: true },
      { brick: '10.0.94.42:/srv/gluster/labdata/brick', online: true },
      { brick: '10.0.94.43:/srv/gluster/labdata/brick', online: true },
    ]);
  });

  it('marks the brick whose process was killed as offline', () => {
    const bricks = parseStatusDetail(recorded('gluster-status-detail-brick-down.txt'));
    expect(bricks.map((b) => b.online)).toEqual([true, false, true]);
  });

  it('finds no brick in an error message', () => {
    expect(parseStatusDetail('Volume labdata does not exist\n')).toEqual([]);
  });
});

describe('gluster volume heal info summary', () => {
  it('reads zero pending entries on every connected brick', () => {
    const entries = parseHealSummary(recorded('gluster-heal-summary.txt'));
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.status === 'Connected' && e.pending === 0 && e.splitBrain === 0)).toBe(
      true,
    );
  });

  it('reports a disconnected brick and an unknown count, never zero', () => {
    const down = parseHealSummary(recorded('gluster-heal-summary-brick-down.txt'))[1]!;
    expect(down.status).toBe('Transport endpoint is not connected');
    expect(down.pending).toBeNaN();
  });

  it('counts pending and split-brain entries', () => {
    const text =
      'Brick a:/b\nStatus: Connected\nTotal Number of entries: 7\nNumber of entries in split-brain: 2\n';
    expect(parseHealSummary(text)).toEqual([
      { brick: 'a:/b', status: 'Connected', pending: 7, splitBrain: 2 },
    ]);
  });
});
