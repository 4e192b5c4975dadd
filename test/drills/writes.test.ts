import { describe, expect, it } from 'vitest';
import { findLostWrites, parseStoredWrites } from '../../scripts/drills/writes.ts';

const acked = [
  { id: 'a', sha256: 'aaa', at: 1 },
  { id: 'b', sha256: 'bbb', at: 2 },
  { id: 'c', sha256: 'ccc', at: 3 },
  { id: 'd', sha256: 'ddd', at: 4 },
  { id: 'e', sha256: 'eee', at: 5 },
];

describe('lost writes', () => {
  it('finds missing, changed and half-written writes; identical ones are not lost', () => {
    const stored = parseStoredWrites({
      writes: [
        { id: 'a', row_sha256: 'aaa', file_sha256: 'aaa' },
        { id: 'b', row_sha256: 'bbb', file_sha256: null },
        { id: 'c', row_sha256: 'xxx', file_sha256: 'ccc' },
        { id: 'd', row_sha256: 'ddd', file_sha256: 'yyy' },
      ],
    });
    const lost = findLostWrites(acked, stored);
    expect(lost.map((l) => `${l.id}: ${l.reason.split(' (')[0]}`)).toEqual([
      'b: file missing on the shared storage',
      'c: database row differs',
      'd: file differs',
      'e: no database row and no file',
    ]);
  });

  it('reads a bare array and numeric ids too', () => {
    const stored = parseStoredWrites([{ id: 7, sha256: 's', file_sha256: 's' }]);
    expect(stored.get('7')).toEqual({ row: 's', file: 's' });
    expect(findLostWrites([{ id: '7', sha256: 's', at: 0 }], stored)).toEqual([]);
  });

  it('an unreadable answer holds nothing, so every write counts as lost', () => {
    expect(findLostWrites(acked, parseStoredWrites('<html>'))).toHaveLength(5);
  });
});
