import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLab } from '../../scripts/core/model.ts';
import { releaseUrl, resolveNextcloudArchive } from '../../scripts/engine/nextcloud.ts';

// A small real .tar.bz2 (not a fake Nextcloud: only the resolution logic is under test).
let dir: string;
let archive: string;
let sha: string;
let server: Server;
let base: string;
let requests = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nc-test-'));
  mkdirSync(join(dir, 'src/nextcloud'), { recursive: true });
  writeFileSync(join(dir, 'src/nextcloud/version.php'), '<?php $OC_VersionString = "32.0.0";\n');
  archive = join(dir, 'nextcloud-32.0.0.tar.bz2');
  execFileSync('tar', ['-cjf', archive, '-C', join(dir, 'src'), 'nextcloud']);
  sha = createHash('sha256').update(readFileSync(archive)).digest('hex');
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/hang') return; // never answers: the connect timeout must fire
    res.writeHead(200, { 'content-type': 'application/x-bzip2' });
    res.end(readFileSync(archive));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const lab = (nextcloud: string) =>
  parseLab(
    `name: nc\nnetwork: { subnet: 10.0.94.0/24 }\n${nextcloud}\nnodes:\n  - { name: web1, ip: 10.0.94.21, roles: [web] }\n`,
    join(dir, 'lab.yaml'),
  ).lab;

describe('resolveNextcloudArchive', () => {
  it('prefers NEXTCLOUD_ARCHIVE over everything in the lab file', async () => {
    const r = await resolveNextcloudArchive(
      lab('nextcloud: { version: "32.0.0", archive: missing.tar.bz2 }'),
      { NEXTCLOUD_ARCHIVE: archive },
    );
    expect(r).toEqual({ path: archive, source: `NEXTCLOUD_ARCHIVE (${archive})` });
  });

  it('fails loudly when NEXTCLOUD_ARCHIVE names no file or not a .tar.bz2', async () => {
    await expect(
      resolveNextcloudArchive(lab(''), { NEXTCLOUD_ARCHIVE: join(dir, 'nope.tar.bz2') }),
    ).rejects.toMatchObject({ code: 'NEXTCLOUD_ARCHIVE_MISSING' });
    await expect(
      resolveNextcloudArchive(lab(''), { NEXTCLOUD_ARCHIVE: join(dir, 'lab.yaml') }),
    ).rejects.toMatchObject({ code: 'NEXTCLOUD_ARCHIVE_MISSING' });
    writeFileSync(join(dir, 'x.zip'), 'zip');
    await expect(
      resolveNextcloudArchive(lab(''), { NEXTCLOUD_ARCHIVE: join(dir, 'x.zip') }),
    ).rejects.toMatchObject({ code: 'NEXTCLOUD_ARCHIVE_FORMAT' });
  });

  it('resolves nextcloud.archive relative to the lab file and checks its pinned sha256', async () => {
    const r = await resolveNextcloudArchive(
      lab('nextcloud: { version: "32.0.0", archive: nextcloud-32.0.0.tar.bz2 }'),
      {},
    );
    expect(r).toMatchObject({ path: archive });
    await expect(
      resolveNextcloudArchive(
        lab(
          `nextcloud: { version: "32.0.0", archive: nextcloud-32.0.0.tar.bz2, sha256: "${'0'.repeat(64)}" }`,
        ),
        {},
      ),
    ).rejects.toMatchObject({ code: 'NEXTCLOUD_CHECKSUM' });
  });

  it('skips with a reason when the lab has no nextcloud section', async () => {
    const r = await resolveNextcloudArchive(lab(''), {});
    expect(r).toEqual({ skipReason: expect.stringContaining('no nextcloud section') });
  });

  it('refuses to download the release URL without a pinned checksum, without any request', async () => {
    const before = requests;
    const r = await resolveNextcloudArchive(
      lab(`nextcloud: { version: "32.0.0", url: "${base}/a.tar.bz2" }`),
      {},
    );
    expect(r).toEqual({
      skipReason: expect.stringMatching(/refusing to download .* without a checksum.*NEXTCLOUD_ARCHIVE=/),
    });
    expect(requests).toBe(before);
    expect(releaseUrl('32.0.0')).toBe(
      'https://download.nextcloud.com/server/releases/nextcloud-32.0.0.tar.bz2',
    );
  });

  it('with LAB_OFFLINE set, skips the pinned release with the reason and sends no request', async () => {
    const before = requests;
    const sha = 'a'.repeat(64);
    const r = await resolveNextcloudArchive(
      lab(`nextcloud: { version: "32.0.15", url: "${base}/a.tar.bz2", sha256: ${sha} }`),
      { LAB_OFFLINE: '1' },
    );
    expect(r).toEqual({ skipReason: expect.stringMatching(/LAB_OFFLINE is set.*NEXTCLOUD_ARCHIVE=/) });
    expect(requests).toBe(before);
  });

  it('downloads once with the checksum verified, then uses the cache without a request', async () => {
    const cache = join(dir, 'cache1');
    const l = lab(`nextcloud: { version: "32.0.0", url: "${base}/nc.tar.bz2", sha256: "${sha}" }`);
    const first = await resolveNextcloudArchive(l, {}, { cache });
    expect(first).toMatchObject({
      path: join(cache, 'nextcloud-32.0.0.tar.bz2'),
      source: expect.stringContaining('sha256 verified'),
    });
    const before = requests;
    const second = await resolveNextcloudArchive(l, {}, { cache });
    expect(second).toMatchObject({ source: expect.stringMatching(/^cache/) });
    expect(requests).toBe(before);
  });

  it('refuses a download whose checksum differs and keeps nothing', async () => {
    const cache = join(dir, 'cache2');
    const l = lab(`nextcloud: { version: "32.0.0", url: "${base}/nc.tar.bz2", sha256: "${'a'.repeat(64)}" }`);
    await expect(resolveNextcloudArchive(l, {}, { cache })).rejects.toMatchObject({
      code: 'NEXTCLOUD_CHECKSUM',
    });
    expect(existsSync(join(cache, 'nextcloud-32.0.0.tar.bz2'))).toBe(false);
    expect(existsSync(join(cache, 'nextcloud-32.0.0.tar.bz2.part'))).toBe(false);
  });

  it('skips fast with a clear reason when the server is unreachable or silent', async () => {
    const cache = join(dir, 'cache3');
    const port = await closedPort();
    const closed = lab(
      `nextcloud: { version: "32.0.0", url: "http://127.0.0.1:${port}/nc.tar.bz2", sha256: "${sha}" }`,
    );
    expect(await resolveNextcloudArchive(closed, {}, { cache })).toEqual({
      skipReason: `no Nextcloud archive: 127.0.0.1:${port} unreachable (ECONNREFUSED); set NEXTCLOUD_ARCHIVE=/path/to/nextcloud-32.x.tar.bz2`,
    });
    const t0 = Date.now();
    const silent = lab(`nextcloud: { version: "32.0.0", url: "${base}/hang", sha256: "${sha}" }`);
    const r = await resolveNextcloudArchive(silent, {}, { cache, connectTimeoutMs: 300 });
    expect(r).toEqual({ skipReason: expect.stringContaining('unreachable (timed out)') });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
