// The nspawn process of a node, seen through /proc: is it ours, alive, and which pid is the container's init.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: an exited nspawn whose parent never reaped it still answers kill(pid, 0). */
export function processRunning(pid: number): boolean {
  const stat = readProc(pid, 'stat');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Whether pid is the launcher or systemd-nspawn for this machine, not an unrelated process that reused the pid. */
export function isOurNspawn(pid: number, machine: string): boolean {
  const argv = (readProc(pid, 'cmdline') ?? '').split('\0');
  const program = argv.some((a) => a.endsWith('systemd-nspawn') || a.endsWith('/launch.sh'));
  return program && argv.includes(`--machine=${machine}`) && processRunning(pid);
}

/** The children of a process (the container's init is the only child of systemd-nspawn). */
export function childPids(pid: number): number[] {
  const listed = readProc(pid, `task/${pid}/children`);
  if (listed !== undefined) return listed.trim().split(/\s+/).filter(Boolean).map(Number);
  // Kernels without CONFIG_PROC_CHILDREN: scan every process's parent.
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && existsSync(`/proc/${d}/stat`))
    .filter((d) => {
      const stat = readProc(Number(d), 'stat') ?? '';
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    })
    .map(Number);
}

/** Reads a pid file; undefined when missing or not a number. */
export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
