// The nspawn provider: each node a systemd-nspawn container on an overlay of the shared image, one bridge per lab.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../core/errors.ts';
import type { Lab, Node } from '../../core/model.ts';
import type { LabPaths } from '../../core/paths.ts';
import { ensureLabKey } from '../../core/sshkey.ts';
import type {
  NodeStatus,
  PreflightResult,
  Provider,
  ProviderOptions,
  SnapshotRestoreOptions,
  SnapshotSaved,
  SnapshotSaveOptions,
  SshTarget,
} from '../types.ts';
import { canFreeze, cgroupProcs, removeCgroup, removeEmptyCgroup, setFrozen } from './cgroups.ts';
import { ensureImage } from './image.ts';
import { ensureInotifyInstances, MIN_INOTIFY_INSTANCES } from './limits.ts';
import { launch, type MachineRecord, machineFiles, mountDisk, readRecord } from './machine.ts';
import { removeTree } from './mounts.ts';
import { bridgeName } from './naming.ts';
import { bridgeConflict, bridgeTaken, createNodeLink, deleteBridge, ensureBridge } from './network.ts';
import { powerCut, runningPid, shutdown } from './power.ts';
import { nspawnPreflight } from './preflight.ts';
import { restoreUppers, saveUppers } from './snapshot.ts';
import { waitForSsh } from './ssh-probe.ts';

// Boot to SSH measured well under 10 s; the margin covers a loaded 2-core host booting ten at once.
const SSH_TIMEOUT_MS = 120_000;

/** Runs a lab's nodes as systemd-nspawn containers on this Linux host (root only). */
export class NspawnProvider implements Provider {
  readonly name = 'nspawn' as const;

  constructor(
    private readonly lab: Lab,
    private readonly paths: LabPaths,
  ) {}

  preflight(lab: Lab): Promise<PreflightResult[]> {
    return nspawnPreflight(lab, { stateRoot: this.paths.root, haveMachines: this.records().length > 0 });
  }

  async up(nodes: Node[], opts: ProviderOptions = {}): Promise<void> {
    const rootfs = await ensureImage({
      signal: opts.signal,
      onProgress: (m) => opts.onProgress?.('image', m),
    });
    const raised = ensureInotifyInstances();
    if (raised !== undefined)
      opts.onProgress?.(
        'host',
        `fs.inotify.max_user_instances raised from ${raised} to ${MIN_INOTIFY_INSTANCES}`,
      );
    await ensureBridge(this.lab, this.paths.root, this.records().length > 0);
    await this.thaw();
    // Every node gets its chance: one that fails to boot does not hide what happened to the others.
    const results = await Promise.allSettled(nodes.map((n) => this.boot(n, rootfs, opts)));
    throwFailures(nodes, results);
  }

  async start(node: Node, opts: ProviderOptions = {}): Promise<void> {
    const record = readRecord(this.paths, node.name);
    if (!record) {
      throw new LabError('NSPAWN_NO_MACHINE', `${node.name} has no container to start`, {
        hint: 'Create it with `lab up` first.',
      });
    }
    ensureInotifyInstances();
    await ensureBridge(this.lab, this.paths.root, this.records().length > 0);
    await this.thaw();
    await this.boot(node, record.lowerdir, opts);
  }

  async halt(node: Node, opts: { force: boolean } & ProviderOptions): Promise<void> {
    const record = readRecord(this.paths, node.name);
    if (!record) return;
    opts.onProgress?.(node.name, opts.force ? 'power cut' : 'shutting down');
    if (opts.force) await powerCut(this.paths, record);
    else if (!(await shutdown(this.paths, record)))
      opts.onProgress?.(node.name, 'no clean shutdown in time: power cut');
    opts.onProgress?.(node.name, 'stopped');
  }

  /**
   * Removes only what this checkout's state says it made: its recorded nodes, then the bridge when its
   * owner tag is ours. A same-named lab of another checkout shares the cgroup and bridge names, so with
   * such a lab running, destroying ours would hit it: refused.
   */
  async destroy(opts: ProviderOptions = {}): Promise<void> {
    const records = this.records();
    const conflict = bridgeConflict(this.lab, this.paths.root, records.length > 0);
    if (conflict && records.length > 0) throw bridgeTaken(this.lab, bridgeName(this.lab.name), conflict);
    if (conflict) opts.onProgress?.(this.lab.name, `nothing of it in this checkout; ${conflict} left alone`);
    if (records.length > 0) await this.thaw();
    for (const record of records) {
      opts.onProgress?.(record.node, 'destroying');
      await powerCut(this.paths, record);
      removeCgroup(record.cgroup);
    }
    if (records.length > 0) removeEmptyCgroup(this.lab.name);
    await deleteBridge(this.lab, this.paths.root, records.length > 0);
    await removeTree(this.paths.machines);
  }

