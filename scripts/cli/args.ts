// Parses the `lab` command line into a command and its options; no I/O.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LabError } from '../core/errors.ts';
import { LOAD_SCENARIOS, type LoadScenario, type LoadSpec } from '../load/types.ts';

export const USAGE = `Usage: npm run lab -- <command> [options]

Commands
  render              write .lab/<lab>/Vagrantfile from the lab file (validates it first)
  up                  bring the machines up and provision every role (resumes an interrupted run)
  verify              run every check and say what passes, fails or was skipped (and why)
  drill               halt machines under traffic and measure what users saw
  load                Nextcloud users uploading, downloading and editing through the front, measured
  status              show each machine's state
  halt                halt one machine (--node NAME; --force for a power cut)
  start               start a halted machine again (--node NAME)
  ssh                 open a shell on a node (--node NAME)
  down                halt every machine (the lab comes back with \`up\`)
  destroy             remove the machines and everything the tool made for the lab
  creds               show the lab's generated passwords
  box build           build the offline Debian 12 libvirt box with every package preinstalled

Options
  --lab NAME|FILE     a lab from labs/ (default full-ha) or a path to a lab.yaml
  --provider P        vagrant, nspawn or auto (default: the lab's provider, else auto)
  --only ROLES        up: only the nodes with these roles, comma-separated (e.g. db,router)
  --machines-only     up: bring machines up and stop before provisioning (classroom mode)
  --node NAME         ssh, halt, start: the node
  --halt NODE         drill: power-cut this node
  --halt-role ROLE    drill: power-cut the node serving this role now (db, lb, router, redis, ...)
  --all               drill: every node in turn
  --power-cycle       drill: the whole lab down and up
  --graceful          drill: clean shutdown instead of a power cut
  --observe SECONDS   drill: how long the node stays down before it is started again (default 30)
  --rate N            drill: requests per second from the client (default 10)
  --load SCENARIO     drill: run a load (transfer or activity) beside the drill's traffic
  --scenario S        load: transfer (upload, download, check, delete files) or activity (log in,
                      create, write, read and delete a .docx, log out); default transfer
  --users N           load, drill --load: virtual users, each a Nextcloud account made for the run (default 10)
  --duration SECONDS  load: how long users start new iterations (default 60)
  --iterations N      load: iterations per user (with --duration: whichever ends first)
  --size SIZE         load: transfer file size, e.g. 1MiB, 512KiB, 2MB, 4096 (default 1MiB, at most 64MiB)
  --ramp SECONDS      load: start the users spread over this time (default 0)
  --think SECONDS     load: mean pause between a user's requests (default 1)
  --seed N            load: seed of the random files and documents (default: random, reported)
  --keep              load: keep the run's Nextcloud users and their files
  --force             halt: power cut instead of a clean shutdown; drill: run even when the guard refuses
  --json              machine-readable results on stdout
  --debug             stack traces on errors

Exit codes: 0 ok, 1 a check/drill failed or the lab file is invalid, 2 usage, 3 host not ready, 130 interrupted.`;

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
  'box',
  'help',
] as const;
export type Command = (typeof COMMANDS)[number];

export interface Args {
  command: Command;
  rest: string[];
  lab: string;
  provider: 'vagrant' | 'nspawn' | 'auto';
  only?: string[];
  machinesOnly: boolean;
  node?: string;
  halt?: string;
  haltRole?: string;
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
  json: boolean;
  debug: boolean;
}

export function parse(argv: string[]): Args {
  let parsed: ReturnType<typeof run>;
  try {
    parsed = run(argv);
  } catch (e) {
    throw new LabError('USAGE', e instanceof Error ? e.message : String(e), { hint: 'npm run lab -- help' });
  }
  const { values: v, positionals } = parsed;
  const command = (positionals[0] ?? 'help') as Command;
  if (!COMMANDS.includes(command))
    throw new LabError('USAGE', `Unknown command '${positionals[0]}'`, { hint: 'npm run lab -- help' });
  const provider = v.provider ?? 'auto';
  if (!['vagrant', 'nspawn', 'auto'].includes(provider))
    throw new LabError('USAGE', `--provider must be vagrant, nspawn or auto, not '${provider}'`);
  return {
    command,
    rest: positionals.slice(1),
    lab: v.lab ?? process.env.LAB ?? 'full-ha',
    provider: provider as Args['provider'],
    only: v.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    machinesOnly: v['machines-only'] ?? false,
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
    json: v.json ?? false,
    debug: v.debug ?? false,
  };
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

function run(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      lab: { type: 'string' },
      provider: { type: 'string' },
      only: { type: 'string' },
      'machines-only': { type: 'boolean' },
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
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
    },
  });
}
