// The help of every `lab` command: its usage, options and examples, printed by --help and `lab help`.
import { LabError } from '../core/errors.ts';
import { type Args, COMMANDS, type Command } from './args.ts';

/** What the help of one command says. */
export interface CommandHelp {
  /** The command line after `npm run lab --`. */
  usage: string;
  summary: string;
  /** Each option the command takes, as shown (`--node NAME`), and what it does. */
  options: [string, string][];
  examples: string[];
  /** Lines printed after the options. */
  notes?: string[];
}

const NODE = '--node NAME|@HOLDER';
const HOLDERS = 'a node, or the node serving a role now: @db-writer, @redis-primary, @front-vip, @router-vip';

/** The help of every command; a test checks it names each option the command takes. */
export const HELP: Record<Command, CommandHelp> = {
  render: {
    usage: 'render',
    summary: 'validate the lab file and write .lab/<lab>/Vagrantfile',
    options: [],
    examples: ['npm run lab:render -- --lab tp', 'npm run lab -- render --lab ./mine/lab.yaml'],
  },
  up: {
    usage: 'up [--only ROLES] [--machines-only] [--snapshot]',
    summary:
      'bring the machines up and provision every role (resumes an interrupted run); with --snapshot, an up that finishes on the whole lab saves the snapshot `up`, which `lab reset` returns to (a later up --snapshot keeps it unless the lab file changed)',
    options: [
      [
        '--only ROLES',
        'only the nodes with these roles, comma-separated (e.g. db,router); takes no snapshot',
      ],
      [
        '--machines-only',
        'bring machines up and stop before provisioning (classroom mode); takes no snapshot',
      ],
      [
        '--snapshot',
        'when up finishes on the whole lab, save the `up` snapshot that `lab reset` returns to (the lab is frozen while its disks are copied)',
      ],
      ['--no-snapshot', 'the default: take no `up` snapshot'],
    ],
    examples: [
      'npm run lab:up',
      'npm run lab:up -- --lab tp --only db,router',
      'npm run lab:up -- --machines-only',
    ],
  },
  verify: {
    usage: 'verify [--grade [--weights FILE] [--markdown FILE] [--min-score N]]',
    summary: 'run every check and say what passes, fails or was skipped (and why)',
    options: [
      [
        '--grade',
        'score the checks for a class: points per tier and in all, what to do first, each lost point with a hint (exit 0 once graded, whatever the score)',
      ],
      [
        '--weights FILE',
        'points per tier and shares per check, YAML or JSON (default: machines 0, every other tier 10, shared equally)',
      ],
      ['--markdown FILE', 'write the Markdown report there (default .lab/<lab>/reports/grade-<stamp>.md)'],
      ['--min-score N', 'with --grade: exit 1 when the score is below N per cent'],
    ],
    examples: [
      'npm run lab:verify',
      'npm run lab:verify -- --json',
      'npm run lab:verify -- --lab tp --grade',
      'npm run lab:verify -- --lab tp --grade --weights class.yaml --min-score 50 --json',
    ],
    notes: [
      'Grading: a check that passes wins its points, one that fails loses them. A skipped check is',
      'lost when something it needs is missing or down (a stopped machine, Nextcloud not installed),',
      'and not graded when the lab has no such part (no front VIP, one web node, no Nextcloud archive',
      'given to lab:up): it is listed with its reason and counts neither way.',
    ],
  },
  drill: {
    usage: 'drill --halt NODE | --halt-role ROLE | --all | --power-cycle [options]',
    summary: 'halt machines under traffic and measure what users saw; a failed drill writes a logs bundle',
    options: [
      ['--halt NODE', 'power-cut this node'],
      ['--halt-role ROLE', 'power-cut the node serving this role now (db, lb, router, redis, ...)'],
      ['--all', 'every node in turn (the guard says which it refuses)'],
      ['--power-cycle', 'the whole lab down and up'],
      ['--graceful', 'a clean shutdown instead of a power cut'],
      ['--observe SECONDS', 'how long the node stays down before it is started again (default 30)'],
      ['--rate N', 'requests per second from the client (default 10)'],
      ['--load SCENARIO', "run a load (transfer or activity) beside the drill's traffic"],
      ['--users N', 'with --load: virtual users, each a Nextcloud account made for the run (default 10)'],
      ['--force', 'run even when the guard refuses'],
    ],
    examples: [
      'npm run lab:drill -- --halt web1',
      'npm run lab:drill -- --halt-role db',
      'npm run lab:drill -- --halt db1 --observe 60 --rate 20',
      'npm run lab:drill -- --halt web1 --load activity --users 10',
    ],
  },
  load: {
    usage: 'load [--scenario transfer|activity] [options]',
    summary: 'Nextcloud users uploading, downloading and editing through the front, measured',
    options: [
      [
        '--scenario S',
        'transfer (upload, download, check, delete files) or activity (log in, create, write, read and delete a .docx, log out); default transfer',
      ],
      ['--users N', 'virtual users, each a Nextcloud account made for the run (default 10)'],
      ['--duration SECONDS', 'how long users start new iterations (default 60)'],
      ['--iterations N', 'iterations per user (with --duration: whichever ends first)'],
      ['--size SIZE', 'transfer file size, e.g. 1MiB, 512KiB, 2MB, 4096 (default 1MiB, at most 64MiB)'],
      ['--ramp SECONDS', 'start the users spread over this time (default 0)'],
      ['--think SECONDS', "mean pause between a user's requests (default 1)"],
      ['--seed N', 'seed of the random files and documents (default: random, reported)'],
      ['--keep', "keep the run's Nextcloud users and their files"],
    ],
    examples: [
      'npm run lab:load -- --scenario transfer --users 20 --duration 120 --size 1MiB',
      'npm run lab:load -- --scenario activity --users 20 --duration 120 --json',
    ],
  },
  status: {
    usage: 'status [--all]',
    summary: "show each machine's state (answers without any machine running)",
    options: [
      [
        '--all',
        "every lab on this host, with its state and memory: nspawn labs from their bridges (nhl-*) and cgroups, whichever checkout made them; Vagrant labs of this checkout's .lab/ only",
      ],
    ],
    examples: ['npm run lab:status', 'npm run lab:status -- --all', 'npm run lab:status -- --json'],
  },
  halt: {
    usage: `halt ${NODE} [--force]`,
    summary: 'halt one machine (a power cut with --force)',
    options: [
      [NODE, HOLDERS],
      ['--force', 'a power cut instead of a clean shutdown'],
    ],
    examples: ['npm run lab:halt -- --node db2', 'npm run lab:halt -- --node @db-writer --force'],
  },
  start: {
    usage: 'start --node NAME',
    summary: 'start a halted machine again',
    options: [['--node NAME', 'the node']],
    examples: ['npm run lab:start -- --node db2'],
  },
  ssh: {
    usage: `ssh ${NODE} [-- COMMAND ARGS...]`,
    summary: 'a shell on a node, or run one command there and exit with its exit code',
    options: [
      [NODE, HOLDERS],
      ['-- COMMAND ARGS...', 'run this command (each argument stays one argument on the node)'],
    ],
    examples: [
      'npm run lab:ssh -- --node web1',
      'npm run lab:ssh -- --node @db-writer -- mysql -e "SHOW STATUS LIKE \'wsrep_%\'"',
      'npm run lab:ssh -- --node @front-vip -- journalctl -u keepalived -n 20',
    ],
  },
  down: {
    usage: 'down',
    summary: 'halt every machine (the lab comes back with `up`)',
    options: [],
    examples: ['npm run lab:down'],
  },
  destroy: {
    usage: 'destroy',
    summary: 'remove the machines and everything the tool made for the lab (drill reports stay)',
    options: [],
    examples: ['npm run lab:destroy', 'npm run lab:destroy -- --lab tp'],
  },
  creds: {
    usage: 'creds',
    summary: "show the lab's generated passwords",
    options: [],
    examples: ['npm run lab:creds', 'npm run lab:creds -- --json'],
  },
  monitor: {
    usage: 'monitor',
    summary:
      "print the monitoring's URLs: Prometheus (targets, alerts, graphs), the lab's console page, Alertmanager",
    options: [],
    examples: ['npm run lab:monitor', 'npm run lab:monitor -- --lab tp --json'],
  },
  logs: {
    usage: `logs [--since DURATION] [${NODE}]`,
    summary:
      'write .lab/<lab>/logs-<stamp>.tar.gz: per node the journal, role logs, rendered configs and the tool log, secrets redacted',
    options: [
      ['--since DURATION', 'the journal of the last 30s, 10m, 2h or 1d (default: since boot)'],
      [NODE, `only this node (default: every node); ${HOLDERS}`],
    ],
    examples: ['npm run lab:logs', 'npm run lab:logs -- --since 10m --node db1'],
  },
  graph: {
    usage: 'graph [--watch]',
    summary:
      "the lab's topology as Mermaid (printed) and .lab/<lab>/graph.svg, with the live state of a running lab",
    options: [['--watch', 'redraw it in the terminal every 2 s until Ctrl-C']],
    examples: ['npm run lab:graph', 'npm run lab:graph -- --watch', 'npm run lab:graph -- --json'],
  },
  snapshot: {
    usage:
      'snapshot save NAME [--force] [--only ROLES] | snapshot restore NAME [--provision] [--no-verify] | snapshot delete NAME | snapshot list',
    summary:
      "save the lab's disks under a name and go back to them: nspawn copies each node's overlay layer with the lab frozen for the copy; Vagrant halts the machines and uses `vagrant snapshot`; restore brings the lab up again: booted only, when it was saved frozen with this lab file and provision/ and every service comes back by itself; else provisioned as `lab up` does (Galera re-bootstrapped); either way it ends with every check of `lab verify` (exit 1 when one fails)",
    options: [
      ['save NAME', 'save every node now (the lab runs on; on Vagrant it is halted and brought back)'],
      ['restore NAME', 'throw away what the nodes hold now, put the saved disks back and bring the lab up'],
      ['list', 'the snapshots of the lab: when, how, size, how long it took'],
      ['delete NAME', 'remove a snapshot'],
      ['--force', 'save: replace a snapshot of the same name'],
      [
        '--only ROLES',
        'save: only the nodes with these roles, for a lab brought up with `up --only ROLES`; restore puts back and brings up that part',
      ],
      [
        '--provision',
        'restore: provision every role again as `lab up` does, even when the lab came back by itself',
      ],
      ['--no-verify', 'restore: leave out the verify it ends with'],
    ],
    examples: [
      'npm run lab:snapshot -- save before-drill',
      'npm run lab:snapshot -- restore before-drill   # ends with every check of lab:verify',
      'npm run lab:snapshot -- list',
      'npm run lab:snapshot -- save up --force   # move the point lab:reset returns to',
      'npm run lab:snapshot -- save data --lab tp --only db,router',
    ],
  },
  reset: {
    usage: 'reset [--provision] [--no-verify]',
    summary:
      'back to the lab as `up --snapshot` (or `snapshot save up`) left it (its snapshot `up`), brought up again: a clean lab between two drills or two students. Booted only, when every service comes back by itself and the lab file and provision/ are those of the snapshot; else every role is provisioned again as `lab up` does. It ends with every check of `lab verify` (exit 1 when one fails)',
    options: [
      ['--provision', 'provision every role again after the restore, even when the lab came back by itself'],
      ['--no-verify', 'leave out the verify it ends with'],
    ],
    examples: [
      'npm run lab:reset',
      'npm run lab:reset -- --lab tp --json   # the verify report under "verify"',
    ],
  },
  box: {
    usage: 'box build [--force]',
    summary: 'build the offline Debian 12 libvirt box with every package preinstalled (root)',
    options: [['--force', 'build again even when a box of the same packages exists']],
    examples: ['sudo npm run lab:box'],
  },
  help: {
    usage: 'help [COMMAND]',
    summary: 'the commands, or the usage, options and examples of one',
    options: [],
    examples: ['npm run lab -- help', 'npm run lab -- help ssh', 'npm run lab -- ssh --help'],
  },
};

