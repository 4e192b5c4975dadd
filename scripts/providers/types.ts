// The provider interface: everything above it (engine, checks, drills) is shared by Vagrant and nspawn.
import type { Lab, Node } from '../core/model.ts';

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
  sshTarget(node: Node): Promise<SshTarget>;
}
