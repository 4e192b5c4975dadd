import { describe, expect, it } from 'vitest';
import { parse, parseDuration } from '../../scripts/cli/args.ts';

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

describe('lab command line', () => {
  it('--help and -h ask for the help of the command, whatever else it would need', () => {
    expect(parse(['up', '--help'])).toMatchObject({ command: 'up', help: true });
    expect(parse(['drill', '-h'])).toMatchObject({ command: 'drill', help: true });
    expect(parse(['status', '--node', 'x', '--help'])).toMatchObject({ command: 'status', help: true });
    expect(parse(['up'])).toMatchObject({ help: false });
  });

  it('refuses an option the command does not take, pointing at its help', () => {
    expect(() => parse(['status', '--node', 'db1'])).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: 'status does not take --node',
        hint: 'npm run lab -- help status',
      }),
    );
    expect(() => parse(['up', '--halt', 'db1', '--watch'])).toThrow(/up does not take --halt, --watch/);
  });

  it('takes the global options on every command', () => {
    expect(parse(['creds', '--lab', 'tp', '--provider', 'nspawn', '--json', '--debug'])).toMatchObject({
      lab: 'tp',
      provider: 'nspawn',
      json: true,
      debug: true,
    });
  });

  it('keeps the command of `ssh -- CMD ARGS...` as given, options and spaces included', () => {
    const a = parse(['ssh', '--node', '@db-writer', '--', 'mysql', '-e', "SELECT 'a b'", '--help']);
    expect(a).toMatchObject({ command: 'ssh', node: '@db-writer', help: false });
    expect(a.rest).toEqual(['mysql', '-e', "SELECT 'a b'", '--help']);
  });

  it('reads logs --since as seconds and graph --watch', () => {
    expect(parse(['logs', '--since', '10m', '--node', 'db1'])).toMatchObject({ sinceS: 600, node: 'db1' });
    expect(parse(['logs']).sinceS).toBeUndefined();
    expect(parse(['graph', '--watch'])).toMatchObject({ watch: true });
  });
});

describe('--since', () => {
  it.each([
    ['45', 45],
    ['30s', 30],
    ['10m', 600],
    ['10min', 600],
    ['1.5h', 5400],
    ['2d', 172800],
    [' 5m ', 300],
  ])('%j is %d s', (value, seconds) => {
    expect(parseDuration('--since', value)).toBe(seconds);
  });

  it.each(['', 'ten minutes', '-5m', '0s', '10w', '31d', '5 m ago'])('refuses %j', (value) => {
    expect(() => parseDuration('--since', value)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/like 30s, 10m, 2h or 1d/) }),
    );
  });
});
