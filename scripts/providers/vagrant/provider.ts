// The Vagrant provider: VirtualBox or libvirt machines from the lab's generated Vagrantfile.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../core/errors.ts';
import type { Lab, Node } from '../../core/model.ts';
import type { LabPaths } from '../../core/paths.ts';
import { writeVagrantfile } from '../../core/render.ts';
import type {
  NodeStatus,
  PreflightResult,
  Provider,
  ProviderOptions,
  SnapshotSaved,
  SshTarget,
} from '../types.ts';
import { VagrantCli, type VagrantProviderName } from './cli.ts';
import { detectVagrant, resolveLibvirtDriver } from './detect.ts';
import { vagrantPreflight } from './preflight.ts';
import { waitForSshBanner } from './ssh-ready.ts';
import { nodeStatus, progressFrom } from './states.ts';

export interface VagrantProviderOptions {
  /** VirtualBox or libvirt; else the one existing machines use, else VAGRANT_DEFAULT_PROVIDER, else detected. */
  provider?: VagrantProviderName;
  /** How long a booted machine may take to greet on SSH. */
  sshTimeoutMs?: number;
}

/** Vagrant machines for one lab, driven through the vagrant CLI with VAGRANT_CWD at .lab/<lab>/. */
export class VagrantProvider implements Provider {
  readonly name = 'vagrant' as const;
  private chosen?: VagrantProviderName;
  private readonly targets = new Map<string, SshTarget>();

  constructor(
    private readonly lab: Lab,
    private readonly paths: LabPaths,
    private readonly opts: VagrantProviderOptions = {},
  ) {
    this.chosen = opts.provider;
  }

  preflight(lab: Lab): Promise<PreflightResult[]> {
    return vagrantPreflight(lab, { provider: this.chosen ?? this.existingProvider() });
  }

  async up(nodes: Node[], opts: ProviderOptions = {}): Promise<void> {
    const cli = await this.cli(true);
    const states = await cli.status([], { signal: opts.signal });
    const toStart = nodes.filter((n) => states.get(n.name)?.state !== 'running').map((n) => n.name);
    for (const n of nodes)
      opts.onProgress?.(n.name, toStart.includes(n.name) ? 'booting' : 'already running');
    if (toStart.length > 0) {
      for (const name of toStart) this.targets.delete(name);
      await cli.up(toStart, { signal: opts.signal, onRecord: progressFrom(opts.onProgress) });
    }
    await this.waitRunning(cli, nodes, opts);
  }

  async halt(node: Node, opts: { force: boolean } & ProviderOptions): Promise<void> {
    const cli = await this.cli(false);
    this.targets.delete(node.name);
    opts.onProgress?.(node.name, opts.force ? 'power cut (halt -f)' : 'shutting down');
    await cli.halt(node.name, opts.force, { signal: opts.signal });
  }

  async start(node: Node, opts: ProviderOptions = {}): Promise<void> {
    const cli = await this.cli(true);
    this.targets.delete(node.name);
    opts.onProgress?.(node.name, 'booting');
    await cli.up([node.name], { signal: opts.signal, onRecord: progressFrom(opts.onProgress) });
    await this.waitRunning(cli, [node], opts);
  }

  /** destroy -f every machine, then remove the Vagrantfile and .vagrant/ and nothing else. */
  async destroy(opts: ProviderOptions = {}): Promise<void> {
    this.targets.clear();
    if (existsSync(this.vagrantDir())) {
      const cli = await this.cli(true);
      await cli.destroy([], { signal: opts.signal });
    }
    rmSync(this.vagrantDir(), { recursive: true, force: true });
    rmSync(this.paths.vagrantfile, { force: true });
  }

  async status(): Promise<NodeStatus[]> {
    // No machine id under .vagrant/ means Vagrant never created a machine here: no need to ask it.
    if (!this.existingProvider()) return this.lab.nodes.map((n) => ({ name: n.name, state: 'absent' }));
    const states = await (await this.cli(true)).status();
    return this.lab.nodes.map((n) => nodeStatus(n.name, states.get(n.name)?.state));
  }

  /**
   * `vagrant snapshot save` of every machine, halted first: machines snapshotted one after another while
   * running would each hold another moment of Galera and GlusterFS. They are left halted; `up` brings
   * them back (and Galera with them). A provider without snapshots fails with VAGRANT_NO_SNAPSHOTS.
   */
  async snapshotSave(
    nodes: Node[],
    name: string,
    dir: string,
    opts: ProviderOptions = {},
  ): Promise<SnapshotSaved> {
    // `vagrant snapshot save` refuses a name that is taken.
    if (existsSync(dir)) await this.snapshotDelete(nodes, name, dir, opts);
    const cli = await this.cli(true);
    const states = await cli.status([], { signal: opts.signal });
    const running = nodes.filter((n) => states.get(n.name)?.state === 'running');
    for (const n of running) {
      this.targets.delete(n.name);
      opts.onProgress?.(n.name, 'shutting down for the snapshot');
      await cli.halt(n.name, false, { signal: opts.signal });
    }
    for (const n of nodes) {
      opts.onProgress?.(n.name, `vagrant snapshot save ${name}`);
      await cli.snapshotSave(n.name, name, { signal: opts.signal });
    }
    mkdirSync(dir, { recursive: true });
    return { mode: 'halted', leftStopped: running.length > 0 };
  }

