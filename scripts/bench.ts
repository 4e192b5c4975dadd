// `npm run bench`: times lab bring-ups, re-runs and drills on nspawn and measures memory per node.
// Results go to bench/results.json and bench/results.md; the README quotes them.
import {
  copyFileSync,
  cpSync,
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

/** The names of a lab's nodes, from `lab status --json`. */
async function labNodes(L: string[]): Promise<string[]> {
  return JSON.parse((await lab(['status', ...L, '--json'])).stdout).nodes.map(
    (n: { name: string }) => n.name,
  );
}

/** Rows an earlier bench wrote under names no section writes any more. */
const SUPERSEDED = [
  // A reset now ends verified: `full-ha: reset, verified` and `full-ha: reset again, verified`.
  'full-ha: reset + verify',
  'full-ha: reset again + verify',
];

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
  const mem = await memory('full-ha', await labNodes(L));
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

/** The alerts (name and labels) that fired at any moment since `since`, from Prometheus's ALERTS series. */
async function alertsFiredSince(L: string[], since: number): Promise<string[] | undefined> {
  const urls = JSON.parse((await lab(['monitor', ...L, '--json'])).stdout).urls as Record<string, string>;
  const base = urls.prometheus?.replace(/\/+$/, '');
  if (!base) return undefined;
  const window = Math.ceil((Date.now() - since) / 1000);
  const q = encodeURIComponent(`max_over_time(ALERTS{alertstate="firing"}[${window}s])`);
  try {
    const res = await fetch(`${base}/api/v1/query?query=${q}`, { signal: AbortSignal.timeout(10_000) });
    const doc = (await res.json()) as { data?: { result?: { metric: Record<string, string> }[] } };
    return (doc.data?.result ?? []).map((r) => {
      const { alertname, alertstate: _, __name__: __, ...labels } = r.metric;
      return `${alertname} ${JSON.stringify(labels)}`;
    });
  } catch {
    return undefined;
  }
}

// The monitoring's units on a node: Prometheus, Alertmanager and blackbox on the monitor node, the
// exporters everywhere, the GlusterFS metrics timer on storage nodes.
const MONITORING_UNITS =
  "systemctl list-unit-files --state=enabled --no-legend 'prometheus*' 'lab-gluster-metrics.timer' | awk '{print $1}'";

/**
 * Issue 13's cost figure: the idle lab with its monitoring against the same lab with every monitoring
 * unit stopped, in alternating 60 s windows (without, with, three times each), so a lab whose own idle
 * load drifts (a fresh Nextcloud's first background jobs, the host's other work) weighs on both sides
 * alike; and the memory both ways. The units run again afterwards.
 */
async function monitoringCost(L: string[], nodes: string[]): Promise<void> {
  const labName = L[L.indexOf('--lab') + 1]!;
  const onAll = (action: string) =>
    Promise.all(
      nodes.map((n) =>
        lab([
          'ssh',
          ...L,
          '--node',
          n,
          '--',
          'sh',
          '-c',
          `u=$(${MONITORING_UNITS}); [ -z "$u" ] || systemctl ${action} $u`,
        ]),
      ),
    );
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
  const withCores: number[] = [];
  const withoutCores: number[] = [];
  // The monitoring's own long-running units (Prometheus, Alertmanager, the exporters) read directly from
  // their cgroups in the "with" windows: a floor under the A/B figure, which also holds what the scraped
  // services (mysqld, Redis, HAProxy, PHP) spend answering and the timer's short runs.
  const ownCores: number[] = [];
  let memWith = sum(await memory(labName, nodes));
  let memWithout = 0;
  try {
    for (let i = 0; i < 3; i++) {
      await onAll('stop');
      await sleep(15_000);
      withoutCores.push((await idleWindows(labName, nodes, 1, 60))[0]!.total);
      if (i === 0) memWithout = sum(await memory(labName, nodes));
      await onAll('start');
      // Every target scraped again and Prometheus's start behind it (5 s scrapes).
      await sleep(30_000);
      const w = (await idleWindows(labName, nodes, 1, 60, /^prometheus/))[0]!;
      withCores.push(w.total);
      ownCores.push(sum(w.perUnit));
    }
    memWith = Math.max(memWith, sum(await memory(labName, nodes)));
  } finally {
    await onAll('start');
  }
  const cores = median(withCores) - median(withoutCores);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(', ');
  record({
    name: 'full-ha idle CPU of the monitoring (lab with it minus lab with its units stopped)',
    value: Number(cores.toFixed(3)),
    unit: 'cores',
    target: '0.05 cores',
    ok: cores <= 0.05,
    note: `median of 3 alternating 60 s windows each: with ${median(withCores).toFixed(3)} (${list(withCores)}), without ${median(withoutCores).toFixed(3)} (${list(withoutCores)})`,
  });
  const own = median(ownCores);
  record({
    name: "full-ha idle CPU of the monitoring's own units (prometheus*: server, Alertmanager, exporters; from their cgroups)",
    value: Number(own.toFixed(3)),
    unit: 'cores',
    note: `median of the 3 "with" windows: ${list(ownCores)}; excludes what the scraped services spend answering`,
  });
  record({
    name: 'full-ha memory of the monitoring (PSS of the lab with it minus without)',
    value: memWith - memWithout,
    unit: 'MiB',
    target: '250 MiB',
    ok: memWith - memWithout <= 250,
    note: `with ${memWith} MiB (the larger of before and after), without ${memWithout} MiB`,
  });
}

// Issue 11's figures, on full-ha with the real Nextcloud: idle CPU (median of three 60 s windows of
// cgroup cpu.stat), HAProxy state changes while idle, and verify run 10 times in a row; and issue 13's:
// no alert fired while idle, and what the monitoring costs of that idle lab.
async function frugal(): Promise<void> {
  const L = ['--lab', 'full-ha', '--provider', 'nspawn'];
  const nc = nextcloudEnv();
  await lab(['up', ...L], nc.env);
  const nodes: string[] = await labNodes(L);
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
  const fired = await alertsFiredSince(L, idleStart);
  record({
    name: `full-ha alerts fired in ${Math.round((Date.now() - idleStart) / 60000)} idle minutes`,
    value: fired === undefined ? 0 : fired.length,
    unit: fired === undefined ? 'not measured (no Prometheus answer)' : 'alerts',
    target: '0',
    ok: fired === undefined ? undefined : fired.length === 0,
    note: fired?.slice(0, 5).join('; '),
  });
  await monitoringCost(L, nodes);
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
    recoverMs?: number | null;
    lostWrites: number;
    ok: boolean;
    firstAlert?: string;
    firstAlertMs?: number | null;
    alerts?: { alert: string; firedMs: number; resolvedMs: number | null; afterReturnMs: number | null }[];
    lost?: { reason: string }[];
  }[];
  refused?: { node: string; reasons: string[] }[];
};

