import { describe, expect, it } from 'vitest';
import { parse } from '../../scripts/cli/args.ts';

describe('lab drill options', () => {
  it('reads --observe in seconds and --rate per second', () => {
    const a = parse(['drill', '--halt', 'web1', '--observe', '12.5', '--rate', '4']);
    expect(a.observeS).toBe(12.5);
    expect(a.rate).toBe(4);
  });

  it('leaves them unset when not given, so the drill defaults apply', () => {
    const a = parse(['drill', '--all']);
    expect(a.observeS).toBeUndefined();
    expect(a.rate).toBeUndefined();
  });

  it.each([
    ['--observe', 'soon'],
    ['--observe', '0'],
    ['--observe', '601'],
    ['--rate', ''],
    ['--rate', '100'],
  ])('refuses %s %j with a usage error naming the range', (flag, value) => {
    expect(() => parse(['drill', '--all', flag, value])).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/must be a number from/) }),
    );
  });
});
