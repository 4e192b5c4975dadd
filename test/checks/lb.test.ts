import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendsNotUp, parseHaproxyCsv, vipHolders } from '../../scripts/checks/lb.ts';

const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'recorded', name), 'utf8');

describe('VIP holders', () => {
  const lb1 = { node: 'lb1', stdout: recorded('ip-addr-lb1.txt') };
  const lb2 = { node: 'lb2', stdout: recorded('ip-addr-lb2.txt') };

  it('finds the one lb with the VIP as a secondary address (recorded)', () => {
    expect(vipHolders([lb1, lb2], '10.0.94.10')).toEqual(['lb1']);
  });

  it('does not mistake an address that starts like the VIP', () => {
    expect(vipHolders([lb1, lb2], '10.0.94.1')).toEqual([]);
  });

  it('sees two holders in a split brain', () => {
    expect(vipHolders([lb1, { node: 'lb2', stdout: lb1.stdout }], '10.0.94.10')).toEqual(['lb1', 'lb2']);
  });
});

describe('HAProxy stats CSV', () => {
  it('parses the header and every row (recorded)', () => {
    const rows = parseHaproxyCsv(recorded('haproxy-stats.csv'));
    expect(rows.filter((r) => r.pxname === 'web').map((r) => [r.svname, r.status, r.check_status])).toEqual([
      ['web1', 'UP', 'L7OK'],
      ['web2', 'UP', 'L7OK'],
      ['BACKEND', 'UP', ''],
    ]);
  });

  it('passes when every web node is UP', () => {
    expect(backendsNotUp(parseHaproxyCsv(recorded('haproxy-stats.csv')), ['web1', 'web2'])).toEqual([]);
  });

  it('names the DOWN server with its check status (web2 with Apache stopped)', () => {
    expect(backendsNotUp(parseHaproxyCsv(recorded('haproxy-stats-web2-down.csv')), ['web1', 'web2'])).toEqual(
      ['web2 (DOWN, L4CON)'],
    );
  });

  it('names a web node the backend does not list', () => {
    expect(backendsNotUp(parseHaproxyCsv(recorded('haproxy-stats.csv')), ['web1', 'web3'])).toEqual([
      'web3 (not in the backend)',
    ]);
  });
});