const secs = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;

/**
 * Issue 13's figures per drill: the first alert after the fault and when the last alert resolved after
 * the node's return (targets: fired within 15 s, resolved within 60 s). Empty without a monitor node.
 */
function alertRows(d: DrillSummary): string[] {
  return d.drills
    .filter((x) => x.alerts !== undefined)
    .map((x) => {
      const alerts = x.alerts ?? [];
      const open = alerts.some((a) => a.resolvedMs === null);
      const lastResolved = Math.max(0, ...alerts.map((a) => a.afterReturnMs ?? 0));
      const fired = x.firstAlertMs ?? null;
      const ok = fired !== null && fired <= 15_000 && !open && lastResolved <= 60_000;
      return `| ${x.node} | ${x.firstAlert ?? 'none'} | ${secs(fired)} | ${open ? 'still firing' : secs(lastResolved)} | ${alerts.length} | ${ok ? 'met' : 'missed'} |`;
    });
}

// Issue 15's comparison: each sample architecture brought up with the real Nextcloud, verified, its
// memory taken and every node drilled in turn, so the README shows what each step of redundancy buys.
// BENCH_ARCHS names the labs (default all-in-one, mini-ha, full-ha); results in bench/architectures.*.
async function architectures(): Promise<void> {
  const labs = (process.env.BENCH_ARCHS ?? 'all-in-one,mini-ha,full-ha').split(',');
  const nc = nextcloudEnv();
  const file = join(REPO_ROOT, 'bench', 'architectures.json');
  // A run of some labs keeps the other labs' last figures.
  const earlier: ArchEntry[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  const out = new Map(earlier.map((e) => [e.lab, e]));
  // The sample labs share 10.0.2.0/24: one left running (an earlier run that failed) blocks the next.
  for (const name of labs)
    if (existsSync(join(REPO_ROOT, 'labs', name, 'lab.yaml')))
      await lab(['destroy', '--lab', name, '--provider', 'nspawn']);
  for (const name of labs) {
    if (!existsSync(join(REPO_ROOT, 'labs', name, 'lab.yaml'))) {
      record({ name: `${name}: up, verify and drill --all`, value: 0, unit: '', note: `no labs/${name}/` });
      continue;
    }
    const L = ['--lab', name, '--provider', 'nspawn'];
    // frugal, operate and side-by-side run on full-ha next: they take it as this section leaves it (re-run of up).
    const keep = name === 'full-ha' && (wanted('frugal') || wanted('operate') || wanted('side-by-side'));
    await lab(['destroy', ...L]);
    try {
      const up = await lab(['up', ...L], nc.env);
      const verify = await lab(['verify', ...L, '--json']);
      const nodes: string[] = await labNodes(L);
      const mem = Object.values(await memory(name, nodes)).reduce((a, b) => a + b, 0);
      let drill = await lab(['drill', ...L, '--all', '--json']);
      let d = JSON.parse(drill.stdout) as DrillSummary;
      // A lab whose every node is a single point of failure (all-in-one): the guards refuse each
      // drill, and --force measures the outage they warn of.
      const forced = d.drills.length === 0 && (d.refused?.length ?? 0) > 0;
      if (forced) {
        drill = await lab(['drill', ...L, '--all', '--force', '--json']);
        d = JSON.parse(drill.stdout) as DrillSummary;
      }
      writeFileSync(join(REPO_ROOT, 'bench', `drills-${name}.json`), drill.stdout);
      const worst = d.drills.reduce(
        (w, x) => Math.max(w, x.requests.total ? x.requests.failed / x.requests.total : 0),
        0,
      );
      const gap = Math.max(0, ...d.drills.map((x) => x.longestGapMs));
      // The --json summary counts lost writes; the full report says which could not be read back.
      const full = latestDrillReport(name);
      const unverifiable = (full?.drills ?? []).reduce(
        (a, x) => a + (x.lost ?? []).filter((l) => l.reason.startsWith('unverifiable')).length,
        0,
      );
      const lost = d.drills.reduce((a, x) => a + x.lostWrites, 0) - unverifiable;
      const entry: ArchEntry = {
        lab: name,
        when: new Date().toISOString(),
        nextcloud: nc.note,
        machines: nodes.length,
        memoryMiB: mem,
        upSeconds: Number(up.seconds.toFixed(1)),
        verifySeconds: Number(verify.seconds.toFixed(1)),
        verified: verify.code === 0,
        // The first verify right after up: its monitoring checks say whether every target was up by then.
        checksNotPassing: (
          JSON.parse(verify.stdout) as { checks: { id: string; status: string; summary: string }[] }
        ).checks
          .filter((c) => c.status !== 'pass')
          .map((c) => `${c.id} ${c.status}: ${c.summary}`),
        forced,
        drillsOk: d.drills.filter((x) => x.ok).length,
        drills: d.drills.length,
        worstFailedPct: Number((worst * 100).toFixed(2)),
        longestGapS: Number((gap / 1000).toFixed(1)),
        lostWrites: lost,
        unverifiableWrites: unverifiable,
        perDrill: d.drills,
      };
      out.set(name, entry);
      record({
        name: `${name}: up, verify and drill --all (${nc.note})`,
        seconds: up.seconds,
        note: `${nodes.length} machines, ${mem} MiB, up + verify ${(entry.upSeconds + entry.verifySeconds).toFixed(1)} s, verify ${entry.verified ? 'passed' : 'failed'}, drills ok ${entry.drillsOk}/${entry.drills}${forced ? ' (--force)' : ''}, worst ${entry.worstFailedPct} % failed, longest gap ${entry.longestGapS} s, ${lost} lost writes, ${unverifiable} unverifiable`,
      });
    } catch (e) {
      // One lab that fails is recorded, with its logs kept, and the next lab is measured.
      const kept = join(REPO_ROOT, '.lab', 'bench-failures', `${name}-${Date.now()}`);
      const logs = join(REPO_ROOT, '.lab', name, 'logs');
      if (existsSync(logs)) cpSync(logs, kept, { recursive: true });
      record({
        name: `${name}: up, verify and drill --all (${nc.note})`,
        value: 0,
        unit: 'FAILED',
        ok: false,
        note: `${String(e instanceof Error ? e.message : e).split('\n')[0]}; logs in ${kept}`,
      });
    } finally {
      if (!keep) await lab(['destroy', ...L]);
      writeArchitectures(out, nc.note);
    }
  }
}

function writeArchitectures(out: Map<string, ArchEntry>, ncNote: string): void {
  const file = join(REPO_ROOT, 'bench', 'architectures.json');
  const order = ['all-in-one', 'mini-ha', 'full-ha'];
  const rank = (l: string) => (order.includes(l) ? order.indexOf(l) : order.length);
  const entries = [...out.values()].sort((a, b) => rank(a.lab) - rank(b.lab));
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`);
  const rows = entries.map(
    (e) =>
      `| ${e.lab} | ${e.machines} | ${e.memoryMiB} MiB | ${e.upSeconds} s | ${(e.upSeconds + e.verifySeconds).toFixed(1)} s | ${e.verified ? 'passed' : 'FAILED'} | ${e.drillsOk} of ${e.drills}${e.forced ? ' (--force)' : ''} | ${e.worstFailedPct} % | ${e.longestGapS} s | ${e.lostWrites}${e.unverifiableWrites ? ` (${e.unverifiableWrites} unverifiable)` : ''} | ${(e.when ?? '').slice(0, 16)} |`,
  );
  const alerts = entries.flatMap((e) =>
    alertRows({ ok: true, drills: e.perDrill }).map((r) => `| ${e.lab} | ${r.slice(2)}`),
  );
  writeFileSync(
    join(REPO_ROOT, 'bench', 'architectures.md'),
    `# Architectures compared (${ncNote}, nspawn, 2-core host)\n\n| lab | machines | memory (PSS) | up from cached image | up + verify | verify | drills ok | worst drill, failed requests | longest gap | lost writes | measured |\n|---|---|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n\n## Alerts per drill (labs with a monitor node; targets: first alert within 15 s of the fault, all resolved within 60 s of the node's return)\n\n| lab | node | first alert | fired after the fault | last resolved after the return | alerts | |\n|---|---|---|---|---|---|---|\n${alerts.join('\n')}\n`,
  );
}

