// Parses the `lab` command line into a command and its options; no I/O.
import { parseArgs } from 'node:util';
import { LabError } from '../core/errors.ts';

export const USAGE = `Usage: npm run lab -- <command> [options]

Commands
  render              write .lab/<lab>/Vagrantfile from the lab file (validates it first)
  up                  bring the machines up and provision every role (resumes an interrupted run)
  verify              run every check and say what passes, fails or was skipped (and why)
  drill               halt machines under traffic and measure what users saw
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
  --force             halt: power cut instead of a clean shutdown; drill: run even when the guard refuses
  --json              machine-readable results on stdout
  --debug             stack traces on errors

Exit codes: 0 ok, 1 a check/drill failed or the lab file is invalid, 2 usage, 3 host not ready, 130 interrupted.`;

export const COMMANDS = [
  'render',
  'up',
  'verify',
  'drill',
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
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
    },
  });
}
