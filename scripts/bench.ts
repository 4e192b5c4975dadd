// `npm run bench`: times lab bring-ups, re-runs and drills on nspawn and measures memory per node.
// Results go to bench/results.json and bench/results.md; the README quotes them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { REPO_ROOT } from './core/model.ts';

$.verbose = false;
$.cwd = REPO_ROOT;

interface Measure {
  name: string;
  seconds?: number;
  value?: number;
  unit?: string;
  target?: string;
  ok?: boolean;
  note?: string;
}

const results: Measure[] = [];
const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

async function lab(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ seconds: number; stdout: string }> {
  const t0 = Date.now();
  const r = await $({ env: { ...process.env, ...env } })`node --import tsx scripts/lab.ts ${args}`.nothrow();
  // verify and drill report failures in their output; the bench records them instead of stopping.
  if (r.exitCode !== 0 && !args.includes('verify') && !args.includes('drill'))
    throw new Error(`lab ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr.slice(-3000)}`);
  return { seconds: (Date.now() - t0) / 1000, stdout: r.stdout };
}

function record(m: Measure): void {
  results.push(m);
  process.stderr.write(
    `  ${m.name}: ${m.seconds !== undefined ? `${m.seconds.toFixed(1)} s` : `${m.value} ${m.unit}`}${m.target ? ` (target ${m.target})` : ''}\n`,
  );
}

/** Memory per node: the proportional set size (shared pages split between users) of its processes. */
async function memory(labName: string, nodes: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const node of nodes) {
    const r = await lab([
      'ssh',
      '--lab',
      labName,
      '--node',
      node,
      '--',
      'sh',
      '-c',
      "cat /proc/[0-9]*/smaps_rollup 2>/dev/null | awk '/^Pss:/ {s+=$2} END {print int(s/1024)}'",
    ]);
    out[node] = Number(r.stdout.trim());
  }
  return out;
}

async function dataTier(): Promise<void> {
  const L = ['--lab', 'full-ha', '--provider', 'nspawn'];
  await lab(['destroy', ...L]);
  const cache = mkdtempSync(join(tmpdir(), 'nhl-bench-cache-'));
  try {
    const cold = await lab(['up', ...L, '--only', 'db,router'], { LAB_CACHE_DIR: cache });
    record({ name: 'data tier: cold up (image built from nothing)', seconds: cold.seconds });
  } finally {
    await lab(['destroy', ...L]);
    rmSync(cache, { recursive: true, force: true });
  }
  const warm = await lab(['up', ...L, '--only', 'db,router']);
  const verify = await lab(['verify', ...L, '--json']);
  record({
    name: 'data tier: warm up + verify',
    seconds: warm.seconds + verify.seconds,
    target: '90 s',
    ok: warm.seconds + verify.seconds <= 90,
  });
  const again = await lab(['up', ...L, '--only', 'db,router', '--json']);
  const changes = (JSON.parse(again.stdout) as { changes: number }).changes;
  record({
    name: `data tier: re-run (${changes} changes)`,
    seconds: again.seconds,
    target: '20 s, 0 changes',
    ok: again.seconds <= 20 && changes === 0,
  });
  const mem = await memory('full-ha', ['db1', 'db2', 'db3', 'router1', 'router2']);
  for (const [node, mib] of Object.entries(mem))
    record({
      name: `memory ${node}`,
      value: mib,
      unit: 'MiB',
      target: node.startsWith('db') ? '300 MiB' : undefined,
      ok: node.startsWith('db') ? mib < 300 : undefined,
    });
  await lab(['destroy', ...L]);
}

async function fullLab(): Promise<void> {
  const L = ['--lab', 'full-ha', '--provider', 'nspawn'];
  await lab(['destroy', ...L]);
  if (wanted('cold')) {
    const cache = mkdtempSync(join(tmpdir(), 'nhl-bench-cache-'));
    try {
      const cold = await lab(['up', ...L], { LAB_CACHE_DIR: cache });
      const verify = await lab(['verify', ...L, '--json']);
      const seconds = cold.seconds + verify.seconds;
      record({
        name: 'full-ha: cold up + verify (image built from nothing)',
        seconds,
        target: '300 s',
        ok: seconds <= 300,
      });
    } finally {
      await lab(['destroy', ...L]);
      rmSync(cache, { recursive: true, force: true });
    }
  }
  const up = await lab(['up', ...L]);
  const verify = await lab(['verify', ...L, '--json']);
  record({
    name: 'full-ha: warm up + verify',
    seconds: up.seconds + verify.seconds,
    target: '120 s',
    ok: up.seconds + verify.seconds <= 120,
  });
  const again = await lab(['up', ...L, '--json']);
  const changes = (JSON.parse(again.stdout) as { changes: number }).changes;
  record({
    name: `full-ha: re-run (${changes} changes)`,
    seconds: again.seconds,
    target: '0 changes',
    ok: changes === 0,
  });
  const mem = await memory(
    'full-ha',
    JSON.parse((await lab(['status', ...L, '--json'])).stdout).nodes.map((n: { name: string }) => n.name),
  );
  const total = Object.values(mem).reduce((a, b) => a + b, 0);
  record({
    name: 'full-ha: memory of the running lab',
    value: total,
    unit: 'MiB',
    target: '4096 MiB',
    ok: total < 4096,
  });
  if (wanted('drills')) {
    const drills = await lab(['drill', ...L, '--all', '--json']);
    writeFileSync(join(REPO_ROOT, 'bench', 'drills.json'), drills.stdout);
    record({
      name: 'full-ha: drill --all',
      seconds: drills.seconds,
      note: 'per-drill results in bench/drills.json',
    });
  }
  await lab(['destroy', ...L]);
}

async function main(): Promise<void> {
  mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
  try {
    if (wanted('data')) await dataTier();
    if (wanted('full') || wanted('drills')) await fullLab();
  } finally {
    const when = new Date().toISOString();
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results.json'),
      `${JSON.stringify({ when, results }, null, 2)}\n`,
    );
    const rows = results.map(
      (m) =>
        `| ${m.name} | ${m.seconds !== undefined ? `${m.seconds.toFixed(1)} s` : `${m.value} ${m.unit}`} | ${m.target ?? ''} | ${m.ok === undefined ? '' : m.ok ? 'met' : 'missed'} |`,
    );
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results.md'),
      `# Benchmark results (${when}, 2-core machine, nspawn)\n\n| measure | result | target | |\n|---|---|---|---|\n${rows.join('\n')}\n`,
    );
  }
}

await main();