/** The newest full drill report of a lab (.lab/<lab>/reports/drill-<stamp>.json), or undefined. */
function latestDrillReport(labName: string): DrillSummary | undefined {
  const dir = join(REPO_ROOT, '.lab', labName, 'reports');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^drill-[^-].*Z\.json$/.test(f))
        .sort()
    : [];
  const last = files.at(-1);
  return last
    ? (JSON.parse(readFileSync(join(dir, last), 'utf8')) as { report: DrillSummary }).report
    : undefined;
}

interface ArchEntry {
  lab: string;
  when?: string;
  nextcloud?: string;
  machines: number;
  memoryMiB: number;
  upSeconds: number;
  verifySeconds: number;
  verified: boolean;
  checksNotPassing: string[];
  forced?: boolean;
  drillsOk: number;
  drills: number;
  worstFailedPct: number;
  longestGapS: number;
  lostWrites: number;
  unverifiableWrites?: number;
  perDrill: DrillSummary['drills'];
}

/** What a `reset --json` says: how long until the lab was up, how it came back, its verify. */
function resetFigures(stdout: string): { upS: string; how: string; verifyS: string; verified: boolean } {
  try {
    const r = JSON.parse(stdout) as {
      ms: number;
      provisioned?: boolean;
      why?: string;
      verify?: { ok: boolean };
      verifyMs?: number;
    };
    return {
      upS: `${(r.ms / 1000).toFixed(1)} s`,
      how: r.provisioned ? `provisioned: ${r.why ?? '?'}` : 'booted, nothing provisioned',
      verifyS: r.verifyMs === undefined ? '?' : `${(r.verifyMs / 1000).toFixed(1)} s`,
      verified: r.verify?.ok === true,
    };
  } catch {
    return { upS: '?', how: 'its JSON unreadable', verifyS: '?', verified: false };
  }
}

