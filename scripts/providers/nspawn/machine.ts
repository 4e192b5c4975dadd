// One node's container on the host: its overlay disk, the files the provider owns in it, and its nspawn process.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LabError } from '../../core/errors.ts';
import type { Lab, Node } from '../../core/model.ts';
import type { LabPaths } from '../../core/paths.ts';
import { run } from './exec.ts';
import { mountsUnder } from './mounts.ts';
import { CONTAINER_IFNAME, cgroupPath, machineName, netnsName, vethName } from './naming.ts';

const LAUNCHER = join(dirname(new URL(import.meta.url).pathname), 'launch.sh');

/** What the provider made for one node, recorded so destroy finds it even when the lab file changed. */
export interface MachineRecord {
  node: string;
  machine: string;
  lowerdir: string;
  netns: string;
  veth: string;
  cgroup: string;
}

/** The files of one node under paths.machines/<node>/. */
export function machineFiles(paths: LabPaths, node: string) {
  const dir = join(paths.machines, node);
  const f = (name: string) => join(dir, name);
  return {
    dir,
    upper: f('upper'),
    work: f('work'),
    root: f('root'),
    pid: f('pid'),
    record: f('machine.json'),
  };
}

/** The node's record, or undefined when the provider never created it. */
export function readRecord(paths: LabPaths, node: string): MachineRecord | undefined {
  const file = machineFiles(paths, node).record;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MachineRecord) : undefined;
}

/**
 * Mounts the node's overlay (creating the disk the first time) and writes the files the provider owns.
 * The image a node was created from stays its lower layer even after a newer image is built.
 */
export async function mountDisk(
  lab: Lab,
  paths: LabPaths,
  node: Node,
  rootfs: string,
  publicKey: string,
): Promise<MachineRecord> {
  const files = machineFiles(paths, node.name);
  const fresh = !existsSync(files.record);
  const record: MachineRecord = readRecord(paths, node.name) ?? {
    node: node.name,
    machine: machineName(lab.name, node.name),
    lowerdir: rootfs,
    netns: netnsName(lab.name, node.name),
    veth: vethName(lab.name, node.name),
    cgroup: cgroupPath(lab.name, node.name),
  };
  if (!existsSync(record.lowerdir)) {
    throw new LabError(
      'NSPAWN_IMAGE_GONE',
      `${node.name} was made from ${record.lowerdir}, which no longer exists`,
      {
        hint: 'The image cache was cleared: destroy the lab and bring it up again.',
      },
    );
  }
  for (const d of [files.upper, files.work, files.root]) mkdirSync(d, { recursive: true });
  writeFileSync(files.record, `${JSON.stringify(record, null, 2)}\n`);
  if (!mountsUnder(files.root).includes(files.root)) {
    const options = `lowerdir=${record.lowerdir},upperdir=${files.upper},workdir=${files.work}`;
    await run(['mount', '-t', 'overlay', 'overlay', '-o', options, files.root]);
  }
  writeProviderFiles(lab, node, files.root, publicKey, fresh);
  return record;
}

// 10-lab.network sorts before systemd's 80-container-host0.network; no gateway: no route off the lab.
function writeProviderFiles(lab: Lab, node: Node, root: string, publicKey: string, fresh: boolean): void {
  const put = (path: string, content: string, mode = 0o644) => {
    mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, path), content, { mode });
  };
  put('etc/hostname', `${node.name}\n`);
  const network = `[Match]\nName=${CONTAINER_IFNAME}\n\n[Network]\nAddress=${node.ip}/${lab.subnet.prefix}\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`;
  put('etc/systemd/network/10-lab.network', network);
  mkdirSync(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  put('root/.ssh/authorized_keys', `${publicKey}\n`, 0o600);
  if (fresh)
    put(
      'etc/hosts',
      `127.0.0.1\tlocalhost\n127.0.1.1\t${node.name}\n::1\t\tlocalhost ip6-localhost ip6-loopback\n`,
    );
}

/** Starts systemd-nspawn in the background (surviving this process) and records its pid. */
export function launch(paths: LabPaths, node: Node, record: MachineRecord): number {
  const files = machineFiles(paths, node.name);
  const args = [
    ...[record.cgroup, '--boot', '--register=no', '--keep-unit', `--machine=${record.machine}`],
    ...[
      `--hostname=${node.name}`,
      `--directory=${files.root}`,
      `--network-namespace-path=/run/netns/${record.netns}`,
    ],
    // keepalived adds VIPs and GlusterFS clients mount through FUSE.
    ...[
      '--capability=CAP_NET_ADMIN',
      '--bind=/dev/fuse',
      '--resolv-conf=off',
      '--link-journal=no',
      '--console=read-only',
    ],
  ];
  mkdirSync(paths.logs, { recursive: true });
  const log = openSync(join(paths.logs, `${node.name}.console.log`), 'a');
  const child = spawn(LAUNCHER, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.on('error', () => {});
  child.unref();
  if (!child.pid) {
    throw new LabError('NSPAWN_LAUNCH', `Could not start ${LAUNCHER} for ${node.name}`, {
      hint: 'Check that the launcher is executable and systemd-nspawn is installed (apt-get install systemd-container).',
    });
  }
  writeFileSync(files.pid, `${child.pid}\n`);
  return child.pid;
}
