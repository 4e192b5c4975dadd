// Parses the `lab` command line into a command and its options; no I/O.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LabError } from '../core/errors.ts';
import { LOAD_SCENARIOS, type LoadScenario, type LoadSpec } from '../load/types.ts';

/** Every `lab` command, in the order help lists them. */
export const COMMANDS = [
  'render',
  'up',
  'verify',
  'drill',
  'load',
  'status',
  'halt',
  'start',
  'ssh',
  'down',
  'destroy',
  'creds',
  'monitor',
  'logs',
  'graph',
  'snapshot',
  'reset',
  'box',
  'help',
] as const;
/** One `lab` command. */
export type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  lab: { type: 'string' },
  provider: { type: 'string' },
  only: { type: 'string' },
  'machines-only': { type: 'boolean' },
  'no-snapshot': { type: 'boolean' },
  'no-verify': { type: 'boolean' },
  snapshot: { type: 'boolean' },
  node: { type: 'string' },
  halt: { type: 'string' },
  'halt-role': { type: 'string' },
  all: { type: 'boolean' },
  'power-cycle': { type: 'boolean' },
  graceful: { type: 'boolean' },
  observe: { type: 'string' },
  rate: { type: 'string' },
  load: { type: 'string' },
  scenario: { type: 'string' },
  users: { type: 'string' },
  duration: { type: 'string' },
  iterations: { type: 'string' },
  size: { type: 'string' },
  ramp: { type: 'string' },
  think: { type: 'string' },
  seed: { type: 'string' },
  keep: { type: 'boolean' },
  force: { type: 'boolean' },
  provision: { type: 'boolean' },
  since: { type: 'string' },
  watch: { type: 'boolean' },
  grade: { type: 'boolean' },
  weights: { type: 'string' },
  markdown: { type: 'string' },
  'min-score': { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
/** One option of the command line, without its dashes. */
export type Option = keyof typeof OPTIONS;

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly Option[] = ['lab', 'provider', 'json', 'debug', 'help'];

/** The options each command takes besides the global ones: any other is a usage error. */
export const COMMAND_OPTIONS: Record<Command, readonly Option[]> = {
  render: [],
  up: ['only', 'machines-only', 'snapshot', 'no-snapshot'],
  verify: ['grade', 'weights', 'markdown', 'min-score'],
  drill: ['halt', 'halt-role', 'all', 'power-cycle', 'graceful', 'observe', 'rate', 'load', 'users', 'force'],
  load: ['scenario', 'users', 'duration', 'iterations', 'size', 'ramp', 'think', 'seed', 'keep'],
  status: ['all'],
  halt: ['node', 'force'],
  start: ['node'],
  ssh: ['node'],
  down: [],
  destroy: [],
  creds: [],
  monitor: [],
  logs: ['since', 'node'],
  graph: ['watch'],
  snapshot: ['force', 'only', 'provision', 'no-verify'],
  reset: ['provision', 'no-verify'],
  box: ['force'],
  help: [],
};

/** The parsed command line. */
export interface Args {
  command: Command;
  /** Positionals after the command: `box build`, `help ssh`, `snapshot save NAME`, the command of `ssh -- CMD ARGS...`. */
  rest: string[];
  /** -h or --help: print the command's help instead of running it. */
  help: boolean;
  lab: string;
  provider: 'vagrant' | 'nspawn' | 'auto';
  only?: string[];
  machinesOnly: boolean;
  /** up: do not take the `up` snapshot. */
  noSnapshot: boolean;
  /** A node name, or @HOLDER (the node serving a role now). */
  node?: string;
  halt?: string;
  haltRole?: string;
  /** drill: every node in turn; status: every lab on the host. */
  all: boolean;
  powerCycle: boolean;
  graceful: boolean;
  observeS?: number;
  rate?: number;
  /** drill: the load scenario to run beside it. */
  load?: LoadScenario;
  scenario?: string;
  users?: number;
  durationS?: number;
  iterations?: number;
  sizeBytes?: number;
  rampS?: number;
  thinkS?: number;
  seed?: number;
  keep: boolean;
  force: boolean;
  /** snapshot restore, reset: provision every role again after the restore, as `lab up` does. */
  provision: boolean;
  /** snapshot restore, reset: leave out the verify that ends them. */
  noVerify: boolean;
  /** logs: the journal of the last this many seconds. */
  sinceS?: number;
  watch: boolean;
  /** verify: score the checks for a class. */
  grade: boolean;
  /** verify --grade: the teacher's weights file. */
  weights?: string;
  /** verify --grade: where the Markdown report goes. */
  markdown?: string;
  /** verify --grade: exit 1 below this score, in per cent. */
  minScore?: number;
  json: boolean;
  debug: boolean;
}

const usage = (message: string, command?: Command) =>
  new LabError('USAGE', message, {
    hint: command ? `npm run lab -- help ${command}` : 'npm run lab -- help',
  });

/** Parses argv (after `lab`); a usage error (LabError USAGE) names what is wrong and the help to read. */
export function parse(argv: string[]): Args {
  let parsed: ReturnType<typeof run>;
  try {
    parsed = run(argv);
  } catch (e) {
    throw usage(e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  const command = (positionals[0] ?? 'help') as Command;
  if (!COMMANDS.includes(command)) throw usage(`Unknown command '${positionals[0]}'`);
  const help = v.help ?? false;
  if (!help) refuseForeignOptions(command, Object.keys(v) as Option[]);
  if (!help && !v.grade) {
    const gradeOnly = (['weights', 'markdown', 'min-score'] as const).filter((o) => v[o] !== undefined);
    if (gradeOnly.length > 0)
      throw usage(`${gradeOnly.map((o) => `--${o}`).join(', ')} only go with --grade`, command);
  }
  const provider = v.provider ?? 'auto';
  if (!['vagrant', 'nspawn', 'auto'].includes(provider))
    throw usage(`--provider must be vagrant, nspawn or auto, not '${provider}'`, command);
  return {
    command,
    rest: positionals.slice(1),
    help,
    lab: v.lab ?? process.env.LAB ?? 'full-ha',
    provider: provider as Args['provider'],
    only: v.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    machinesOnly: v['machines-only'] ?? false,
    // The `up` snapshot freezes the lab while it copies every node's disk (seconds to tens of seconds
    // with Nextcloud): only when asked, never as a side effect of a re-run.
    noSnapshot: (v['no-snapshot'] ?? false) || !(v.snapshot ?? false),
    node: v.node,
    halt: v.halt,
    haltRole: v['halt-role'],
    all: v.all ?? false,
    powerCycle: v['power-cycle'] ?? false,
    graceful: v.graceful ?? false,
    observeS: number('--observe', v.observe, 1, 600),
    rate: number('--rate', v.rate, 1, 50),
    load: v.load === undefined ? undefined : scenario('--load', v.load),
    scenario: v.scenario === undefined ? undefined : scenario('--scenario', v.scenario),
    users: integer('--users', v.users, 1, 200),
    durationS: number('--duration', v.duration, 1, 3600),
    iterations: integer('--iterations', v.iterations, 1, 100_000),
    sizeBytes: v.size === undefined ? undefined : parseSize(v.size),
    rampS: number('--ramp', v.ramp, 0, 600),
    thinkS: number('--think', v.think, 0, 60),
    seed: integer('--seed', v.seed, 0, 2 ** 31 - 1),
    keep: v.keep ?? false,
    force: v.force ?? false,
    provision: v.provision ?? false,
    noVerify: v['no-verify'] ?? false,
    sinceS: v.since === undefined ? undefined : parseDuration('--since', v.since),
    watch: v.watch ?? false,
    grade: v.grade ?? false,
    weights: v.weights,
    markdown: v.markdown,
    minScore: number('--min-score', v['min-score'], 0, 100),
    json: v.json ?? false,
    debug: v.debug ?? false,
  };
}

/** An option the command does not take is a mistake (often a typo'd command), not something to ignore. */
function refuseForeignOptions(command: Command, given: Option[]): void {
  const foreign = given.filter((o) => !GLOBAL_OPTIONS.includes(o) && !COMMAND_OPTIONS[command].includes(o));
  if (foreign.length > 0)
    throw usage(`${command} does not take ${foreign.map((o) => `--${o}`).join(', ')}`, command);
}

/** A numeric option within [min, max], or undefined when not given. */
function number(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new LabError('USAGE', `${flag} must be a number from ${min} to ${max}, not '${value}'`);
  return n;
}

/** A whole number within [min, max], or undefined when not given. */
function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  const n = number(flag, value, min, max);
  if (n !== undefined && !Number.isInteger(n))
    throw new LabError('USAGE', `${flag} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

function scenario(flag: string, value: string): LoadScenario {
  if (!(LOAD_SCENARIOS as readonly string[]).includes(value))
    throw new LabError('USAGE', `${flag} must be ${LOAD_SCENARIOS.join(' or ')}, not '${value}'`);
  return value as LoadScenario;
}

const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
};
export const MAX_SIZE = 64 * 1024 ** 2;

/** A size such as 4096, 512KiB, 1MiB or 2MB (KiB/MiB are powers of 1024, kB/MB of 1000), in bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  const bytes = m && unit ? Math.round(Number(m[1]) * unit) : Number.NaN;
  if (!(bytes >= 1 && bytes <= MAX_SIZE))
    throw new LabError(
      'USAGE',
      `--size must be from 1 B to 64 MiB, e.g. 1MiB, 512KiB or 4096, not '${text}'`,
    );
  return bytes;
}

// Each user holds its file (twice, with curl's copy) while it uploads: keep the client's memory safe.
const MAX_IN_FLIGHT = 128 * 1024 ** 2;

/** The load `lab load` (or `lab drill --load`) runs: the options with their defaults, checked together. */
export function loadSpec(args: Args, forDrill = false): LoadSpec {
  const sizeBytes = args.sizeBytes ?? 1024 ** 2;
  const users = args.users ?? 10;
  const scenario = (forDrill ? args.load : args.scenario) ?? 'transfer';
  if (scenario === 'transfer' && users * sizeBytes > MAX_IN_FLIGHT)
    throw new LabError(
      'USAGE',
      `--users ${users} x --size ${sizeBytes} B is more than 128 MiB: the client holds each user's file in memory while it uploads`,
      { hint: 'Fewer users or smaller files.' },
    );
  return {
    scenario: scenario as LoadScenario,
    users,
    // A drill's load runs until the drill stops it; a load test for --duration, or its iterations.
    durationS: forDrill ? undefined : (args.durationS ?? (args.iterations ? undefined : 60)),
    iterations: forDrill ? undefined : args.iterations,
    sizeBytes,
    rampS: args.rampS ?? 0,
    thinkS: args.thinkS ?? 1,
    seed: args.seed ?? randomInt(1, 2 ** 31 - 1),
    keep: args.keep,
  };
}

const UNIT_S: Record<string, number> = { '': 1, s: 1, m: 60, min: 60, h: 3600, d: 86400 };

/** A duration like 30s, 10m, 2h or 1d (a bare number is seconds), in whole seconds: at most 30 days. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?$/.exec(value.trim());
  const seconds = m ? Math.round(Number(m[1]) * UNIT_S[m[2] ?? '']!) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 30 * 86400))
    throw new LabError('USAGE', `${flag} must be a duration like 30s, 10m, 2h or 1d, not '${value}'`);
  return seconds;
}

function run(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}
