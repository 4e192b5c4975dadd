// Synthetic request records for the pure drill tests: a steady stream with a chosen outage.
import type { RequestRecord } from '../../scripts/drills/types.ts';

export const T0 = 1_800_000_000_000;

/** `n` requests every `everyMs` from T0, 50 ms each, alternating web1/web2; `fail(i)` marks failures. */
export function stream(
  n: number,
  everyMs: number,
  fail: (i: number) => boolean = () => false,
): RequestRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const ok = !fail(i);
    const kind = (['read', 'session', 'write'] as const)[i % 3]!;
    return {
      seq: i,
      kind,
      t: T0 + i * everyMs,
      end: T0 + i * everyMs + 50,
      status: ok ? 200 : 0,
      ok,
      ms: 50,
      ...(ok ? { web: i % 2 ? 'web2' : 'web1', db: 'db1' } : { err: 'Timeout was reached' }),
      ...(kind === 'write' ? { id: `r-${i}`, sha256: `sum${i}` } : {}),
    };
  });
}
