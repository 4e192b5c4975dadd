import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { remoteSumArgv } from '../../scripts/engine/inputs.ts';

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
