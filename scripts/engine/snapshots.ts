// A lab's snapshots: names, where they live (.lab/<lab>/snapshots/NAME/), what each records, and when `up` takes one.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../core/errors.ts';
import type { Lab, Node } from '../core/model.ts';
import type { LabPaths } from '../core/paths.ts';
import type { ProviderName, SnapshotMode } from '../providers/types.ts';
import { selectNodes } from './plan.ts';

/** The snapshot `up --snapshot` takes when it finishes, and `lab reset` returns to. */
export const UP_SNAPSHOT = 'up';

/** What snapshot.json says about one snapshot. */
export interface SnapshotMeta {
  name: string;
  lab: string;
  provider: ProviderName;
  created: string;
  nodes: string[];
  /** The roles of a snapshot of part of the lab (`--only`, as `lab up --only` brought that part up). */
  only?: string[];
  mode: SnapshotMode;
  bytes?: number;
  /** How long saving took, and how long the running nodes were paused for it. */
  ms: number;
  pausedMs?: number;
  /** The lab as described when it was taken: `up` retakes its snapshot only when this changed. */
  labHash: string;
  /** The provision/ tree the nodes had (its bundle hash): a restore boots without provisioning only while it is the same. */
  provision?: string;
  /**
   * Each Galera node's start position (`uuid:seqno`) its saved disk recovers to, read off the first boot
   * of a restore: the same bytes recover to the same position, so later restores hand it to mariadb
   * (galera-start-position on the node) instead of a --wsrep-recover run. A save writes a record without it.
   */
  galeraStart?: Record<string, string>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** A snapshot name as given, or a usage error saying what a name may hold. */
export function snapshotName(name: string | undefined, action: string): string {
  if (name === undefined)
    throw new LabError('USAGE', `snapshot ${action} needs a NAME`, { hint: 'npm run lab -- help snapshot' });
  if (!NAME.test(name))
    throw new LabError(
      'USAGE',
      `'${name}' is no snapshot name: letters, digits, '.', '_' and '-', at most 63`,
      {
        hint: 'npm run lab -- help snapshot',
      },
    );
  return name;
}

/** The lab's snapshots directory, and one snapshot's. */
export function snapshotsDir(paths: LabPaths): string {
  return join(paths.root, 'snapshots');
}
export function snapshotDir(paths: LabPaths, name: string): string {
  return join(snapshotsDir(paths), name);
}

/** A fingerprint of the lab as described (nodes, addresses, roles, settings), not of where its file is. */
export function labHash(lab: Lab): string {
  const { file: _file, ...described } = lab;
  return createHash('sha256').update(JSON.stringify(described)).digest('hex').slice(0, 16);
}

/** One snapshot's record, or undefined when there is none (or it was never finished). */
export function readSnapshot(paths: LabPaths, name: string): SnapshotMeta | undefined {
  const file = join(snapshotDir(paths, name), 'snapshot.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SnapshotMeta;
  } catch {
    return undefined;
  }
}

/** Written last: a snapshot directory without it is an unfinished save. */
export function writeSnapshot(paths: LabPaths, meta: SnapshotMeta): void {
  writeFileSync(join(snapshotDir(paths, meta.name), 'snapshot.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Every finished snapshot of the lab, oldest first. */
export function listSnapshots(paths: LabPaths): SnapshotMeta[] {
  const dir = snapshotsDir(paths);
  if (!existsSync(dir)) return [];
  // A directory of another name (one a save was replacing when it was killed) is no snapshot.
  return readdirSync(dir)
    .map((name) => ({ name, meta: readSnapshot(paths, name) }))
    .filter((e) => e.meta?.name === e.name)
    .map((e) => e.meta as SnapshotMeta)
    .sort((a, b) => a.created.localeCompare(b.created));
}

/** The nodes a snapshot holds, as the lab describes them now (`only` picks them the way `up --only` does). */
export function snapshotNodes(lab: Lab, meta: Pick<SnapshotMeta, 'only'>): Node[] {
  return selectNodes(lab, meta.only);
}

/** Why a snapshot cannot be restored onto the lab as it is described now, or undefined when it can. */
export function restoreProblem(meta: SnapshotMeta, lab: Lab, provider: ProviderName): string | undefined {
  if (meta.provider !== provider) return `it was taken on ${meta.provider}, the lab runs on ${provider}`;
  const now = snapshotNodes(lab, meta)
    .map((n) => n.name)
    .sort();
  const then = [...meta.nodes].sort();
  if (JSON.stringify(now) !== JSON.stringify(then))
    return `it holds the nodes ${then.join(', ')}; the lab file now has ${now.join(', ')}${meta.only ? ` with the roles ${meta.only.join(',')}` : ''}`;
  return undefined;
}

/**
 * Why a restore of this snapshot must provision every role again as `lab up` does, or undefined when
 * booting it is enough (the lab file and provision/ are those it was taken with).
 */
export function provisionReason(meta: SnapshotMeta, lab: Lab, provision: string): string | undefined {
  if (meta.labHash !== labHash(lab)) return 'the lab file changed since it was taken';
  if (meta.mode !== 'frozen')
    return 'it was taken of halted machines: Galera comes back from a clean stop only through a bootstrap';
  if (!meta.provision) return 'it does not record the provision/ it was taken with (an older snapshot)';
  if (meta.provision !== provision) return 'provision/ changed since it was taken';
  return undefined;
}

/** Whether `up`, having just finished, takes the `up` snapshot, and why (for its progress line). */
export function upSnapshotPlan(
  existing: SnapshotMeta | undefined,
  lab: Lab,
  run: { only?: string[]; selected: number; machinesOnly: boolean; noSnapshot: boolean },
  provision?: string,
): { take: boolean; reason: string } {
  if (run.noSnapshot) return { take: false, reason: 'not asked for (`up --snapshot` takes it)' };
  if (run.machinesOnly) return { take: false, reason: '--machines-only: nothing provisioned to return to' };
  if (run.selected < lab.nodes.length)
    return { take: false, reason: `--only ${run.only?.join(',')}: not the whole lab` };
  if (!existing) return { take: true, reason: 'the first up that finished' };
  if (existing.labHash !== labHash(lab))
    return { take: true, reason: 'the lab file changed since it was taken' };
  // A reset boots a snapshot of the provision/ of now without provisioning again (warm.ts).
  if (provision && existing.provision !== provision)
    return { take: true, reason: 'provision/ changed since it was taken' };
  return {
    take: false,
    reason: `the one of ${existing.created} stays (\`lab snapshot save up --force\` retakes it)`,
  };
}

/** Where a restore leaves a Galera node's start position for mariadb (provision/files/db/galera-start-position). */
export const START_POSITION_FILE = '/var/lib/mysql/lab-start-position';

const POSITION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:\d+$/;

/** The files a restore of this snapshot leaves on its Galera nodes' disks: the positions it recorded. */
export function startPositionFiles(
  meta: Pick<SnapshotMeta, 'galeraStart'>,
  nodes: Node[],
): Record<string, { path: string; content: string }[]> {
  const files: Record<string, { path: string; content: string }[]> = {};
  for (const n of nodes) {
    const pos = meta.galeraStart?.[n.name];
    if (n.roles.includes('db') && pos && POSITION.test(pos))
      files[n.name] = [{ path: START_POSITION_FILE, content: `${pos}\n` }];
  }
  return files;
}

/**
 * The position galera_recovery found in this boot's mariadb journal, when it ran exactly once (a second
 * run recovered bytes that had changed since the restore) and found one.
 */
export function recoveredPosition(journal: string): string | undefined {
  const found = [...journal.matchAll(/WSREP: Recovered position:? +(\S+)/g)].map((m) => m[1] as string);
  return found.length === 1 && POSITION.test(found[0] as string) ? found[0] : undefined;
}
