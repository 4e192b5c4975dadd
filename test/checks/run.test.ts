import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../scripts/checks/index.ts';
import { LONGEST_TIERS_FIRST, runChecks, skipCause, TIERS_AT_ONCE } from '../../scripts/checks/run.ts';
import type { Check, CheckContext, Tier } from '../../scripts/checks/types.ts';
import { loadLabFile } from '../../scripts/core/model.ts';
import type { LabContext } from '../../scripts/engine/context.ts';

const { lab } = loadLabFile('tp', 1e9);
const ctx = {
  lab,
  secrets: { values: { DB_ROOT_PASSWORD: 'hunter2-secret' }, outputs: {} },
  remote: {},
  running: async () => new Set(['db1']),
} as unknown as LabContext;

const check = (id: string, run: Check['run'], skipReason: Check['skipReason'] = () => undefined): Check => ({
  id,
  tier: 'data',
  title: id,
  skipReason,
  run,
});

describe('checks runner', () => {
  it('reports skip with its reason, never pass, and a run where nothing passed is not ok', async () => {
    const r = await runChecks(ctx, [
      check(
        'a',
        async () => ({ status: 'pass', summary: 'x', evidence: [] }),
        () => 'no web node is running',
      ),
    ]);
    expect(r.checks[0]).toMatchObject({ status: 'skip', summary: 'no web node is running' });
    expect(r.ok).toBe(false);
    const some = await runChecks(ctx, [
      check('b', async () => ({ status: 'pass', summary: 'y', evidence: [] })),
      check(
        'c',
        async () => ({ status: 'pass', summary: 'x', evidence: [] }),
        () => 'skipped',
      ),
    ]);
    expect(some.ok).toBe(true);
  });

  it("runs tiers side by side (at most TIERS_AT_ONCE), a tier in order, and reports in the checks' order", async () => {
    const tiers: Tier[] = ['machines', 'lb', 'web', 'data', 'storage'];
    let running = 0;
    let most = 0;
    const log: string[] = [];
    const timed = (id: string, tier: Tier, ms: number): Check => ({
      ...check(id, async () => {
        log.push(`start ${id}`);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, ms));
        running--;
        log.push(`end ${id}`);
        return { status: 'pass', summary: id, evidence: [] };
      }),
      tier,
    });
    // web's two checks are slow: the tiers after it must not wait for them.
    const checks = [
      timed('m', tiers[0]!, 5),
      timed('l', tiers[1]!, 5),
      timed('w1', tiers[2]!, 60),
      timed('w2', tiers[2]!, 60),
      timed('d', tiers[3]!, 5),
      timed('s', tiers[4]!, 5),
    ];
    const told: string[] = [];
    const r = await runChecks(ctx, checks, { onResult: (c) => told.push(c.id) });
    expect(r.checks.map((c) => c.id)).toEqual(['m', 'l', 'w1', 'w2', 'd', 's']);
    expect(told).toEqual(['m', 'l', 'w1', 'w2', 'd', 's']);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(TIERS_AT_ONCE);
    // Within a tier, one after another; another tier's checks ran while web's were busy.
    expect(log.indexOf('start w2')).toBeGreaterThan(log.indexOf('end w1'));
    expect(log.indexOf('end s')).toBeLessThan(log.indexOf('end w2'));
  });

  it("starts the longest tiers first, and reports in the checks' order", async () => {
    const log: string[] = [];
    const tiered = (id: string, tier: Tier): Check => ({
      ...check(id, async () => {
        log.push(id);
        return { status: 'pass', summary: id, evidence: [] };
      }),
      tier,
    });
    const r = await runChecks(ctx, [
      tiered('m', 'machines'),
      tiered('d', 'data'),
      tiered('s', 'storage'),
      tiered('w', 'web'),
      tiered('n', 'nextcloud'),
    ]);
    expect(LONGEST_TIERS_FIRST).toEqual(['nextcloud', 'web']);
    expect(log.slice(0, TIERS_AT_ONCE)).toEqual(['n', 'w', 'm']);
    expect(r.checks.map((c) => c.id)).toEqual(['m', 'd', 's', 'w', 'n']);
  });

  it('takes the results passed a moment ago as they are, in their place, and runs the rest', async () => {
    const ran: string[] = [];
    const counted = (id: string) =>
      check(id, async () => {
        ran.push(id);
        return { status: 'pass', summary: `${id} ran`, evidence: [] };
      });
    const earlier = (id: string, status: 'pass' | 'fail') => ({
      id,
      tier: 'data' as const,
      title: id,
      status,
      summary: `${id} earlier`,
      evidence: [],
      ms: 5,
    });
    const told: string[] = [];
    const r = await runChecks(ctx, [counted('a'), counted('b'), counted('c')], {
      // A result that did not pass is no answer: that check runs again.
      passed: [earlier('b', 'pass'), earlier('c', 'fail')],
      onResult: (x) => told.push(`${x.id}: ${x.summary}`),
    });
    expect(ran).toEqual(['a', 'c']);
    expect(r.checks.map((c) => `${c.id}: ${c.summary}`)).toEqual(['a: a ran', 'b: b earlier', 'c: c ran']);
    expect(told).toEqual(['a: a ran', 'b: b earlier', 'c: c ran']);
    expect(r.ok).toBe(true);
  });

  it('turns a thrown error or a hang into a failed check with the message', async () => {
    const r = await runChecks(
      ctx,
      [
        check('throws', async () => {
          throw new Error('connection refused');
        }),
        check('hangs', () => new Promise(() => {})),
      ],
      { timeoutMs: 50 },
    );
    expect(r.checks.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(r.checks[0]!.summary).toMatch(/connection refused/);
    expect(r.checks[1]!.summary).toMatch(/no answer within/);
    expect(r.ok).toBe(false);
  });

  it('redacts secrets from summaries and evidence', async () => {
    const r = await runChecks(ctx, [
      check('leaky', async () => ({
        status: 'fail',
        summary: 'pw hunter2-secret',
        evidence: [
          { node: 'db1', command: 'mysql -phunter2-secret', output: 'hunter2-secret', code: 1, ms: 1 },
        ],
        hint: 'h',
      })),
    ]);
    expect(JSON.stringify(r)).not.toContain('hunter2-secret');
    expect(r.checks[0]!.evidence[0]!.command).toBe('mysql -p<DB_ROOT_PASSWORD>');
  });

  it('filters by tier and passes the running set to the checks', async () => {
    let seen: Set<string> | undefined;
    const r = await runChecks(
      ctx,
      [
        check('d', async (c) => {
          seen = c.running;
          return { status: 'pass', summary: 'ok', evidence: [] };
        }),
        { ...check('w', async () => ({ status: 'fail', summary: '', evidence: [] })), tier: 'web' },
      ],
      { tiers: ['data'] },
    );
    expect(r.checks.map((c) => c.id)).toEqual(['d']);
    expect([...seen!]).toEqual(['db1']);
  });

  it('a skip is not-in-lab when it would skip with every machine running, else a prerequisite', async () => {
    const cctx = { ...ctx, running: new Set(['db1']) } as unknown as CheckContext;
    const cause = (id: string) => {
      const c = ALL_CHECKS.find((x) => x.id === id)!;
      return c.skipReason(cctx) ? skipCause(c, cctx) : 'runs';
    };
    // tp has no VIPs: the lab has no such part.
    expect(cause('lb.vip')).toBe('not-in-lab');
    expect(cause('router.vip')).toBe('not-in-lab');
    // The router and web nodes exist but are down: what the checks need is missing.
    expect(cause('data.write-through-router')).toBe('prerequisite');
    expect(cause('web.reach')).toBe('prerequisite');
    expect(cause('data.galera-cluster')).toBe('runs');
    const r = await runChecks(ctx, [
      check(
        'a',
        async () => ({ status: 'pass', summary: 'x', evidence: [] }),
        () => 'no web node is running',
      ),
    ]);
    expect(r.checks[0]!.skipCause).toBe('not-in-lab');
  });
});
