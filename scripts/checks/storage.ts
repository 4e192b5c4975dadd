// The storage tier: every brick of `labdata` online, nothing waiting to heal, the volume mounted on
// every web node.
import { nodesWithRole } from '../core/model.ts';
import { exec, runningWith } from './front.ts';
import { type Check, type CheckContext, type CheckOutcome, evidence, fail, pass } from './types.ts';

const VOLUME = 'labdata';
const MOUNT = '/srv/labdata';

/** Bricks and their Online flag from `gluster volume status <vol> detail`. */
export function parseStatusDetail(text: string): { brick: string; online: boolean }[] {
  const bricks: { brick: string; online: boolean }[] = [];
  for (const line of text.split('\n')) {
    const [key, value] = line.split(/\s+:\s+/, 2).map((s) => s.trim());
    if (key === 'Brick' && value) bricks.push({ brick: value.replace(/^Brick\s+/, ''), online: false });
    else if (key === 'Online' && bricks.length > 0) bricks[bricks.length - 1]!.online = value === 'Y';
  }
  return bricks;
}

export interface HealEntry {
  brick: string;
  status: string;
  pending: number;
  splitBrain: number;
}

/** Per-brick counts from `gluster volume heal <vol> info summary`. */
export function parseHealSummary(text: string): HealEntry[] {
  const out: HealEntry[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    const brick = /^Brick (.+)$/.exec(line);
    if (brick) out.push({ brick: brick[1]!, status: '', pending: 0, splitBrain: 0 });
    const cur = out[out.length - 1];
    if (!cur) continue;
    const [key, value = ''] = line.split(/:\s*/, 2) as [string, string?];
    if (key === 'Status') cur.status = value;
    else if (key === 'Total Number of entries')
      cur.pending = Number(value) || (value === '-' ? Number.NaN : 0);
    else if (key === 'Number of entries in split-brain') cur.splitBrain = Number(value) || 0;
  }
  return out;
}

/** `gluster volume status labdata detail` on a storage node, and the bricks it lists. */
export async function volumeStatus(ctx: CheckContext, node: string) {
  const status = await exec(ctx, node, ['gluster', '--mode=script', 'volume', 'status', VOLUME, 'detail']);
  return { status, bricks: parseStatusDetail(status.stdout) };
}

/** The storage node the checks ask about the volume: the first running one. */
export function storageNode(ctx: CheckContext): string | undefined {
  return runningWith(ctx, 'storage')[0];
}

const unclean = (e: HealEntry) => e.status !== 'Connected' || e.pending !== 0 || e.splitBrain !== 0;

/**
 * The heal summary, sampled again (up to 3 times, 2 s apart) while it shows only pending entries: a
 * write in flight is listed until its post-op, so a lab under traffic (a drill, a class) shows an entry
 * now and then. An entry that really waits for heal is in every sample; split-brain fails at once.
 */
async function healSummary(ctx: CheckContext, node: string, expected: number) {
  const argv = ['gluster', '--mode=script', 'volume', 'heal', VOLUME, 'info', 'summary'];
  for (let sample = 1; ; sample++) {
    const heal = await exec(ctx, node, argv);
    const entries = parseHealSummary(heal.stdout);
    const onlyPending =
      heal.code === 0 &&
      entries.length === expected &&
      entries.some(unclean) &&
      entries.every((e) => e.status === 'Connected' && e.splitBrain === 0);
    if (!onlyPending || sample === 3) return { heal, entries };
    await new Promise((res) => setTimeout(res, 2000));
  }
}

async function bricksCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const node = storageNode(ctx)!;
  const expected =
    nodesWithRole(ctx.lab, 'storage').length + nodesWithRole(ctx.lab, 'storage-arbiter').length;
  const { status, bricks } = await volumeStatus(ctx, node);
  const { heal, entries } = await healSummary(ctx, node, expected);
  const ev = [evidence(status), evidence(heal)];
  const offline = bricks.filter((b) => !b.online).map((b) => b.brick);
  if (status.code !== 0 || bricks.length !== expected || offline.length > 0) {
    return fail(
      `${bricks.length - offline.length} of ${expected} bricks of ${VOLUME} online${offline.length ? ` (offline: ${offline.join(', ')})` : ''}`,
      ev,
      'Start glusterd on the storage nodes; `gluster volume start labdata force` restarts brick processes.',
    );
  }
  const dirty = entries.filter(unclean);
  if (heal.code !== 0 || entries.length !== expected || dirty.length > 0) {
    const what = dirty
      .map((e) => `${e.brick}: ${e.status}, ${e.pending} pending, ${e.splitBrain} split-brain`)
      .join('; ');
    return fail(
      `self-heal is not clean${what ? `: ${what}` : ''}`,
      ev,
      'The self-heal daemon crawls every 10 s, so pending entries should clear soon after a node is back; `gluster volume heal labdata` starts a heal now; split-brain needs `gluster volume heal labdata split-brain`.',
    );
  }
  return pass(`${expected} of ${expected} bricks online, 0 entries pending heal, 0 in split-brain`, ev);
}

async function mountedCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const webs = runningWith(ctx, 'web');
  const results = await Promise.all(
    webs.map((n) =>
      exec(ctx, n, ['findmnt', '-n', '-o', 'SOURCE,FSTYPE', '--target', MOUNT], { timeoutMs: 15_000 }),
    ),
  );
  const wrong = results
    .filter((r) => r.code !== 0 || !/:\/labdata\s+fuse\.glusterfs$/.test(r.stdout.trim()))
    .map((r) => r.node);
  const ev = results.map(evidence);
  if (wrong.length > 0)
    return fail(
      `${VOLUME} is not mounted at ${MOUNT} on ${wrong.join(', ')}`,
      ev,
      `\`mount ${MOUNT}\` on the web node (the fstab line is written by the web role).`,
    );
  return pass(`${VOLUME} mounted (fuse.glusterfs) at ${MOUNT} on ${webs.join(', ')}`, ev);
}

/** Checks of the storage tier; the lead's runner imports this array. */
export const storageChecks: Check[] = [
  {
    id: 'storage.volume',
    tier: 'storage',
    title: 'Every brick of the GlusterFS volume is online and nothing is pending heal',
    skipReason: (ctx) =>
      nodesWithRole(ctx.lab, 'storage').length === 0
        ? 'the lab has no storage node'
        : storageNode(ctx)
          ? undefined
          : 'no storage node is running',
    run: bricksCheck,
  },
  {
    id: 'storage.mounted',
    tier: 'storage',
    title: 'Every web node has the shared volume mounted',
    skipReason: (ctx) =>
      nodesWithRole(ctx.lab, 'storage').length === 0
        ? 'the lab has no storage node: the one web node keeps its data directory on its own disk'
        : runningWith(ctx, 'web').length === 0
          ? 'no web node is running'
          : undefined,
    run: mountedCheck,
  },
];