  /** Power-cuts every machine (what runs now is thrown away), then `vagrant snapshot restore` each. */
  async snapshotRestore(
    nodes: Node[],
    name: string,
    _dir: string,
    opts: ProviderOptions = {},
  ): Promise<void> {
    const cli = await this.cli(true);
    for (const n of nodes) {
      this.targets.delete(n.name);
      await cli.halt(n.name, true, { signal: opts.signal });
      opts.onProgress?.(n.name, `vagrant snapshot restore ${name}`);
      await cli.snapshotRestore(n.name, name, { signal: opts.signal });
    }
  }

  async snapshotDelete(nodes: Node[], name: string, dir: string, opts: ProviderOptions = {}): Promise<void> {
    if (existsSync(this.vagrantDir())) {
      const cli = await this.cli(false);
      for (const n of nodes) await cli.snapshotDelete(n.name, name, { signal: opts.signal });
    }
    rmSync(dir, { recursive: true, force: true });
  }

  async sshTarget(node: Node): Promise<SshTarget> {
    const cached = this.targets.get(node.name);
    if (cached) return cached;
    const target = await (await this.cli(false)).sshConfig(node.name);
    this.targets.set(node.name, target);
    return target;
  }

  /** Waits until each node is running, has an SSH address, and its SSH server greets. */
  private async waitRunning(cli: VagrantCli, nodes: Node[], opts: ProviderOptions): Promise<void> {
    const states = await cli.status([], { signal: opts.signal });
    const down = nodes.filter((n) => states.get(n.name)?.state !== 'running');
    if (down.length > 0) {
      const list = down.map((n) => `${n.name} (${states.get(n.name)?.state ?? 'missing'})`).join(', ');
      throw new LabError(
        'VAGRANT_NOT_RUNNING',
        `vagrant up finished but these machines are not running: ${list}`,
        {
          hint: `Run \`vagrant up ${down[0]!.name}\` in ${this.paths.root} to see why.`,
        },
      );
    }
    await Promise.all(
      nodes.map(async (n) => {
        const target = await this.sshTarget(n);
        await waitForSshBanner(n.name, target, this.opts.sshTimeoutMs ?? 300_000, opts.signal);
        opts.onProgress?.(n.name, 'ssh ready');
      }),
    );
  }

  /** The CLI for this lab; with `write`, the Vagrantfile is (re)written from the lab file first. */
  private async cli(write: boolean): Promise<VagrantCli> {
    const provider = await this.provider();
    if (write || !existsSync(this.paths.vagrantfile)) {
      const libvirtDriver = provider === 'libvirt' ? resolveLibvirtDriver(this.lab).driver : undefined;
      writeVagrantfile(this.lab, this.paths, { libvirtDriver });
    }
    return new VagrantCli(this.paths.root, this.lab, provider);
  }

  private async provider(): Promise<VagrantProviderName> {
    this.chosen ??= this.existingProvider() ?? envProvider();
    if (this.chosen) return this.chosen;
    const found = await detectVagrant();
    if (!found.usable || !found.provider) {
      throw new LabError('VAGRANT_NO_PROVIDER', `Vagrant cannot run machines here: ${found.reason}`, {
        hint: 'Install VirtualBox, or libvirt with the vagrant-libvirt plugin, or use --provider nspawn on Linux.',
      });
    }
    this.chosen = found.provider;
    return found.provider;
  }

  private vagrantDir(): string {
    return join(this.paths.root, '.vagrant');
  }

  // Vagrant keeps .vagrant/machines/<node>/<provider>/id for each machine it created.
  private existingProvider(): VagrantProviderName | undefined {
    const machines = join(this.vagrantDir(), 'machines');
    if (!existsSync(machines)) return undefined;
    for (const node of readdirSync(machines)) {
      for (const p of ['virtualbox', 'libvirt'] as const) {
        if (existsSync(join(machines, node, p, 'id'))) return p;
      }
    }
    return undefined;
  }
}

function envProvider(): VagrantProviderName | undefined {
  const p = process.env.VAGRANT_DEFAULT_PROVIDER;
  return p === 'virtualbox' || p === 'libvirt' ? p : undefined;
}
