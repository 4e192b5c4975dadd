// Synthetic load records for the pure tests: users stepping through transfer iterations.
import type { LoadKind, RequestRecord } from '../../scripts/drills/types.ts';
import type { LoadSpec } from '../../scripts/load/types.ts';

export const T0 = 1_800_000_000_000;
export const MIB = 1024 * 1024;

export const spec: LoadSpec = {
  scenario: 'transfer',
  users: 2,
  durationS: 10,
  sizeBytes: MIB,
  rampS: 0,
  thinkS: 0,
  seed: 42,
  keep: false,
};

/** `n` requests, one every 100 ms, each `ms(i)` long, cycling upload/download/delete; `fail(i)` marks failures. */
export function transfer(
  n: number,
  ms: (i: number) => number = () => 50,
  fail: (i: number) => boolean = () => false,
): RequestRecord[] {
  const steps: LoadKind[] = ['upload', 'download', 'delete'];
  return Array.from({ length: n }, (_, i) => {
    const kind = steps[i % 3]!;
    const ok = !fail(i);
    return {
      seq: i,
      kind,
      t: T0 + i * 100,
      end: T0 + i * 100 + ms(i),
      ms: ms(i),
      status: ok ? ({ upload: 201, download: 200, delete: 204 } as Record<string, number>)[kind]! : 503,
      ok,
      user: i % 2,
      web: i % 2 ? 'web2' : 'web1',
      webUs: 20_000,
      bytes: kind === 'delete' ? 0 : MIB,
      ...(ok ? {} : { err: 'HTTP 503: Service Unavailable' }),
    };
  });
}
