// The traffic generator's scenarios against a fake Nextcloud on loopback (php -S): which steps each
// virtual user sends, in which order, what a failure skips, and that the drill mix still works.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRecords } from '../../scripts/drills/metrics.ts';
import type { RequestRecord } from '../../scripts/drills/types.ts';
import { CLIENT_DIR, PHP, phpSkipReason } from './php.ts';

const skip = await phpSkipReason();
const FAKE = join(import.meta.dirname, 'fake-nextcloud.php');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(skip)(`traffic.php against a fake Nextcloud${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-traffic-'));
  const servers: ResultPromise[] = [];

  // One fake per test: its state directory and the step it fails on ($FAKE_NC_FAIL).
  async function fake(fail = ''): Promise<string> {
    const port = await freePort();
    const state = mkdtempSync(join(dir, 'nc-'));
    const server = execa(PHP, ['-S', `127.0.0.1:${port}`, FAKE], {
      // One process (no PHP_CLI_SERVER_WORKERS): workers would outlive kill() and hold its pipes.
      env: { FAKE_NC_DIR: state, FAKE_NC_FAIL: fail },
      reject: false,
    });
    servers.push(server);
    for (let i = 0; i < 50; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/nothing`).catch(() => undefined);
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return `http://127.0.0.1:${port}`;
  }

  async function generate(front: string, args: string[]): Promise<RequestRecord[]> {
    const run = mkdtempSync(join(dir, 'run-'));
    const users = join(run, 'users.json');
    writeFileSync(users, JSON.stringify([0, 1].map((i) => ({ name: `u${i}`, password: `pw-${i}` }))));
    writeFileSync(
      join(run, 'dav.json'),
      JSON.stringify({ base: `${front}/remote.php/dav/files/admin`, user: 'admin', password: 'pw-a' }),
    );
    const r = await execa(
      PHP,
      [
        join(CLIENT_DIR, 'traffic.php'),
        `--front=${front}`,
        '--ca=/dev/null',
        `--out=${run}/out.jsonl`,
        `--pid=${run}/pid`,
        `--stop=${run}/stop`,
        `--progress=${run}/progress.json`,
        `--users=${users}`,
        '--run=test',
        ...(args.some((a) => a.startsWith('--duration=')) ? [] : ['--duration=20']),
        ...args.map((a) => a.replace('DAV', join(run, 'dav.json'))),
      ],
      { reject: false, timeout: 30_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const progress = JSON.parse(readFileSync(`${run}/progress.json`, 'utf8'));
    const records = parseRecords(readFileSync(`${run}/out.jsonl`, 'utf8'));
    expect(progress).toMatchObject({ finished: true, done: records.length });
    return records;
  }

  const stepsOf = (records: RequestRecord[], user: number) =>
    records.filter((r) => r.user === user).map((r) => `${r.kind}${r.ok ? '' : `:${r.status}`}`);

  afterAll(async () => {
    for (const s of servers) s.kill();
    await Promise.allSettled(servers);
    rmSync(dir, { recursive: true, force: true });
  });

  it('transfer: each user logs in once, uploads, downloads, deletes per iteration, then logs out', async () => {
    const records = await generate(await fake(), [
      '--scenario=transfer',
      '--iterations=2',
      '--size=70000',
      '--think=0',
    ]);
    for (const u of [0, 1])
      expect(stepsOf(records, u)).toEqual([
        'login',
        ...['upload', 'download', 'delete', 'upload', 'download', 'delete'],
        'logout',
      ]);
    const up = records.find((r) => r.kind === 'upload')!;
    expect(up).toMatchObject({ bytes: 70000, web: 'fake1', webUs: 1234, id: 'load-1.bin' });
    expect(records.every((r) => r.ok)).toBe(true);
  });

  it('transfer: a failed upload skips that file’s download and delete', async () => {
    const records = await generate(await fake('upload'), [
      '--scenario=transfer',
      '--iterations=2',
      '--think=0',
    ]);
    expect(stepsOf(records, 0)).toEqual(['login', 'upload:500', 'upload:500', 'logout']);
    expect(records.find((r) => !r.ok)?.err).toMatch(/^HTTP 500: failing on purpose/);
  });

  it('transfer: a failed download still deletes the file', async () => {
    const records = await generate(await fake('download'), [
      '--scenario=transfer',
      '--iterations=1',
      '--think=0',
    ]);
    expect(stepsOf(records, 1)).toEqual(['login', 'upload', 'download:500', 'delete', 'logout']);
  });

  it('activity: each iteration is a whole session, the document read back as written', async () => {
    const records = await generate(await fake(), [
      '--scenario=activity',
      '--iterations=2',
      '--think=0',
      '--seed=7',
    ]);
    const session = ['login', 'doc-create', 'doc-write', 'doc-read', 'doc-delete', 'logout'];
    expect(stepsOf(records, 0)).toEqual([...session, ...session]);
    expect(records.every((r) => r.ok)).toBe(true);
  });

  it('the same seed gives the same documents and files', async () => {
    const front = await fake();
    const sizes = async () =>
      (await generate(front, ['--scenario=activity', '--iterations=1', '--think=0', '--seed=3']))
        .filter((r) => r.kind === 'doc-write')
        .map((r) => `${r.user}:${r.bytes}`)
        .sort();
    expect(await sizes()).toEqual(await sizes());
  });

  it('without iterations users stop starting new ones at the duration, and finish the one they are in', async () => {
    const t0 = Date.now();
    const records = await generate(await fake(), ['--scenario=activity', '--duration=1', '--think=0.05']);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const last = stepsOf(records, 0);
    expect(last.at(-1)).toBe('logout');
    expect(last.length % 6).toBe(0);
  });

  it('drill: the open-loop mix with WebDAV, every answer judged', async () => {
    const records = await generate(await fake(), [
      '--scenario=drill',
      '--rate=25',
      '--duration=1',
      '--dav=DAV',
    ]);
    const kinds = new Set(records.map((r) => r.kind));
    for (const k of ['read', 'session', 'write', 'dav-put', 'dav-get']) expect(kinds).toContain(k);
    expect(records.filter((r) => !r.ok)).toEqual([]);
    expect(records.length).toBeGreaterThanOrEqual(20);
  });
});
