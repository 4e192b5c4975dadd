import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { guardHalt, guardRefusal, powerCycleTargets } from '../../scripts/drills/guard.ts';
import { planDrills } from '../../scripts/drills/plan.ts';

const fullHa = loadLabFile('full-ha', 1e9).lab;
const tp = loadLabFile('tp', 1e9).lab;
const all = (lab: typeof tp) => new Set(lab.nodes.map((n) => n.name));
const without = (lab: typeof tp, ...names: string[]) =>
  new Set([...all(lab)].filter((n) => !names.includes(n)));

describe('drill guard', () => {
  it.each(fullHa.nodes.filter((n) => n.name !== 'client').map((n) => n.name))(
    'full-ha survives losing %s',
    (node) => {
      expect(guardHalt(fullHa, node, all(fullHa))).toEqual({ blocked: [], risks: [] });
    },
  );

  it('tp: the single lb and the single router are refused, with the reason', () => {
    expect(guardHalt(tp, 'lb', all(tp)).risks).toEqual([
      expect.stringContaining('only running load balancer'),
    ]);
    expect(guardHalt(tp, 'router', all(tp)).risks).toEqual([expect.stringContaining('only running router')]);
  });

  it('tp: a db node may go, the garbd vote keeps the majority', () => {
    expect(guardHalt(tp, 'db1', all(tp)).risks).toEqual([]);
  });

  it('refuses the second Galera node while one is already down: no majority', () => {
    const risks = guardHalt(fullHa, 'db1', without(fullHa, 'db2')).risks;
    expect(risks).toContain('Galera would keep 1 of 3 voters: no majority, so it stops serving');
    expect(risks).toContain('Redis Sentinel would keep 1 of 3 voters: no majority, so it stops serving');
  });

  it('refuses the storage arbiter when a data brick is down', () => {
    const risks = guardHalt(fullHa, 'storage3', without(fullHa, 'storage1')).risks;
    expect(risks).toEqual([expect.stringContaining('GlusterFS')]);
  });

  it('never halts the client, even with --force', () => {
    const v = guardHalt(fullHa, 'client', all(fullHa));
    expect(guardRefusal(v, true)).toEqual([expect.stringContaining("the drill's traffic runs there")]);
  });

  it('--force lets the risks pass but not the blocks', () => {
    const v = guardHalt(tp, 'lb', all(tp));
    expect(guardRefusal(v, false)).toHaveLength(1);
    expect(guardRefusal(v, true)).toEqual([]);
  });

  it('a power cycle halts everything but the client', () => {
    expect(powerCycleTargets(tp)).toEqual([
      'lb',
      'web1',
      'web2',
      'router',
      'db1',
      'db2',
      'storage1',
      'storage2',
    ]);
  });
});

describe('drill plan', () => {
  it('refuses a single unsafe drill with every reason, and runs it with --force', () => {
    expect(() => planDrills(tp, { halt: 'lb' }, all(tp))).toThrow(/Refusing to halt lb/);
    const { plans } = planDrills(tp, { halt: 'lb', force: true }, all(tp));
    expect(plans).toEqual([
      expect.objectContaining({
        scenario: 'power-cut',
        nodes: ['lb'],
        forcedPast: [expect.stringContaining('load balancer')],
      }),
    ]);
  });

  it('--all drills every node but the client and lists the refused ones', () => {
    const { plans, refused } = planDrills(tp, { all: true }, all(tp));
    expect(plans.map((p) => p.label)).toEqual(['web1', 'web2', 'db1', 'db2', 'storage1', 'storage2']);
    expect(refused.map((r) => r.node)).toEqual(['lb', 'router']);
  });

  it('--graceful makes a graceful stop, --power-cycle one drill of the whole lab', () => {
    expect(planDrills(fullHa, { halt: 'web1', graceful: true }, all(fullHa)).plans[0]!.scenario).toBe(
      'graceful-stop',
    );
    const cycle = planDrills(fullHa, { powerCycle: true }, all(fullHa)).plans;
    expect(cycle).toEqual([expect.objectContaining({ scenario: 'power-cycle', label: 'all' })]);
    expect(cycle[0]!.nodes).not.toContain('client');
  });

  it('asks for exactly one drill', () => {
    expect(() => planDrills(fullHa, {}, all(fullHa))).toThrow(/Choose one drill/);
    expect(() => planDrills(fullHa, { halt: 'web1', all: true }, all(fullHa))).toThrow(/Choose one drill/);
  });

  it('names an unknown node', () => {
    expect(() => planDrills(fullHa, { halt: 'web9' }, all(fullHa))).toThrow(/has no node 'web9'/);
  });
});
