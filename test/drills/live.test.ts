import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import type { StatRow } from '../../scripts/drills/holders.ts';
import { holdersOf, type LiveState, partsFor, resolveNodeRef } from '../../scripts/drills/live.ts';

const full = loadLabFile('full-ha', 1e9).lab;
const tp = loadLabFile('tp', 1e9).lab;

const row = (proxy: string, server: string, status: string, addr: string, backup = false): StatRow => ({
  proxy,
  server,
  status,
  backup,
  addr,
  lastchg: 10,
});

// router1 is down (no stats); router2 sends MariaDB to db2 (db1 is DOWN) and Redis to db3.
const live: LiveState = {
  running: full.nodes.map((n) => n.name).filter((n) => n !== 'router1'),
  stats: {
    router2: [
      row('be_mysql', 'db1', 'DOWN', '10.0.2.31:3306'),
      row('be_mysql', 'db2', 'UP', '10.0.2.32:3306', true),
      row('be_mysql', 'db3', 'UP', '10.0.2.33:3306', true),
      row('be_redis', 'db1', 'DOWN', '10.0.2.31:6379'),
      row('be_redis', 'db3', 'UP', '10.0.2.33:6379'),
    ],
  },
  vips: { front: ['lb2'], router: ['router2'] },
};

describe('role holders over a recorded live state', () => {
  it('reads each holder the way the drills find it', () => {
    expect(holdersOf(full, live)).toEqual({
      'db-writer': 'db2',
      'redis-primary': 'db3',
      'front-vip': ['lb2'],
      'router-vip': ['router2'],
    });
  });

  it.each([
    ['@db-writer', 'db2'],
    ['@redis-primary', 'db3'],
    ['@front-vip', 'lb2'],
    ['@router-vip', 'router2'],
    ['web1', 'web1'],
  ])('--node %s is %s', (ref, node) => {
    expect(resolveNodeRef(full, ref, holdersOf(full, live))).toBe(node);
  });

  it('in a lab without VIPs the lone running lb and router hold the front and router addresses', () => {
    const h = holdersOf(tp, { running: tp.nodes.map((n) => n.name), stats: {}, vips: {} });
    expect(resolveNodeRef(tp, '@front-vip', h)).toBe('lb');
    expect(resolveNodeRef(tp, '@router-vip', h)).toBe('router');
  });

  it('refuses a word that names no holder, listing the ones there are', () => {
    expect(() => resolveNodeRef(full, '@galera', holdersOf(full, live))).toThrow(
      expect.objectContaining({ code: 'USAGE', hint: expect.stringContaining('@db-writer, @redis-primary') }),
    );
  });

  it('says when nobody holds a role, or two nodes do (split brain)', () => {
    const none = holdersOf(full, { ...live, stats: {}, vips: { front: [], router: ['router1', 'router2'] } });
    expect(() => resolveNodeRef(full, '@db-writer', none)).toThrow(/No running node is the db-writer now/);
    expect(() => resolveNodeRef(full, '@front-vip', none)).toThrow(/No running node is the front-vip/);
    expect(() => resolveNodeRef(full, '@router-vip', none)).toThrow(
      /router1 and router2 are all router-vip now/,
    );
  });

  it('refuses a node name the lab does not have', () => {
    expect(() => resolveNodeRef(full, 'web9', holdersOf(full, live))).toThrow(/has no node 'web9'/);
  });

  it('reads only what the name needs: the VIPs for a VIP, the routers otherwise', () => {
    expect(partsFor('@front-vip')).toEqual({ vips: true });
    expect(partsFor('@db-writer')).toEqual({ stats: true });
  });
});
