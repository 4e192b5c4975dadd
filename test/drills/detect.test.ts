import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { firstMatch, parseGlusterLog, parseShortUnix, watchesFor } from '../../scripts/drills/detect.ts';

const lab = loadLabFile('full-ha', 1e9).lab;
const at = (iso: string) => Date.parse(iso);

describe('detection', () => {
  it('reads journalctl short-unix lines to the millisecond', () => {
    const lines = parseShortUnix(
      '1800000000.123456 lb1 haproxy[81]: Server be_web/web1 is DOWN, reason: Layer4 timeout\n-- No entries --',
      'lb1',
    );
    expect(lines).toEqual([
      {
        node: 'lb1',
        t: 1800000000123,
        text: 'lb1 haproxy[81]: Server be_web/web1 is DOWN, reason: Layer4 timeout',
      },
    ]);
  });

  it('reads GlusterFS client log lines as UTC', () => {
    const text =
      '[2026-11-22 01:02:03.456789 +0000] C [rpc-clnt-ping.c:152:rpc_clnt_ping_timer_expired] 0-gv0-client-0: server 10.0.2.41:49152 has not responded in the last 5 seconds, disconnecting.';
    const [line] = parseGlusterLog(text, 'web1');
    expect(line!.t).toBe(at('2026-11-22T01:02:03.456Z'));
    const watch = watchesFor(lab, 'storage1')[0]!;
    expect(watch.pattern.test(line!.text)).toBe(true);
    expect(watchesFor(lab, 'storage2')[0]!.pattern.test(line!.text)).toBe(false);
  });

  it('a web node is detected by HAProxy on the lbs, not by another server of the same prefix', () => {
    const [w] = watchesFor(lab, 'web1');
    expect(w).toMatchObject({ observers: 'lb', source: 'journal' });
    expect(w!.pattern.test('haproxy[1]: Server be_web/web1 is DOWN, reason: Layer4 timeout')).toBe(true);
    expect(w!.pattern.test('haproxy[1]: Server be_web/web2 is DOWN')).toBe(false);
    expect(w!.pattern.test('haproxy[1]: Server be_web/web1 is UP')).toBe(false);
  });

  it('a db node is watched by the routers; the lb by keepalived on the other lb', () => {
    expect(watchesFor(lab, 'db2').map((w) => w.observers)).toEqual(['router']);
    expect(watchesFor(lab, 'lb1').map((w) => w.pattern.source)).toEqual(['Entering MASTER STATE']);
  });

  it('takes the first matching line at or after the halt, from any observer', () => {
    const t0 = 1_800_000_000_000;
    const lines = [
      { node: 'lb2', t: t0 + 2500, text: 'Server be_web/web1 is DOWN' },
      { node: 'lb1', t: t0 - 9000, text: 'Server be_web/web1 is DOWN' },
      { node: 'lb1', t: t0 + 1800, text: 'Server be_web/web1 is DOWN' },
      { node: 'lb1', t: t0 + 900, text: 'Server be_web/web1 is UP' },
    ];
    expect(firstMatch(lines, watchesFor(lab, 'web1')[0]!.pattern, t0)).toEqual(lines[2]);
  });
});
