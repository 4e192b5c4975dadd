import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeSession, type ProbeAnswer, parseProbeLines, servedBy } from '../../scripts/checks/front.ts';

const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'recorded', name), 'utf8');
const loop = parseProbeLines(recorded('probe-loop.txt'));
const withSession = (a: ProbeAnswer, session: Partial<ProbeAnswer['session']>, web = a.web): ProbeAnswer => ({
  ...a,
  web,
  session: { ...a.session, ...session },
});

describe('lab probe answers', () => {
  it('parses one answer per line (4 requests through the VIP, recorded)', () => {
    expect(loop.bad).toEqual([]);
    expect(loop.answers.map((a) => [a.web, a.session.counter, a.db.node])).toEqual([
      ['web2', 1, 'db1'],
      ['web1', 2, 'db1'],
      ['web2', 3, 'db1'],
      ['web1', 4, 'db1'],
    ]);
    expect(servedBy(loop.answers)).toEqual(
      new Map([
        ['web2', 2],
        ['web1', 2],
      ]),
    );
  });

  it('keeps HAProxy error pages and curl errors as bad lines', () => {
    const r = parseProbeLines(
      '<html><body><h1>503 Service Unavailable</h1>\ncurl: (28) Operation timed out\n{"web":"web1"}\n',
    );
    expect(r.answers).toEqual([]);
    expect(r.bad).toHaveLength(3);
  });
});

describe('session continuity', () => {
  const [a1, a2, a3] = loop.answers as [ProbeAnswer, ProbeAnswer, ProbeAnswer];

  it('passes one session counting 1..n across both web nodes (recorded)', () => {
    expect(judgeSession(loop.answers)).toEqual({
      ok: true,
      summary: 'one session over 4 requests, counter 1..4, 3 switch(es) between web nodes',
    });
  });

  it('fails when a web node starts a new session (sessions not shared)', () => {
    const verdict = judgeSession([a1, withSession(a2, { id_hash: 'ffff', counter: 1 })]);
    expect(verdict.ok).toBe(false);
    expect(verdict.summary).toContain('session changed 1 time');
  });

  it('fails when the counter resets or skips', () => {
    expect(judgeSession([a1, a2, withSession(a3, { counter: 2 })]).summary).toBe(
      'request 3 (served by web2) saw counter 2, expected 3',
    );
  });

  it('fails when no request moved to another node: nothing was proven', () => {
    const same = [a1, withSession(a2, {}, 'web2')];
    expect(judgeSession(same)).toEqual({
      ok: false,
      summary: 'all 2 requests went to web2: no switch of web node to prove anything',
    });
  });

  it('fails when Redis sessions are broken', () => {
    expect(
      judgeSession([a1, withSession(a2, { ok: false, error: 'Failed to read session data' })]).summary,
    ).toContain('could not use the Redis session');
  });
});
