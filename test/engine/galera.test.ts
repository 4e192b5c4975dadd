import { describe, expect, it } from 'vitest';
import { chooseGaleraBootstrap, type GaleraProbe, parseProbeLine } from '../../scripts/engine/galera.ts';

const U = '6b8d1d6e-c7a3-11ee-8f53-0b3c6a1f2e10';
const probe = (p: Partial<GaleraProbe>): GaleraProbe => ({
  running: false,
  primary: false,
  seqno: -1,
  safe: false,
  uuid: U,
  ...p,
});
const nodes = (...ps: Partial<GaleraProbe>[]) => ps.map((p, i) => ({ node: `db${i + 1}`, probe: probe(p) }));

describe('parseProbeLine', () => {
  it('reads a running Primary node among other output', () => {
    const out = `[00:01:02] probing\n::lab-state running=1 primary=1 seqno=42 safe=0 uuid=${U}\n`;
    expect(parseProbeLine('db1', out)).toEqual({
      running: true,
      primary: true,
      seqno: 42,
      safe: false,
      uuid: U,
    });
  });
  it('treats "-" and the zero UUID as a node that never joined a cluster', () => {
    expect(
      parseProbeLine('db1', '::lab-state running=0 primary=0 seqno=-1 safe=0 uuid=-').uuid,
    ).toBeUndefined();
    const zero = '::lab-state running=0 primary=0 seqno=-1 safe=1 uuid=00000000-0000-0000-0000-000000000000';
    expect(parseProbeLine('db1', zero)).toMatchObject({ uuid: undefined, safe: true, seqno: -1 });
  });
  it.each([
    ['no line', 'mysqld not found'],
    ['bad seqno', `::lab-state running=0 primary=0 seqno=x safe=0 uuid=${U}`],
    ['missing field', `::lab-state running=0 seqno=3 safe=0 uuid=${U}`],
  ])('throws GALERA_PROBE on %s', (_name, out) => {
    expect(() => parseProbeLine('db2', out)).toThrow(expect.objectContaining({ code: 'GALERA_PROBE' }));
  });
});

describe('chooseGaleraBootstrap', () => {
  it('bootstraps the first db node of a fresh cluster', () => {
    const d = chooseGaleraBootstrap(nodes({ uuid: undefined }, { uuid: undefined }, { uuid: undefined }));
    expect(d).toMatchObject({ action: 'bootstrap', node: 'db1' });
  });
  it('never bootstraps while a node runs in a Primary component', () => {
    const d = chooseGaleraBootstrap(nodes({ seqno: 90 }, { running: true, primary: true, seqno: 10 }, {}));
    expect(d).toMatchObject({ action: 'none' });
    expect(d.reason).toContain('db2');
  });
  it('bootstraps the highest seqno after a whole-lab stop, whatever its place in the list', () => {
    expect(chooseGaleraBootstrap(nodes({ seqno: 10 }, { seqno: 12 }, { seqno: 11 }))).toMatchObject({
      node: 'db2',
    });
  });
  it('breaks a seqno tie with safe_to_bootstrap, then with list order', () => {
    expect(chooseGaleraBootstrap(nodes({ seqno: 7 }, { seqno: 7 }, { seqno: 7, safe: true }))).toMatchObject({
      node: 'db3',
    });
    expect(chooseGaleraBootstrap(nodes({ seqno: 7 }, { seqno: 7 }, { seqno: 5, safe: true }))).toMatchObject({
      node: 'db1',
    });
  });
  it('prefers a node with data over a fresh one', () => {
    expect(chooseGaleraBootstrap(nodes({ uuid: undefined }, { seqno: 3 }))).toMatchObject({ node: 'db2' });
  });
  it('bootstraps the most advanced node of a running non-Primary component', () => {
    const d = chooseGaleraBootstrap(
      nodes({ running: true, seqno: 20 }, { running: true, seqno: 21 }, { seqno: 19 }),
    );
    expect(d).toMatchObject({ action: 'bootstrap', node: 'db2' });
  });
});
