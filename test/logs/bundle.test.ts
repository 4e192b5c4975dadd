import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Secrets } from '../../scripts/core/secrets.ts';
import { buildBundle, type NodeLogs, redactEntries } from '../../scripts/logs/bundle.ts';
import { readTar } from '../../scripts/logs/tar.ts';

const secrets = {
  values: {
    REDIS_PASSWORD: 's3cretRedisPassw0rd',
    DB_NEXTCLOUD_PASSWORD: 'NcDbPassw0rd123',
    KEEPALIVED_PASSWORD: 'kA1ive99',
  },
  outputs: { nextcloud_secret: 'ncSecretFromConfigPhp', short: 'abc' },
} as unknown as Secrets;

const file = (path: string, text: string | Buffer) => ({
  path,
  data: Buffer.isBuffer(text) ? text : Buffer.from(text),
  mtime: 1_700_000_000,
});
const info = (node: string): NodeLogs => ({ node, status: 'collected', files: 1, bytes: 1, ms: 1 });

describe('the logs bundle', () => {
  it('redacts every secret the tool knows in every file, as the tool logs do', () => {
    const [conf, php] = redactEntries(
      [
        file('etc/redis/lab.conf', 'requirepass s3cretRedisPassw0rd\nmasterauth s3cretRedisPassw0rd\n'),
        file('config.php', "'dbpassword' => 'NcDbPassw0rd123',\n'secret' => 'ncSecretFromConfigPhp',\n"),
      ],
      secrets,
    );
    expect(conf!.data.toString()).toBe('requirepass <REDIS_PASSWORD>\nmasterauth <REDIS_PASSWORD>\n');
    expect(php!.data.toString()).toBe(
      "'dbpassword' => '<DB_NEXTCLOUD_PASSWORD>',\n'secret' => '<nextcloud_secret>',\n",
    );
  });

  it('redacts inside a file that is not UTF-8 and leaves its other bytes as they were', () => {
    const binary = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x00]),
      Buffer.from('auth kA1ive99'),
      Buffer.from([0x80]),
    ]);
    const [out] = redactEntries([file('journal.bin', binary)], secrets);
    expect(out!.data).toEqual(
      Buffer.concat([
        Buffer.from([0xff, 0xfe, 0x00]),
        Buffer.from('auth <KEEPALIVED_PASSWORD>'),
        Buffer.from([0x80]),
      ]),
    );
  });

  it('puts each node under <top>/<node>/ with its tool log, a manifest first, no secret anywhere', () => {
    const gz = buildBundle(
      'lab-logs-x',
      { lab: 'full-ha', nodes: [info('db1'), info('web1')], note: 'Redis s3cretRedisPassw0rd' },
      [
        {
          info: info('db1'),
          remote: [
            file('etc/redis/lab.conf', 'requirepass s3cretRedisPassw0rd\n'),
            file('journal.txt', 'ok\n'),
          ],
        },
        {
          info: info('web1'),
          remote: [],
          toolLog: file('/repo/.lab/full-ha/logs/web1.log', 'DB_NEXTCLOUD_PASSWORD=NcDbPassw0rd123\n'),
        },
      ],
      secrets,
    );
    const entries = readTar(gunzipSync(gz));
    expect(entries.map((e) => e.path)).toEqual([
      'lab-logs-x/manifest.json',
      'lab-logs-x/db1/etc/redis/lab.conf',
      'lab-logs-x/db1/journal.txt',
      'lab-logs-x/web1/tool.log',
    ]);
    const all = Buffer.concat(entries.map((e) => e.data)).toString();
    for (const value of ['s3cretRedisPassw0rd', 'NcDbPassw0rd123']) expect(all).not.toContain(value);
    expect(all).toContain('<REDIS_PASSWORD>');
    expect(JSON.parse(entries[0]!.data.toString()).nodes).toHaveLength(2);
  });
});