/** Options every command takes. */
export const GLOBAL_HELP: [string, string][] = [
  ['--lab NAME|FILE', 'a lab from labs/ (default full-ha, or $LAB) or a path to a lab.yaml'],
  ['--provider P', "vagrant, nspawn or auto (default: the lab's provider, else auto)"],
  ['--json', 'machine-readable results on stdout'],
  ['--debug', 'stack traces on errors'],
  ['-h, --help', 'this help'],
];

const EXITS =
  'Exit codes: 0 ok, 1 a check/drill failed or the lab file is invalid (verify --grade: 0 once graded, 1 below --min-score), 2 usage or an invalid weights file, 3 host not ready, 130 interrupted.';

function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length), 20);
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

/** The help of one command. */
export function commandHelp(command: Command): string {
  const h = HELP[command];
  return [
    `Usage: npm run lab -- ${h.usage} [--lab NAME|FILE] [--provider P] [--json]`,
    '',
    h.summary,
    ...(h.options.length > 0 ? ['', 'Options', ...table(h.options)] : []),
    ...(h.notes ? ['', ...h.notes] : []),
    '',
    'Options of every command',
    ...table(GLOBAL_HELP),
    '',
    'Examples',
    ...h.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** The list of commands, for `lab help` and `lab` alone. */
export function generalHelp(): string {
  const commands = (Object.keys(HELP) as Command[]).map((c): [string, string] => [
    c === 'box' ? 'box build' : c,
    HELP[c].summary,
  ]);
  return [
    'Usage: npm run lab -- <command> [options]',
    '',
    'Commands',
    ...table(commands),
    '',
    'Options of every command',
    ...table(GLOBAL_HELP),
    '',
    '`npm run lab -- help COMMAND` (or COMMAND --help) shows its options and examples.',
    EXITS,
  ].join('\n');
}

/** What `lab help [COMMAND]`, `lab COMMAND --help` and `lab` alone print. */
export function helpFor(args: Pick<Args, 'command' | 'rest'>): string {
  const topic = args.command === 'help' ? args.rest[0] : args.command;
  if (topic === undefined) return generalHelp();
  if (!(COMMANDS as readonly string[]).includes(topic))
    throw new LabError('USAGE', `Unknown command '${topic}'`, { hint: 'npm run lab -- help' });
  return commandHelp(topic as Command);
}
