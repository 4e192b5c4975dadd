import { describe, expect, it } from 'vitest';
import { coresBetween, median, usageUsec } from '../../scripts/bench/cpu.ts';

describe('lab CPU from cgroup cpu.stat', () => {
  it('reads usage_usec from a cgroup v2 cpu.stat', () => {
    expect(usageUsec('usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n')).toBe(1234567);
    expect(() => usageUsec('user_usec 1\n')).toThrow(/usage_usec/);
  });

  it('turns two samples into cores per node', () => {
    const cores = coresBetween({ db1: 1_000_000, lb1: 0 }, { db1: 7_000_000, lb1: 600_000 }, 60);
    expect(cores.db1).toBeCloseTo(0.1);
    expect(cores.lb1).toBeCloseTo(0.01);
  });

  it('takes the median of odd and even counts', () => {
    expect(median([0.3, 0.1, 0.2])).toBe(0.2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