// Issue 14's figures on full-ha (13 nodes, with the real Nextcloud): snapshot save (the freeze and the
// whole save), reset back to a verified lab, and one logs bundle of every node.
async function operate(): Promise<void> {
  const L = ['--lab', 'full-ha', '--provider', 'nspawn'];
  const nc = nextcloudEnv();
  await lab(['up', ...L], nc.env);
  const nodes: string[] = await labNodes(L);
  const save = await lab(['snapshot', 'save', 'up', '--force', ...L, '--json']);
  const meta = JSON.parse(save.stdout) as { ms: number; pausedMs?: number; bytes: number };
  record({
    name: `full-ha: snapshot save (${nodes.length} nodes, ${nc.note})`,
    seconds: save.seconds,
    target: '20 s',
    ok: save.seconds <= 20,
    note: `lab frozen ${meta.pausedMs === undefined ? '?' : (meta.pausedMs / 1000).toFixed(1)} s, ${Math.round(meta.bytes / 1048576)} MiB`,
  });
  // The first reset of a snapshot recovers each Galera node's position (a --wsrep-recover run) and
  // records it; every later one, the classroom's next student, hands it to mariadb instead. A reset
  // ends with every check of `lab verify`: one command, back to a verified lab.
  for (const name of ['full-ha: reset, verified', 'full-ha: reset again, verified']) {
    const reset = await lab(['reset', ...L, '--json']);
    const r = resetFigures(reset.stdout);
    record({
      name,
      seconds: reset.seconds,
      target: '30 s, verify passing',
      ok: reset.seconds <= 30 && reset.code === 0 && r.verified,
      note: `back up in ${r.upS} (${r.how}), verify ${r.verifyS} ${r.verified ? 'passed' : 'FAILED'}`,
    });
  }
  const logs = await lab(['logs', ...L, '--json']);
  const bundle = JSON.parse(logs.stdout) as { file: string; nodes: { node: string; status: string }[] };
  const collected = bundle.nodes.filter((n) => n.status === 'collected').length;
  record({
    name: `full-ha: logs bundle of ${nodes.length} nodes`,
    seconds: logs.seconds,
    target: '20 s, every node',
    ok: logs.seconds <= 20 && collected === nodes.length,
    note: `${collected} of ${nodes.length} nodes collected`,
  });
  rmSync(bundle.file, { force: true });
  await lab(['snapshot', 'delete', 'up', ...L]);
  await graphPictures(L);
}

