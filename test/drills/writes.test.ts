import { describe, expect, it } from 'vitest';
import { DAV_LOCKED, findLostWrites, parseStoredWrites } from '../../scripts/drills/writes.ts';

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
      web: 'web1',
      rows: [
        { id: 'a', sha256: 'aaa', size: 3, web: 'web1', db: 'db1' },
        { id: 'b', sha256: 'bbb', size: 3, web: 'web2', db: 'db1' },
        { id: 'c', sha256: 'xxx', size: 3, web: 'web1', db: 'db2' },
        { id: 'd', sha256: 'ddd', size: 3, web: 'web1', db: 'db1' },
      ],
      files: { a: 'aaa', c: 'ccc', d: 'yyy', z: 'zzz' },
    });
    const lost = findLostWrites(acked, stored);
    expect(lost.map((l) => `${l.id}: ${l.reason.split(' (')[0]}`)).toEqual([
      'b: file missing on the shared storage',
      'c: database row differs',
      'd: file differs',
      'e: no database row and no file',
    ]);
  });

  it('reads numeric ids, and a file without a row as a missing row', () => {
    const stored = parseStoredWrites({ rows: [{ id: 7, sha256: 's' }], files: { '7': 's', '8': 't' } });
    expect(stored.get('7')).toEqual({ row: 's', file: 's' });
    expect(findLostWrites([{ id: '7', sha256: 's', at: 0 }], stored)).toEqual([]);
    expect(findLostWrites([{ id: '8', sha256: 't', at: 0 }], stored)).toEqual([
      { id: '8', reason: 'database row missing' },
    ]);
  });

  it('the 503 answer (files null) holds no file', () => {
    const stored = parseStoredWrites({
      rows: [{ id: 'a', sha256: 'aaa' }],
      files: null,
      error: 'not mounted',
    });
    expect(findLostWrites(acked.slice(0, 1), stored)).toEqual([
      { id: 'a', reason: 'file missing on the shared storage' },
    ]);
  });

  it('judges a WebDAV PUT by the file Nextcloud serves back, not by probe rows', () => {
    const dav = [
      { id: 'lab-drill/r-3.txt', sha256: 'f3', at: 1, via: 'dav' as const },
      { id: 'lab-drill/r-7.txt', sha256: 'f7', at: 2, via: 'dav' as const },
      { id: 'lab-drill/r-9.txt', sha256: 'f9', at: 3, via: 'dav' as const },
    ];
    const served = new Map([
      ['lab-drill/r-3.txt', 'f3'],
      ['lab-drill/r-7.txt', 'xx'],
      ['lab-drill/r-9.txt', null],
      ['lab-drill/r-11.txt', DAV_LOCKED],
    ]);
    const locked = { id: 'lab-drill/r-11.txt', sha256: 'f11', at: 4, via: 'dav' as const };
    const lost = findLostWrites([...dav, locked], parseStoredWrites({ rows: [], files: {} }), served);
    // A file Nextcloud keeps locked (423) is there, but its user cannot read it: lost, and said so.
    expect(lost.map((l) => `${l.id}: ${l.reason.split(' (')[0]}`)).toEqual([
      'lab-drill/r-7.txt: WebDAV file differs',
      'lab-drill/r-9.txt: WebDAV file missing',
      'lab-drill/r-11.txt: WebDAV file locked',
    ]);
    // Without a read-back at all, every acknowledged PUT is unproven, so lost.
    expect(findLostWrites(dav, new Map())).toHaveLength(3);
  });

  it('an unreadable answer holds nothing, so every write counts as lost', () => {
    expect(findLostWrites(acked, parseStoredWrites('<html>'))).toHaveLength(5);
  });
});

describe('acknowledged-write ledger', () => {
  it('round-trips JSON lines and skips a torn line', async () => {
    const { parseLedger } = await import('../../scripts/drills/ledger.ts');
    const text = `${JSON.stringify(acked[0])}\n${JSON.stringify(acked[1])}\n{"id":"c","sha`;
    expect(parseLedger(text)).toEqual(acked.slice(0, 2));
    expect(parseLedger('')).toEqual([]);
  });
});
