// `npm run bench`: times lab bring-ups, re-runs and drills on nspawn and measures memory per node.
// Results go to bench/results.json and bench/results.md; the README quotes them.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { idleWindows, median } from './bench/cpu.ts';
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
  when?: string;
}

const results: Measure[] = [];
const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

async function lab(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ seconds: number; stdout: string; code: number }> {
  const t0 = Date.now();
  const r = await $({ env: { ...process.env, ...env } })`node --import tsx scripts/lab.ts ${args}`.nothrow();
  // verify and drill report failures in their output; the bench records them instead of stopping.
  if (r.exitCode !== 0 && !args.includes('verify') && !args.includes('drill'))
    throw new Error(`lab ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr.slice(-3000)}`);
  return { seconds: (Date.now() - t0) / 1000, stdout: r.stdout, code: r.exitCode ?? -1 };
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
  const nc = nextcloudEnv();
  const up = await lab(['up', ...L], nc.env);
  const verify = await lab(['verify', ...L, '--json']);
  record({
    name: `full-ha: warm up + verify (${nc.note})`,
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

/** NEXTCLOUD_ARCHIVE as given, else the real release in ../shared/nextcloud/ (as the tests find it). */
function nextcloudEnv(): { env: Record<string, string>; note: string } {
  if (process.env.NEXTCLOUD_ARCHIVE)
    return { env: {}, note: `with Nextcloud (${process.env.NEXTCLOUD_ARCHIVE})` };
  const dir = join(REPO_ROOT, '..', 'shared', 'nextcloud');
  const file = existsSync(dir) ? readdirSync(dir).find((f) => /^nextcloud-.*\.tar\.bz2$/.test(f)) : undefined;
  if (!file) return { env: {}, note: 'WITHOUT Nextcloud (no archive: figures are not comparable)' };
  return { env: { NEXTCLOUD_ARCHIVE: join(dir, file) }, note: `with Nextcloud (${file})` };
}

/** HAProxy server state changes (UP/DOWN) logged on the lbs and routers since `since` (ms epoch). */
async function stateChanges(L: string[], nodes: string[], since: number): Promise<string[]> {
  const found: string[] = [];
  for (const node of nodes) {
    const r = await lab([
      'ssh',
      ...L,
      '--node',
      node,
      '--',
      'journalctl',
      '-u',
      'haproxy',
      '-o',
      'cat',
      '--since',
      `@${Math.floor(since / 1000)}`,
    ]);
    found.push(
      ...r.stdout
        .split('\n')
        .filter((l) => /Server \S+ is (UP|DOWN)/.test(l))
        .map((l) => `${node}: ${l}`),
    );
  }
  return found;
}

// Issue 11's figures, on full-ha with the real Nextcloud: idle CPU (median of three 60 s windows of
// cgroup cpu.stat), HAProxy state changes while idle, and verify run 10 times in a row.
async function frugal(): Promise<void> {
  const L = ['--lab', 'full-ha', '--provider', 'nspawn'];
  const nc = nextcloudEnv();
  await lab(['up', ...L], nc.env);
  const nodes: string[] = JSON.parse((await lab(['status', ...L, '--json'])).stdout).nodes.map(
    (n: { name: string }) => n.name,
  );
  await new Promise((res) => setTimeout(res, 30_000));
  const idleStart = Date.now();
  const windows = await idleWindows('full-ha', nodes, 3, 60);
  const total = median(windows.map((w) => w.total));
  record({
    name: `full-ha idle CPU, whole lab (${nc.note})`,
    value: Number(total.toFixed(3)),
    unit: 'cores',
    target: '0.25 cores',
    ok: total <= 0.25,
    note: windows.map((w) => w.total.toFixed(3)).join(', '),
  });
  const perNode = nodes.map((n) => `${n} ${median(windows.map((w) => w.perNode[n]!)).toFixed(3)}`);
  record({ name: 'full-ha idle CPU per node (cores, median)', value: 0, unit: '', note: perNode.join(', ') });
  const idleS = Number(process.env.BENCH_IDLE_S ?? 600);
  const rest = idleS * 1000 - (Date.now() - idleStart);
  if (rest > 0) await new Promise((res) => setTimeout(res, rest));
  const balancers = nodes.filter((n) => /^(lb|router)/.test(n));
  const changes = await stateChanges(L, balancers, idleStart);
  record({
    name: `full-ha HAProxy server state changes in ${Math.round((Date.now() - idleStart) / 60000)} idle minutes`,
    value: changes.length,
    unit: 'changes',
    target: '0',
    ok: changes.length === 0,
    note: changes.slice(0, 5).join('; '),
  });
  let passed = 0;
  for (let i = 0; i < 10; i++) if ((await lab(['verify', ...L, '--json'])).code === 0) passed++;
  record({
    name: 'full-ha verify, 10 runs in a row at idle',
    value: passed,
    unit: 'of 10 passed',
    target: '10 of 10',
    ok: passed === 10,
  });
}

type LoadSummary = {
  ok: boolean;
  requests: { total: number; failed: number };
  failedByStatus: Record<string, number>;
  operations: {
    op: string;
    requests: number;
    failed: number;
    ms: { p50: number; p95: number; p99: number };
  }[];
  throughput: { requestsPerS: number; mibPerS: number };
  generator?: { cpuPct?: number; peakMiB?: number };
};

function recordLoad(name: string, target: string, r: { seconds: number; stdout: string }): void {
  const s = JSON.parse(r.stdout) as LoadSummary;
  const ops = s.operations
    .map((o) => `${o.op} p50/p95/p99 ${o.ms.p50}/${o.ms.p95}/${o.ms.p99} ms`)
    .join('; ');
  record({
    name,
    value: s.requests.failed,
    unit: `of ${s.requests.total} requests failed`,
    target,
    ok: s.requests.failed === 0,
    note: `${s.throughput.requestsPerS} req/s, ${s.throughput.mibPerS} MiB/s; generator ${s.generator?.cpuPct ?? '?'} % of a core; ${ops}; failed by status ${JSON.stringify(s.failedByStatus)}`,
  });
}

// Issue 11 and 12's load figures on full-ha with the real Nextcloud: 20 WebDAV users moving 1 MiB files
// for 2 minutes, 20 users' activity for 2 minutes, then a drill of web1 under a 10-user activity load.
async function loadBench(): Promise<void> {
  const L = ['--lab', 'full-ha', '--provider', 'nspawn'];
  const nc = nextcloudEnv();
  await lab(['up', ...L], nc.env);
  const common = ['--users', '20', '--duration', '120', '--ramp', '10', '--json'];
  const transfer = await lab(['load', ...L, '--scenario', 'transfer', '--size', '1MiB', ...common]);
  recordLoad(`full-ha load: transfer, 20 users, 1 MiB, 120 s (${nc.note})`, '0 failed', transfer);
  const activity = await lab(['load', ...L, '--scenario', 'activity', ...common]);
  recordLoad('full-ha load: activity, 20 users, 120 s', '0 failed', activity);
  const drill = await lab(['drill', ...L, '--halt', 'web1', '--load', 'activity', '--users', '10', '--json']);
  writeFileSync(join(REPO_ROOT, 'bench', 'drill-under-load.json'), drill.stdout);
  record({
    name: 'full-ha: drill of web1 under a 10-user activity load',
    seconds: drill.seconds,
    note: 'bench/drill-under-load.json',
  });
}

type DrillSummary = {
  ok: boolean;
  drills: {
    node: string;
    requests: { total: number; failed: number };
    longestGapMs: number;
    recoverMs?: number;
    lostWrites: number;
    ok: boolean;
  }[];
};

// Issue 15's comparison: each sample architecture brought up with the real Nextcloud, verified, its
// memory taken and every node drilled in turn, so the README shows what each step of redundancy buys.
// BENCH_ARCHS names the labs (default all-in-one, mini-ha, full-ha); results in bench/architectures.*.
async function architectures(): Promise<void> {
  const labs = (process.env.BENCH_ARCHS ?? 'all-in-one,mini-ha,full-ha').split(',');
  const nc = nextcloudEnv();
  const rows: string[] = [];
  const out: Record<string, unknown>[] = [];
  for (const name of labs) {
    if (!existsSync(join(REPO_ROOT, 'labs', name, 'lab.yaml'))) {
      record({ name: `${name}: up, verify and drill --all`, value: 0, unit: '', note: `no labs/${name}/` });
      continue;
    }
    const L = ['--lab', name, '--provider', 'nspawn'];
    await lab(['destroy', ...L]);
    try {
      const up = await lab(['up', ...L], nc.env);
      const verify = await lab(['verify', ...L, '--json']);
      const nodes: string[] = JSON.parse((await lab(['status', ...L, '--json'])).stdout).nodes.map(
        (n: { name: string }) => n.name,
      );
      const mem = Object.values(await memory(name, nodes)).reduce((a, b) => a + b, 0);
      const drill = await lab(['drill', ...L, '--all', '--json']);
      const d = JSON.parse(drill.stdout) as DrillSummary;
      const worst = d.drills.reduce(
        (w, x) => Math.max(w, x.requests.total ? x.requests.failed / x.requests.total : 0),
        0,
      );
      const gap = Math.max(...d.drills.map((x) => x.longestGapMs));
      const lost = d.drills.reduce((a, x) => a + x.lostWrites, 0);
      const entry = {
        lab: name,
        machines: nodes.length,
        memoryMiB: mem,
        upSeconds: Number(up.seconds.toFixed(1)),
        verified: verify.code === 0,
        drillsOk: d.drills.filter((x) => x.ok).length,
        drills: d.drills.length,
        worstFailedPct: Number((worst * 100).toFixed(2)),
        longestGapS: Number((gap / 1000).toFixed(1)),
        lostWrites: lost,
        perDrill: d.drills,
      };
      out.push(entry);
      rows.push(
        `| ${name} | ${nodes.length} | ${mem} MiB | ${entry.upSeconds} s | ${entry.verified ? 'passed' : 'FAILED'} | ${entry.drillsOk} of ${entry.drills} | ${entry.worstFailedPct} % | ${entry.longestGapS} s | ${lost} |`,
      );
      record({
        name: `${name}: up, verify and drill --all (${nc.note})`,
        seconds: up.seconds,
        note: `${nodes.length} machines, ${mem} MiB, verify ${entry.verified ? 'passed' : 'failed'}, drills ok ${entry.drillsOk}/${entry.drills}, worst ${entry.worstFailedPct} % failed, longest gap ${entry.longestGapS} s, ${lost} lost writes`,
      });
    } finally {
      await lab(['destroy', ...L]);
    }
  }
  writeFileSync(join(REPO_ROOT, 'bench', 'architectures.json'), `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync(
    join(REPO_ROOT, 'bench', 'architectures.md'),
    `# Architectures compared (${new Date().toISOString()}, ${nc.note}, nspawn, 2-core host)\n\n| lab | machines | memory (PSS) | up from cached image | verify | drills ok | worst drill, failed requests | longest gap | lost writes |\n|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
}

async function main(): Promise<void> {
  mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
  try {
    if (wanted('data')) await dataTier();
    if (wanted('frugal')) await frugal();
    if (wanted('load')) await loadBench();
    if (wanted('full') || wanted('drills')) await fullLab();
    if (wanted('architectures')) await architectures();
  } finally {
    const when = new Date().toISOString();
    // A run of some sections keeps the other sections' last figures.
    const file = join(REPO_ROOT, 'bench', 'results.json');
    const earlier: Measure[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results ?? []) : [];
    const names = new Set(results.map((m) => m.name));
    const all = [...earlier.filter((m) => !names.has(m.name)), ...results.map((m) => ({ ...m, when }))];
    writeFileSync(file, `${JSON.stringify({ when, results: all }, null, 2)}\n`);
    const rows = all.map(
      (m) =>
        `| ${m.name} | ${m.seconds !== undefined ? `${m.seconds.toFixed(1)} s` : `${m.value} ${m.unit}`} | ${m.target ?? ''} | ${m.ok === undefined ? '' : m.ok ? 'met' : 'missed'} | ${m.note ?? ''} |`,
    );
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results.md'),
      `# Benchmark results (${when}, 2-core machine, nspawn)\n\n| measure | result | target | | note |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
    );
  }
}

await main();
