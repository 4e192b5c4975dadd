// Judgements of the data-tier checks over output recorded on a running data-dev lab (nspawn).
import { describe, expect, it } from 'vitest';
import {
  ckquorumOk,
  galeraProblems,
  parseRedisRole,
  parseStatus,
  parseWriterLines,
  redisProblems,
  sentinelMaster,
  vipHolders,
  writerProblems,
} from '../../scripts/checks/data-judge.ts';

const UUID = '455292c0-e610-11f1-95c2-cefccefa8c3e';
const synced = (size = 3, uuid = UUID) =>
  `wsrep_local_state\t4\nwsrep_local_state_comment\tSynced\nwsrep_cluster_size\t${size}\nwsrep_cluster_state_uuid\t${uuid}\nwsrep_cluster_status\tPrimary\nwsrep_ready\tON\n`;
const IPS: Record<string, string> = { db1: '10.0.93.31', db2: '10.0.93.32', db3: '10.0.93.33' };
const ipOf = (n: string) => IPS[n];

describe('galeraProblems', () => {
  it('passes three Synced Primary nodes of the expected size', () => {
    const nodes = ['db1', 'db2', 'db3'].map((node) => ({ node, status: parseStatus(synced()) }));
    expect(galeraProblems(nodes, 3)).toEqual([]);
  });
  it('names a node that is a Donor, a wrong size and a non-Primary component', () => {
    const donor = synced()
      .replace('wsrep_local_state\t4', 'wsrep_local_state\t2')
      .replace('Synced', 'Donor/Desynced');
    const alone = synced(1).replace('\tPrimary', '\tnon-Primary').replace('\tON', '\tOFF');
    const problems = galeraProblems(
      [
        { node: 'db1', status: parseStatus(donor) },
        { node: 'db3', status: parseStatus(alone) },
      ],
      3,
    );
    expect(problems).toContain('db1 is Donor/Desynced (wsrep_local_state=2), not Synced');
    expect(problems).toContain('db3 is in a non-Primary component, not Primary');
    expect(problems).toContain('db3 counts 1 members, expected 3');
    expect(problems).toContain('db3 has wsrep_ready=OFF');
  });
  it('counts the arbitrator: two db nodes plus garbd make a cluster of three', () => {
    expect(galeraProblems([{ node: 'db1', status: parseStatus(synced(2)) }], 3)).toEqual([
      'db1 counts 2 members, expected 3',
    ]);
  });
  it('detects split clusters by their state UUIDs', () => {
    const other = '9f0c1d2e-0000-11f1-8000-000000000000';
    const nodes = [
      { node: 'db1', status: parseStatus(synced()) },
      { node: 'db2', status: parseStatus(synced(3, other)) },
    ];
    expect(galeraProblems(nodes, 3)).toEqual([
      'the nodes report 2 different cluster state UUIDs (split clusters)',
    ]);
  });
});

// `redis-cli ROLE` as recorded: a primary with two replicas, and a connected replica.
const MASTER_ROLE = 'master\n22745\n10.0.93.32\n6379\n22745\n10.0.93.33\n6379\n22475\n';
const REPLICA = (ip: string, state = 'connected') => `slave\n${ip}\n6379\n${state}\n22880\n`;

describe('parseRedisRole', () => {
  it('reads a primary and its replicas', () => {
    expect(parseRedisRole(MASTER_ROLE)).toEqual({ role: 'master', replicas: ['10.0.93.32', '10.0.93.33'] });
  });
  it('reads a replica with its primary and link state', () => {
    expect(parseRedisRole(REPLICA('10.0.93.31', 'connect'))).toEqual({
      role: 'slave',
      masterIp: '10.0.93.31',
      state: 'connect',
    });
  });
  it('reports an error answer as unknown', () => {
    expect(parseRedisRole('NOAUTH Authentication required.').role).toBe('unknown');
  });
});

