// Stopping a node: graceful (SIGTERM to nspawn) or a power cut (cable out, then SIGKILL to the container's init).
import { basename } from 'node:path';
import { LabError } from '../../core/errors.ts';
import type { LabPaths } from '../../core/paths.ts';
import { cgroupProcs } from './cgroups.ts';
import { waitFor } from './exec.ts';
import { type MachineRecord, machineFiles } from './machine.ts';
import { unmountUnder } from './mounts.ts';
import { bridgeName } from './naming.ts';
import { linkDown, removeNodeLink } from './network.ts';
import { childPids, isOurNspawn, processRunning, readPid } from './process.ts';

// How long an orderly poweroff may take before it becomes a power cut.
export const GRACEFUL_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 20_000;

/** The recorded nspawn pid when it is alive and really ours; undefined for a stale or missing pid file. */
export function runningPid(paths: LabPaths, record: MachineRecord): number | undefined {
  const pid = readPid(machineFiles(paths, record.node).pid);
  return pid !== undefined && isOurNspawn(pid, record.machine) ? pid : undefined;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: that is what we wanted.
  }
}

/**
 * Power cut. The link goes down first so peers see silence rather than a clean TCP close; then SIGKILL
 * to the container's init (killing nspawn would leave the container running), which ends its pid namespace.
 */
export async function powerCut(paths: LabPaths, record: MachineRecord): Promise<void> {
  await linkDown(record.veth);
  const pid = runningPid(paths, record);
  if (pid !== undefined) {
    for (const init of childPids(pid)) kill(init, 'SIGKILL');
    if (!(await waitFor(() => !processRunning(pid), EXIT_TIMEOUT_MS))) kill(pid, 'SIGKILL');
    await waitFor(() => !processRunning(pid), EXIT_TIMEOUT_MS);
  }
  await killOrphans(record);
  await release(paths, record);
}

/** Graceful stop: nspawn turns SIGTERM into an orderly poweroff of the container; a power cut after the deadline. */
export async function shutdown(
  paths: LabPaths,
  record: MachineRecord,
  timeoutMs = GRACEFUL_TIMEOUT_MS,
): Promise<boolean> {
  const pid = runningPid(paths, record);
  if (pid !== undefined) {
    kill(pid, 'SIGTERM');
    if (!(await waitFor(() => !processRunning(pid), timeoutMs, 200))) {
      await powerCut(paths, record);
      return false;
    }
  }
  await release(paths, record);
  return true;
}

// After a crash the recorded nspawn may be gone while its container still runs: its cgroup still knows it.
async function killOrphans(record: MachineRecord): Promise<void> {
  const left = () => cgroupProcs(record.cgroup).filter(processRunning);
  for (const pid of left()) kill(pid, 'SIGKILL');
  if (!(await waitFor(() => left().length === 0, EXIT_TIMEOUT_MS))) {
    throw new LabError('NSPAWN_STUCK', `Processes of ${record.node} survive SIGKILL: ${left().join(' ')}`, {
      hint: `Look at them with ps -o pid,stat,cmd -p <pid>; a process in D state waits on I/O (e.g. a FUSE mount).`,
    });
  }
}

// A stopped node holds no namespace, veth or mount: only its disk (the upper layer) stays.
async function release(paths: LabPaths, record: MachineRecord): Promise<void> {
  await removeNodeLink(record, bridgeName(basename(paths.root)));
  await unmountUnder(machineFiles(paths, record.node).root);
}
