import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar, writeTar } from '../../scripts/logs/tar.ts';

// What the logs command sent from a fake root (/tmp/fakeroot) with GNU tar 1.34: pax format, a
// symlinked file archived again as a hard link, a name over 100 bytes, a missing path left out.
const recorded = () =>
  gunzipSync(
    Buffer.from(readFileSync(join(import.meta.dirname, 'recorded/node-logs.tar.gz.b64'), 'utf8'), 'base64'),
  );

describe('tar', () => {
  it('reads the regular files of what a node sends, a hard link as a copy, directories left out', () => {
    const entries = readTar(recorded());
    const names = entries.map((e) => e.path.replace('tmp/fakeroot/', ''));
    expect(names).toContain('etc/redis/lab.conf');
    expect(names).toContain('etc/redis/lab-link.conf');
    expect(names).toContain('var/www/nextcloud/config/config.php');
    expect(names).toContain('journal.txt');
    expect(names.some((n) => n.endsWith('passes-one-hundred-bytes-in-the-archive.log'))).toBe(true);
    expect(names.some((n) => n.endsWith('/'))).toBe(false);
    const link = entries.find((e) => e.path.endsWith('lab-link.conf') && e.data.length > 0);
    expect(link?.data.toString()).toContain('requirepass s3cretRedisPassw0rd');
  });

  it('writes what it reads, long names in pax records', () => {
    const entries = readTar(recorded());
    const again = readTar(writeTar(entries));
    expect(again.map((e) => [e.path, e.data.toString('base64')])).toEqual(
      entries.map((e) => [e.path, e.data.toString('base64')]),
    );
  });

  it('writes an archive GNU tar lists (when tar is installed)', () => {
    const long = `${'d'.repeat(120)}/f.log`;
    const archive = writeTar([
      { path: 'a/b.txt', data: Buffer.from('hello\n'), mtime: 1_700_000_000 },
      { path: long, data: Buffer.alloc(1000, 7), mtime: 1_700_000_000 },
    ]);
    expect(archive.length % 512).toBe(0);
    let listed: string;
    try {
      listed = execFileSync('tar', ['-tf', '-'], { input: archive, encoding: 'utf8' });
    } catch {
      return; // no tar on this host: the round trip above still holds
    }
    expect(listed.trim().split('\n')).toEqual(['a/b.txt', long]);
  });
});