/**
 * The README's `lab graph` pictures: full-ha healthy, and during a drill of web1 once the lbs have
 * marked it DOWN (docs/measured/graph-full-ha*.svg).
 */
async function graphPictures(L: string[]): Promise<void> {
  const docs = join(REPO_ROOT, 'docs', 'measured');
  mkdirSync(docs, { recursive: true });
  const draw = async () =>
    JSON.parse((await lab(['graph', ...L, '--json'])).stdout) as {
      svg: string;
      live: { running: string[]; stats: Record<string, { server: string; status: string }[]> } | null;
    };
  copyFileSync((await draw()).svg, join(docs, 'graph-full-ha.svg'));
  const drill = lab(['drill', ...L, '--halt', 'web1', '--json']);
  const deadline = Date.now() + 180_000;
  let drawn = false;
  while (!drawn && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 2000));
    const g = await draw();
    const marked = Object.entries(g.live?.stats ?? {}).some(
      ([node, rows]) =>
        node.startsWith('lb') && rows.some((r) => r.server === 'web1' && r.status.startsWith('DOWN')),
    );
    if (g.live && !g.live.running.includes('web1') && marked) {
      copyFileSync(g.svg, join(docs, 'graph-full-ha-web1-down.svg'));
      drawn = true;
    }
  }
  const r = await drill;
  record({
    name: 'full-ha: lab graph during a web1 drill',
    value: drawn ? 1 : 0,
    unit: drawn ? 'picture' : 'pictures (web1 never seen DOWN)',
    note: `drill exit ${r.code}; docs/measured/graph-full-ha*.svg`,
  });
}