  snapshotSave(
    nodes: Node[],
    _name: string,
    dir: string,
    opts: SnapshotSaveOptions = {},
  ): Promise<SnapshotSaved> {
    return saveUppers(this.lab, this.paths, nodes, dir, opts);
  }

  snapshotRestore(
    nodes: Node[],
    _name: string,
    dir: string,
    opts: SnapshotRestoreOptions = {},
  ): Promise<void> {
    return restoreUppers(this.paths, nodes, dir, opts);
  }

  async snapshotDelete(_nodes: Node[], _name: string, dir: string): Promise<void> {
    await removeTree(dir);
  }

  async status(): Promise<NodeStatus[]> {
    return this.lab.nodes.map((n) => {
      const record = readRecord(this.paths, n.name);
      const pid = record ? runningPid(this.paths, record) : undefined;
      if (pid !== undefined) return { name: n.name, state: 'running', detail: `pid ${pid}` };
      if (record && cgroupProcs(record.cgroup).length > 0) {
        return {
          name: n.name,
          state: 'unknown',
          detail: 'container left running by a crashed nspawn: up or destroy cleans it',
        };
      }
      return {
        name: n.name,
        state: existsSync(machineFiles(this.paths, n.name).upper) ? 'stopped' : 'absent',
      };
    });
  }

  async sshTarget(node: Node): Promise<SshTarget> {
    return { host: node.ip, port: 22, user: 'root', privateKeyPath: ensureLabKey(this.paths).privateKeyPath };
  }

  // Running nodes are left alone (an interrupted up may have left one still booting: it is waited for);
  // stopped or new ones get their disk, a fresh link and a boot.
  private async boot(node: Node, rootfs: string, opts: ProviderOptions): Promise<void> {
    const existing = readRecord(this.paths, node.name);
    if (!existing || runningPid(this.paths, existing) === undefined) {
      // Whatever a crashed run left (an orphaned container, a mount, a namespace) goes before a new boot.
      if (existing) await powerCut(this.paths, existing);
      opts.onProgress?.(node.name, existing ? 'starting' : 'creating');
      const record = await mountDisk(this.lab, this.paths, node, rootfs, ensureLabKey(this.paths).publicKey);
      await createNodeLink(this.lab.name, record);
      // Not inside the optional call: `f?.(launch())` would skip launch() when there is no f.
      const pid = launch(this.paths, node, record);
      opts.onProgress?.(node.name, `booting (pid ${pid})`);
    }
    const consoleLog = join(this.paths.logs, `${node.name}.console.log`);
    const target = await this.sshTarget(node);
    const keep = opts.keepSsh;
    const ms = await waitForSsh(
      target,
      SSH_TIMEOUT_MS,
      opts.signal,
      keep && ((c) => keep(node.name, c, target)),
    ).catch((e: unknown) => {
      throw withConsoleTail(e, consoleLog);
    });
    opts.onProgress?.(node.name, `ssh ready after ${(ms / 1000).toFixed(1)} s`);
  }

  // A snapshot save killed while the lab was frozen (SIGKILL skips its finally) leaves it frozen.
  private async thaw(): Promise<void> {
    if (canFreeze(this.lab.name)) await setFrozen(this.lab.name, false);
  }

  // Every node this lab ever created, from the records on disk: destroy must also find nodes gone from the lab file.
  private records(): MachineRecord[] {
    if (!existsSync(this.paths.machines)) return [];
    return readdirSync(this.paths.machines)
      .map((name) => readRecord(this.paths, name))
      .filter((r): r is MachineRecord => r !== undefined);
  }
}

// The last lines of the node's console say why it did not come up (e.g. systemd failing to start).
function withConsoleTail(e: unknown, consoleLog: string): unknown {
  if (!(e instanceof LabError) || !existsSync(consoleLog)) return e;
  const tail = readFileSync(consoleLog, 'utf8').trimEnd().split('\n').slice(-8);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the console's colour codes
  const plain = tail.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  return new LabError(e.code, e.message, { hint: e.hint, cause: e, details: [`${consoleLog}:`, ...plain] });
}

// One failed node rethrows its own error; several become one error listing each.
function throwFailures(nodes: Node[], results: PromiseSettledResult<void>[]): void {
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ node: nodes[i]!.name, error: r.reason }] : [],
  );
  if (failed.length === 1) throw failed[0]!.error;
  if (failed.length === 0) return;
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  throw new LabError(
    'NSPAWN_UP_FAILED',
    `${failed.length} nodes did not come up: ${failed.map((f) => f.node).join(', ')}`,
    {
      hint: 'Read each node console log under logs/; `lab destroy` cleans up.',
      // Each node's own details (its console tail) stay under its line: one node's tail rarely explains another's.
      details: failed.flatMap((f) => [
        `${f.node}: ${message(f.error)}`,
        ...(f.error instanceof LabError ? f.error.details.map((d) => `    ${d}`) : []),
      ]),
      cause: failed[0]!.error,
    },
  );
}
