// The provider interface: everything above it (engine, checks, drills) is shared by Vagrant and nspawn.

import type { Lab, Node } from '../core/model.ts';
import type { SshConnection } from '../engine/ssh.ts';

export type ProviderName = 'vagrant' | 'nspawn';
export type NodeState = 'running' | 'stopped' | 'absent' | 'unknown';

export interface NodeStatus {
  name: string;
  state: NodeState;
  /** Provider words for the state, e.g. Vagrant's "poweroff" or "pid 1234". */
  detail?: string;
}

/** How the engine reaches a node: the same ssh2 connection for a VM and a container. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
}

export interface PreflightResult {
  id: string;
  ok: boolean;
  message: string;
  /** The fix, printed under a failed result. */
  hint?: string;
  /** A warning does not stop `up`. */
  warning?: boolean;
}

export interface ProviderOptions {
  signal?: AbortSignal;
  /** One line of progress for a node, e.g. "booting", "ssh ready". */
  onProgress?: (node: string, message: string) => void;
  /**
   * A provider that proves a node accepts SSH by logging in hands that connection here instead of
   * closing it (the engine's remote adopts it); one that does not, or with no taker, closes it.
   */
  keepSsh?: (node: string, connection: SshConnection, target: SshTarget) => void;
}

/** A snapshot save's options. */
export interface SnapshotSaveOptions extends ProviderOptions {
  /**
   * The directories of the lab's finished snapshots, most alike first (the one this save replaces, then
   * the newest): a provider that can share unchanged files between snapshots (nspawn) shares them.
   */
  earlier?: string[];
}

export interface SnapshotRestoreOptions extends ProviderOptions {
  /**
   * Small files to leave on a node's restored disk before it boots, by node: a provider that can
   * (nspawn) writes each one whose directory the saved disk holds; one that cannot (Vagrant: the disks
   * are the VMs') writes none. What reads them must do without them.
   */
  files?: Record<string, { path: string; content: string }[]>;
}

/** How a snapshot's disks were made consistent across nodes. */
export type SnapshotMode = 'frozen' | 'halted';

/** What saving a snapshot did: how, its size when the provider knows it, and whether it stopped the nodes. */
export interface SnapshotSaved {
  mode: SnapshotMode;
  bytes?: number;
  /** How long the running nodes were paused (frozen) for it. */
  pausedMs?: number;
  /** The running nodes were halted for it and are stopped now: `up` brings them back. */
  leftStopped: boolean;
}

export interface Provider {
  readonly name: ProviderName;
  /** Checks the host can run this lab; never changes anything. */
  preflight(lab: Lab): Promise<PreflightResult[]>;
  /** Creates missing machines and boots stopped ones; returns once each accepts SSH. Running ones are left alone. */
  up(nodes: Node[], opts?: ProviderOptions): Promise<void>;
  /** Graceful shutdown, or with force a power cut: peers see no clean close. */
  halt(node: Node, opts: { force: boolean } & ProviderOptions): Promise<void>;
  /** Boots a halted machine with its disk intact; returns once it accepts SSH. */
  start(node: Node, opts?: ProviderOptions): Promise<void>;
  /** Removes every machine, process, mount, network and file the provider made for this lab, and nothing else. */
  destroy(opts?: ProviderOptions): Promise<void>;
  status(): Promise<NodeStatus[]>;
  /**
   * Saves the disks of these nodes (every node of the lab) under a name, consistent across nodes: the
   * lab frozen or halted while it is taken. `dir` is .lab/<lab>/snapshots/<name>/, for what the provider
   * keeps; a snapshot already there, finished or not, is replaced.
   */
  snapshotSave(nodes: Node[], name: string, dir: string, opts?: SnapshotSaveOptions): Promise<SnapshotSaved>;
  /** Puts the saved disks back and leaves the nodes stopped or booting: `up` then brings the lab back. */
  snapshotRestore(nodes: Node[], name: string, dir: string, opts?: SnapshotRestoreOptions): Promise<void>;
  /** Removes what snapshotSave made. */
  snapshotDelete(nodes: Node[], name: string, dir: string, opts?: ProviderOptions): Promise<void>;
  sshTarget(node: Node): Promise<SshTarget>;
}
