import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import { planPhase, RECIPE, selectNodes } from '../../scripts/engine/plan.ts';

const fullHa = loadLabFile('full-ha', 1e9).lab;
const tp = loadLabFile('tp', 1e9).lab;
const all = (lab: typeof fullHa) => new Set(lab.nodes.map((n) => n.name));
const phase = (name: string) => RECIPE.find((p) => p.name === name)!;

describe('bring-up recipe', () => {
  it('runs the data tier before the routers, storage before web, web before the lbs', () => {
    const order = RECIPE.map((p) => p.name);
    const at = (n: string) => order.indexOf(n);
    expect(at('base')).toBe(0);
    expect(at('galera-probe')).toBeLessThan(at('galera-bootstrap'));
    expect(at('galera-bootstrap')).toBeLessThan(at('galera-join'));
    expect(at('galera-join')).toBeLessThan(at('garbd'));
    expect(at('redis-primary')).toBeLessThan(at('redis-replicas'));
    expect(at('sentinel')).toBeLessThan(at('router'));
    expect(at('storage-volume')).toBeLessThan(at('web-first'));
    expect(at('web-others')).toBeLessThan(at('lb'));
  });

  it('bootstraps only the chosen node and joins the others one at a time', () => {
    const rt = { galeraBootstrap: 'db2' };
    expect(planPhase(phase('galera-bootstrap'), fullHa, all(fullHa), rt).map((s) => s.node)).toEqual(['db2']);
    expect(planPhase(phase('galera-join'), fullHa, all(fullHa), rt).map((s) => s.node)).toEqual([
      'db1',
      'db3',
    ]);
    expect(phase('galera-join').serial).toBe(true);
  });

  it('stops garbd only while a node bootstraps the cluster', () => {
    expect(
      planPhase(phase('garbd-pause'), tp, all(tp), { galeraBootstrap: 'db1' }).map(
        (s) => `${s.node}:${s.step}`,
      ),
    ).toEqual(['router:pause']);
    expect(planPhase(phase('garbd-pause'), tp, all(tp), {})).toEqual([]);
  });

  it('joins every db node when the cluster already runs (no bootstrap)', () => {
    expect(planPhase(phase('galera-bootstrap'), fullHa, all(fullHa), {})).toEqual([]);
    expect(planPhase(phase('galera-join'), fullHa, all(fullHa), {}).map((s) => s.node)).toEqual([
      'db1',
      'db2',
      'db3',
    ]);
  });

  it('installs Nextcloud on the first web node only, then configures the others', () => {
    expect(planPhase(phase('web-first'), fullHa, all(fullHa), {})).toEqual([
      { node: 'web1', role: 'web', step: 'apply', env: { WEB_FIRST: '1' } },
    ]);
    expect(
      planPhase(phase('web-others'), fullHa, all(fullHa), {}).map((s) => [s.node, s.env.WEB_FIRST]),
    ).toEqual([['web2', '0']]);
  });

  it('gives tp its arbiter brick and garbd on the router', () => {
    expect(planPhase(phase('storage'), tp, all(tp), {}).map((s) => `${s.node}:${s.role}`)).toEqual([
      'storage1:storage',
      'storage2:storage',
      'router:storage-arbiter',
    ]);
    expect(planPhase(phase('garbd'), tp, all(tp), {}).map((s) => s.node)).toEqual(['router']);
    expect(planPhase(phase('storage-volume'), tp, all(tp), {}).map((s) => s.node)).toEqual(['storage1']);
  });

  it('--only db,router selects the nodes of those roles and keeps who is first', () => {
    const nodes = selectNodes(fullHa, ['db', 'router']).map((n) => n.name);
    expect(nodes).toEqual(['router1', 'router2', 'db1', 'db2', 'db3']);
    const selected = new Set(['db1', 'db2']);
    expect(planPhase(phase('redis-primary'), fullHa, selected, {})).toEqual([]);
    expect(
      planPhase(phase('redis-replicas'), fullHa, selected, {}).map((s) => s.env.REDIS_INITIAL_PRIMARY),
    ).toEqual(['db3', 'db3']);
    expect(planPhase(phase('web-first'), fullHa, new Set(nodes), {})).toEqual([]);
  });

  it('starts the Redis primary on another machine than the Galera writer', () => {
    expect(planPhase(phase('redis-primary'), fullHa, all(fullHa), {}).map((s) => s.node)).toEqual(['db3']);
    expect(planPhase(phase('redis-primary'), tp, all(tp), {}).map((s) => s.node)).toEqual(['db2']);
    // Every Sentinel, the router's in tp too, names the same initial primary.
    expect(
      planPhase(phase('sentinel'), tp, all(tp), {}).map((s) => `${s.node}:${s.env.REDIS_INITIAL_PRIMARY}`),
    ).toEqual(['router:db2', 'db1:db2', 'db2:db2']);
    expect(planPhase(phase('galera-join'), fullHa, all(fullHa), { galeraBootstrap: 'db1' })[0]?.node).toBe(
      'db2',
    );
  });

  it('runs base on every selected node', () => {
    expect(planPhase(phase('base'), tp, all(tp), {})).toHaveLength(tp.nodes.length);
  });
});
