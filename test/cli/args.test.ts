import { describe, expect, it } from 'vitest';
import { loadSpec, parse, parseDuration, parseSize } from '../../scripts/cli/args.ts';

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

describe('lab load options', () => {
  it('reads the issue example: transfer, 20 users, 120 s, 1 MiB files', () => {
    const a = parse([
      'load',
      '--scenario',
      'transfer',
      '--users',
      '20',
      '--duration',
      '120',
      '--size',
      '1MiB',
    ]);
    expect(a.command).toBe('load');
    expect(loadSpec(a)).toMatchObject({
      scenario: 'transfer',
      users: 20,
      durationS: 120,
      iterations: undefined,
      sizeBytes: 1048576,
    });
  });

  it('defaults: transfer, 10 users, 60 s, 1 MiB, no ramp, 1 s think time, a random seed, users removed', () => {
    const s = loadSpec(parse(['load']));
    expect(s).toMatchObject({
      scenario: 'transfer',
      users: 10,
      durationS: 60,
      sizeBytes: 1048576,
      rampS: 0,
      thinkS: 1,
      keep: false,
    });
    expect(Number.isInteger(s.seed)).toBe(true);
  });

  it('iterations alone run to their end; with a duration, whichever comes first', () => {
    expect(loadSpec(parse(['load', '--iterations', '5']))).toMatchObject({
      iterations: 5,
      durationS: undefined,
    });
    expect(loadSpec(parse(['load', '--iterations', '5', '--duration', '30']))).toMatchObject({
      iterations: 5,
      durationS: 30,
    });
  });

  it('takes ramp-up, think time, seed and --keep', () => {
    const s = loadSpec(
      parse(['load', '--scenario', 'activity', '--ramp', '10', '--think', '0.5', '--seed', '7', '--keep']),
    );
    expect(s).toMatchObject({ scenario: 'activity', rampS: 10, thinkS: 0.5, seed: 7, keep: true });
  });

  it.each([
    ['4096', 4096],
    ['512KiB', 524288],
    ['1mib', 1048576],
    ['2MB', 2_000_000],
    ['1.5 MiB', 1572864],
    ['64MiB', 67108864],
  ])('reads --size %s as %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    ['--scenario', 'browse'],
    ['--users', '0'],
    ['--users', '2.5'],
    ['--users', '201'],
    ['--duration', '0'],
    ['--iterations', '1.5'],
    ['--size', '65MiB'],
    ['--size', '1 parsec'],
    ['--size', '0'],
    ['--think', '-1'],
    ['--seed', 'abc'],
  ])('refuses %s %j with a usage error', (flag, value) => {
    expect(() => parse(['load', flag, value])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('refuses more than 128 MiB of files in flight at once', () => {
    expect(() => loadSpec(parse(['load', '--users', '20', '--size', '8MiB']))).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/in memory/) }),
    );
    expect(
      loadSpec(parse(['load', '--scenario', 'activity', '--users', '200', '--size', '8MiB'])).users,
    ).toBe(200);
  });

  it('drill --load: the scenario beside the drill, until the drill stops it', () => {
    const a = parse(['drill', '--halt', 'web1', '--load', 'activity', '--users', '10']);
    expect(loadSpec(a, true)).toMatchObject({
      scenario: 'activity',
      users: 10,
      durationS: undefined,
      iterations: undefined,
    });
    expect(() => parse(['drill', '--halt', 'web1', '--load', 'upload'])).toThrow(
      expect.objectContaining({ message: "--load must be transfer or activity, not 'upload'" }),
    );
  });
});

describe('snapshot, reset and status --all', () => {
  it('keeps the action and name of `snapshot save NAME` as positionals', () => {
    expect(parse(['snapshot', 'save', 'before-drill', '--force'])).toMatchObject({
      command: 'snapshot',
      rest: ['save', 'before-drill'],
      force: true,
    });
    expect(parse(['snapshot', 'list', '--json'])).toMatchObject({ rest: ['list'], json: true });
  });

  it('takes `reset` alone or with --provision or --no-verify, and refuses options it does not take', () => {
    expect(parse(['reset', '--lab', 'tp'])).toMatchObject({ command: 'reset', lab: 'tp', provision: false });
    expect(parse(['reset', '--provision'])).toMatchObject({ provision: true, noVerify: false });
    expect(parse(['reset', '--no-verify'])).toMatchObject({ noVerify: true });
    expect(parse(['snapshot', 'restore', 'x', '--no-verify'])).toMatchObject({ noVerify: true });
    expect(() => parse(['verify', '--no-verify'])).toThrow(/verify does not take --no-verify/);
    expect(parse(['snapshot', 'restore', 'x', '--provision'])).toMatchObject({
      rest: ['restore', 'x'],
      provision: true,
    });
    expect(() => parse(['up', '--provision'])).toThrow(/up does not take --provision/);
    expect(() => parse(['reset', '--force'])).toThrow(/reset does not take --force/);
    expect(() => parse(['snapshot', 'save', 'x', '--node', 'db1'])).toThrow(/snapshot does not take --node/);
  });

  it('reads `up --snapshot` (no `up` snapshot without it) and `status --all`', () => {
    expect(parse(['up', '--snapshot'])).toMatchObject({ noSnapshot: false });
    expect(parse(['up', '--no-snapshot'])).toMatchObject({ noSnapshot: true });
    expect(parse(['up'])).toMatchObject({ noSnapshot: true });
    expect(parse(['status', '--all'])).toMatchObject({ command: 'status', all: true });
    expect(() => parse(['down', '--all'])).toThrow(/down does not take --all/);
  });
});

describe('verify --grade', () => {
  it('reads --grade with its weights, report file and minimum score', () => {
    const a = parse([
      'verify',
      '--grade',
      '--weights',
      'class.yaml',
      '--markdown',
      'g.md',
      '--min-score',
      '60',
    ]);
    expect(a).toMatchObject({ grade: true, weights: 'class.yaml', markdown: 'g.md', minScore: 60 });
    expect(parse(['verify'])).toMatchObject({ grade: false, weights: undefined, minScore: undefined });
  });

  it('refuses the grade options without --grade, and a score outside 0-100', () => {
    expect(() => parse(['verify', '--weights', 'class.yaml'])).toThrow(
      expect.objectContaining({ code: 'USAGE', message: '--weights only go with --grade' }),
    );
    expect(() => parse(['verify', '--grade', '--min-score', '120'])).toThrow(
      expect.objectContaining({ message: "--min-score must be a number from 0 to 100, not '120'" }),
    );
    expect(() => parse(['status', '--grade'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
