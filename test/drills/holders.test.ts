import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { parseShowStat, servingNode, vipHolder } from '../../scripts/drills/holders.ts';

const lab = loadLabFile('full-ha', 1e9).lab;

// HAProxy 2.6 `show stat` keeps these columns in this order among ~100 others.
const HEADER =
  '# pxname,svname,qcur,scur,status,weight,act,bck,chkfail,lastchg,downtime,check_status,addr,agent_status';
const row = (px: string, sv: string, status: string, bck: 0 | 1, addr: string, lastchg = 100) =>
  `${px},${sv},0,0,${status},1,${1 - bck},${bck},0,${lastchg},0,L7OK,${addr},`;

const stat = [
  HEADER,
  'fe_mysql,FRONTEND,0,3,OPEN,,,,,,,,,',
  row('be_mysql', 'db1', 'DOWN', 0, '10.0.2.31:3306', 4),
  row('be_mysql', 'db2', 'UP', 1, '10.0.2.32:3306'),
  row('be_mysql', 'db3', 'UP', 1, '10.0.2.33:3306'),
  'be_mysql,BACKEND,0,3,UP,2,0,2,,,,,,',
  row('be_redis', 'redis1', 'DOWN', 0, '10.0.2.31:6379'),
  row('be_redis', 'redis2', 'DOWN', 0, '10.0.2.32:6379'),
  row('be_redis', 'redis3', 'UP', 0, '10.0.2.33:6379'),
  '',
].join('\n');

describe('role holders', () => {
  it('parses server lines and leaves out FRONTEND and BACKEND', () => {
    const rows = parseShowStat(stat);
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({
      proxy: 'be_mysql',
      server: 'db1',
      status: 'DOWN',
      backup: false,
      addr: '10.0.2.31:3306',
      lastchg: 4,
    });
  });

  it('the Galera writer is the first UP backup once the active server is down', () => {
    expect(servingNode(parseShowStat(stat), lab, 3306)).toBe('db2');
  });

  it('an UP active server wins over UP backups', () => {
    expect(servingNode(parseShowStat(stat.replace('DOWN,1,1,0,0,4', 'UP,1,1,0,0,4')), lab, 3306)).toBe('db1');
  });

  it('the Redis primary is the one server the role:master check keeps UP', () => {
    expect(servingNode(parseShowStat(stat), lab, 6379)).toBe('db3');
  });

  it('falls back to server names when HAProxy gives no addr column', () => {
    const old = ['# pxname,svname,status,bck,lastchg', 'mysql,db3,UP,0,5', 'mysql,db1,UP,1,5'].join('\n');
    expect(servingNode(parseShowStat(old), lab, 3306)).toBe('db3');
  });

  it('nothing UP means no holder', () => {
    expect(servingNode(parseShowStat(stat.replaceAll(',UP,', ',DOWN,')), lab, 6379)).toBeUndefined();
  });

  it('finds the VIP in `ip -br addr`, not a longer address that starts the same', () => {
    const outputs = [
      { node: 'lb1', text: 'lo UNKNOWN 127.0.0.1/8\nhost0@if5 UP 10.0.2.11/24 10.0.2.100/32\n' },
      { node: 'lb2', text: 'lo UNKNOWN 127.0.0.1/8\nhost0@if6 UP 10.0.2.12/24 10.0.2.10/32\n' },
    ];
    expect(vipHolder(outputs, '10.0.2.10')).toEqual(['lb2']);
    expect(vipHolder(outputs.slice(0, 1), '10.0.2.10')).toEqual([]);
    const both = [outputs[0]!, { node: 'lb1b', text: 'host0 UP 10.0.2.10/32' }, outputs[1]!];
    expect(vipHolder(both, '10.0.2.10')).toEqual(['lb1b', 'lb2']);
  });
});