describe('redisProblems', () => {
  const roles = (db1: string, db2: string, db3: string) =>
    new Map([
      ['db1', parseRedisRole(db1)],
      ['db2', parseRedisRole(db2)],
      ['db3', parseRedisRole(db3)],
    ]);
  const sentinels = (ip: string) =>
    new Map(['db1', 'db2', 'db3'].map((n) => [n, sentinelMaster(`${ip}\n6379\n`)]));

  it('passes when replicas and every Sentinel agree on one primary', () => {
    const r = redisProblems({
      roles: roles(MASTER_ROLE, REPLICA('10.0.93.31'), REPLICA('10.0.93.31')),
      sentinels: sentinels('10.0.93.31'),
      ipOf,
    });
    expect(r).toEqual({ primary: 'db1', problems: [] });
  });
  it('flags two primaries (a stale primary came back)', () => {
    const r = redisProblems({
      roles: roles(MASTER_ROLE, MASTER_ROLE, REPLICA('10.0.93.31')),
      sentinels: sentinels('10.0.93.32'),
      ipOf,
    });
    expect(r.primary).toBeUndefined();
    expect(r.problems).toEqual(['2 Redis nodes say they are primary: db1, db2']);
  });
  it('flags a Sentinel and a replica that disagree with the primary', () => {
    const s = sentinels('10.0.93.31');
    s.set('db3', sentinelMaster('10.0.93.32\n6379'));
    const r = redisProblems({
      roles: roles(MASTER_ROLE, REPLICA('10.0.93.33'), REPLICA('10.0.93.31', 'sync')),
      sentinels: s,
      ipOf,
    });
    expect(r.problems).toEqual([
      'db2 replicates from 10.0.93.33, not from the primary db1 (10.0.93.31)',
      'db3 replication link is sync, not connected',
      'Sentinel on db3 names 10.0.93.32 as primary, not db1 (10.0.93.31)',
    ]);
  });
});

describe('Sentinel quorum and router VIP', () => {
  it('accepts CKQUORUM OK and rejects NOQUORUM', () => {
    expect(ckquorumOk('OK 3 usable Sentinels. Quorum and failover authorization can be reached')).toBe(true);
    expect(
      ckquorumOk(
        'NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master',
      ),
    ).toBe(false);
  });
  it('finds the VIP holders in `ip -o -4 addr show` and ignores a longer address', () => {
    const r1 =
      '2: host0    inet 10.0.93.34/24 scope global host0\\ valid_lft forever\n2: host0    inet 10.0.93.30/24 scope global secondary host0\n';
    const r2 =
      '2: host0    inet 10.0.93.35/24 scope global host0\n2: host0    inet 10.0.93.130/24 scope global host0\n';
    expect(
      vipHolders(
        [
          { node: 'router1', text: r1 },
          { node: 'router2', text: r2 },
        ],
        '10.0.93.30',
      ),
    ).toEqual(['router1']);
  });
});

describe('writerProblems', () => {
  it('passes when every new connection lands on one Synced node', () => {
    const answers = ['10.0.93.30', '10.0.93.30', '10.0.93.34', '10.0.93.35'].flatMap((via) =>
      parseWriterLines(via, 'db1\tSynced\n'),
    );
    expect(writerProblems(answers, 4)).toEqual([]);
  });
  it('flags two writers (routers that disagree) and a missing answer', () => {
    const answers = [
      ...parseWriterLines('10.0.93.34', 'db1\tSynced'),
      ...parseWriterLines('10.0.93.35', 'db2\tSynced'),
    ];
    expect(writerProblems(answers, 3)).toEqual([
      'only 2 of 3 connections through the router answered',
      'connections landed on 2 nodes: 10.0.93.34->db1, 10.0.93.35->db2',
    ]);
  });
  it('flags a writer that is not Synced', () => {
    expect(writerProblems(parseWriterLines('10.0.93.30', 'db2\tJoined'), 1)).toEqual([
      'db2 answered while Joined, not Synced',
    ]);
  });
});
