import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../scripts/checks/index.ts';
import { runChecks, skipCause } from '../../scripts/checks/run.ts';
import type { Check, CheckContext } from '../../scripts/checks/types.ts';
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