// Issue 14's classroom figure: a second full-ha-shaped lab (its own name and subnet, from a copy of
// labs/full-ha in .lab/) up beside full-ha; both verify, and drills of the second leave the first's
// verify passing and its HAProxy servers without a state change.
async function sideBySide(): Promise<void> {
  const A = ['--lab', 'full-ha', '--provider', 'nspawn'];
  const dir = join(REPO_ROOT, '.lab', 'bench-side-by-side');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lab.yaml');
  writeFileSync(
    file,
    readFileSync(join(REPO_ROOT, 'labs', 'full-ha', 'lab.yaml'), 'utf8')
      .replace(/^name: full-ha$/m, 'name: full-ha-b')
      .replaceAll('10.0.2.', '10.0.3.'),
  );
  const B = ['--lab', file, '--provider', 'nspawn'];
  const nc = nextcloudEnv();
  await lab(['up', ...A], nc.env);
  await lab(['destroy', ...B]);
  try {
    const since = Date.now();
    const upB = await lab(['up', ...B], nc.env);
    const [vA, vB] = [await lab(['verify', ...A, '--json']), await lab(['verify', ...B, '--json'])];
    record({
      name: `two full-ha labs side by side: the second up (${nc.note}), both verify`,
      seconds: upB.seconds,
      target: 'both verify',
      ok: vA.code === 0 && vB.code === 0,
      note: `full-ha verify ${vA.code === 0 ? 'passed' : 'FAILED'}, full-ha-b verify ${vB.code === 0 ? 'passed' : 'FAILED'}`,
    });
    const drills = [];
    for (const halt of ['db1', 'web1']) drills.push(await lab(['drill', ...B, '--halt', halt, '--json']));
    const after = await lab(['verify', ...A, '--json']);
    const nodesA: string[] = await labNodes(A);
    const changes = await stateChanges(
      A,
      nodesA.filter((n) => /^(lb|router)/.test(n)),
      since,
    );
    record({
      name: 'two full-ha labs: drills of db1 and web1 on the second, the first untouched',
      value: changes.length,
      unit: 'HAProxy state changes on the first',
      target: '0, its verify passing',
      ok: changes.length === 0 && after.code === 0,
      note: `drills exit ${drills.map((d) => d.code).join(', ')}; full-ha verify after them ${after.code === 0 ? 'passed' : 'FAILED'}${changes.length ? `; ${changes.slice(0, 3).join('; ')}` : ''}`,
    });
  } finally {
    await lab(['destroy', ...B]);
  }
}

async function main(): Promise<void> {
  mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
  try {
    if (wanted('data')) await dataTier();
    if (wanted('load')) await loadBench();
    if (wanted('full') || wanted('drills')) await fullLab();
    if (wanted('architectures')) await architectures();
    if (wanted('frugal')) await frugal();
    if (wanted('operate')) await operate();
    if (wanted('side-by-side')) await sideBySide();
  } finally {
    const when = new Date().toISOString();
    // A run of some sections keeps the other sections' last figures.
    const file = join(REPO_ROOT, 'bench', 'results.json');
    const earlier: Measure[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results ?? []) : [];
    const names = new Set([...results.map((m) => m.name), ...SUPERSEDED]);
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
