import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HttpLogLine, parseHttpLog, tierSplit } from '../../scripts/load/haproxy.ts';
import { transfer } from './records.ts';

// Lines HAProxy 2.6.12 (the lab image's) wrote on loopback for HTTP/2 and HTTP/1.1, with journald's
// short-unix prefix added.
const RECORDED = readFileSync(join(import.meta.dirname, 'recorded/haproxy-httplog.txt'), 'utf8');

describe('HAProxy httplog lines', () => {
  it('reads the tag, the server and the five timers; untagged lines are left out', () => {
    const lines = parseHttpLog(RECORDED, 'lb1');
    expect(lines).toEqual([
      {
        lb: 'lb1',
        tag: 'load-abc.17',
        server: 'web/web1',
        TR: 0,
        Tw: 0,
        Tc: 0,
        Tr: 4,
        Ta: 4,
        status: 200,
        termination: '----',
      },
      {
        lb: 'lb1',
        tag: 'load-abc.18',
        server: 'web/web1',
        TR: 0,
        Tw: 0,
        Tc: 0,
        Tr: 2,
        Ta: 2,
        status: 201,
        termination: '----',
      },
    ]);
  });

  it('reads aborted requests (-1 timers, +retries) and the first of several captures', () => {
    const line =
      '10.0.2.100:5000 [22/Nov/2026:01:02:03.123] https~ web/<NOSRV> 5/-1/-1/-1/+30005 503 +217 - - sQ-- 3/3/2/0/+3 0/12 {load-x.9|other} "PUT /x HTTP/2.0"';
    expect(parseHttpLog(line, 'lb2')[0]).toMatchObject({
      tag: 'load-x.9',
      Tw: -1,
      Ta: 30005,
      status: 503,
      termination: 'sQ--',
    });
  });
});

describe('the tier split', () => {
  const records = transfer(6, (i) => 100 + i);
  const lines: HttpLogLine[] = records.map((r) => ({
    lb: 'lb1',
    tag: `load-t.${r.seq}`,
    server: 'web/web1',
    TR: 1,
    Tw: r.seq === 5 ? 40 : 0,
    Tc: 1,
    Tr: 60,
    Ta: 80,
    status: r.status,
    termination: '----',
  }));

  it('joins each record to its line by run and seq, per operation', () => {
    const s = tierSplit(records, [...lines, { ...lines[0]!, tag: 'other-run.0', Ta: 9999 }], 'load-t');
    expect(s.matched).toBe(6);
    expect(s.rows.map((r) => [r.op, r.matched])).toEqual([
      ['upload', 2],
      ['download', 2],
      ['delete', 2],
    ]);
    const del = s.rows[2]!;
    // delete: seq 2 (102 ms) and seq 5 (105 ms, queued 40 ms).
    expect(del.p50).toEqual({
      client: 102,
      outside: 22,
      request: 1,
      queue: 0,
      connect: 1,
      response: 60,
      web: 20,
      haproxy: 80,
    });
    expect(del.p95.queue).toBe(40);
  });

  it('finds nothing for another run id', () => {
    expect(tierSplit(records, lines, 'load-other')).toEqual({ matched: 0, rows: [] });
  });
});
