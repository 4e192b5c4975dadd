import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileStamp, rememberedSum, remoteSumArgv } from '../../scripts/engine/inputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'remote-sum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'nextcloud.tar.bz2');
const sumOf = () => {
  const [cmd, ...args] = remoteSumArgv(file);
  return execFileSync(cmd!, args, { encoding: 'utf8' }).trim();
};
const sha = (text: string) => execFileSync('sha256sum', { input: text, encoding: 'utf8' }).split(' ')[0];

describe('the sum of a large file on a node', () => {
  it('is hashed once, read back while the file is unchanged, hashed again once it is written', () => {
    writeFileSync(file, 'archive one');
    expect(sumOf()).toBe(sha('archive one'));
    // Read back, not hashed: a sum file that says otherwise for the same size and mtime wins.
    const [, stamp] = readFileSync(`${file}.sum`, 'utf8').split('\n');
    writeFileSync(`${file}.sum`, `cafe\n${stamp}\n`);
    expect(sumOf()).toBe('cafe');
    // Same size, written later: hashed again.
    writeFileSync(file, 'archive two');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(sumOf()).toBe(sha('archive two'));
  });

  it('fails for a file that is not there', () => {
    const [cmd, ...args] = remoteSumArgv(join(dir, 'missing'));
    expect(() => execFileSync(cmd!, args, { stdio: 'ignore' })).toThrow();
  });
});

describe("the host archive's remembered sum", () => {
  const record = join(dir, 'nextcloud-archive.json');
  const archive = join(dir, 'host.tar.bz2');
  const remember = (sha256: string) =>
    writeFileSync(record, JSON.stringify({ sha256, source: 'test', file: fileStamp(archive) }));
  const sum = 'a'.repeat(64);

  it('is used while the file has the recorded path, size, mtime and inode', () => {
    writeFileSync(archive, 'release');
    remember(sum);
    expect(rememberedSum(record, fileStamp(archive))).toBe(sum);
  });

  it('is not used once the file is written, touched or replaced', () => {
    writeFileSync(archive, 'release');
    remember(sum);
    writeFileSync(archive, 'releasf');
    utimesSync(archive, new Date(), new Date(Date.now() + 5000));
    expect(rememberedSum(record, fileStamp(archive))).toBeUndefined();
    remember(sum);
    rmSync(archive);
    writeFileSync(`${archive}.new`, 'releasf');
    execFileSync('mv', [`${archive}.new`, archive]);
    expect(rememberedSum(record, fileStamp(archive))).toBeUndefined();
  });

  it('is not used from a record of the older format, a broken one or one without a sum', () => {
    writeFileSync(archive, 'release');
    writeFileSync(record, JSON.stringify({ sha256: sum, source: 'test' }));
    expect(rememberedSum(record, fileStamp(archive))).toBeUndefined();
    writeFileSync(record, '{not json');
    expect(rememberedSum(record, fileStamp(archive))).toBeUndefined();
    remember('');
    expect(rememberedSum(record, fileStamp(archive))).toBeUndefined();
    rmSync(record);
    expect(rememberedSum(record, fileStamp(archive))).toBeUndefined();
  });
});
