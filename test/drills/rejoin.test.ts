import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { parseShowStat } from '../../scripts/drills/holders.ts';
import { balancersOf, notUp } from '../../scripts/drills/rejoin.ts';

const lab = loadLabFile('full-ha', 1e9).lab;
const stat = (lines: string[]) => parseShowStat(['# pxname,svname,status,bck,addr', ...lines].join('\n'));

describe('rejoin', () => {
  it('a web node must be UP on the lbs, a db node on the routers for MariaDB only', () => {
    expect(balancersOf(lab, 'web1')).toEqual([{ role: 'lb', port: '*' }]);
    expect(balancersOf(lab, 'db1')).toEqual([{ role: 'router', port: '3306' }]);
    expect(balancersOf(lab, 'storage1')).toEqual([]);
  });

  it('names the servers of the node that are not UP yet', () => {
    const rows = stat([
      'web,web1,DOWN,0,10.0.2.21:80',
      'web,web2,UP,0,10.0.2.22:80',
      'web,web1b,UP,0,10.0.2.210:80',
    ]);
    expect(notUp(rows, '10.0.2.21', '*')).toEqual(['web/web1 DOWN']);
    expect(notUp(rows, '10.0.2.22', '*')).toEqual([]);
  });

  it('a Redis replica DOWN on the router does not hold a db node back; MariaDB rising does', () => {
    const rows = stat(['mysql,db1,DOWN 1/3,1,10.0.2.31:3306', 'redis,db1,DOWN,0,10.0.2.31:6379']);
    expect(notUp(rows, '10.0.2.31', '3306')).toEqual(['mysql/db1 DOWN 1/3']);
    expect(
      notUp(stat(['mysql,db1,UP,1,10.0.2.31:3306', 'redis,db1,DOWN,0,10.0.2.31:6379']), '10.0.2.31', '3306'),
    ).toEqual([]);
  });
});
