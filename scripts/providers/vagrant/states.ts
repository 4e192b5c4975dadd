// Vagrant's machine states and progress records in the provider interface's words: pure.
import type { NodeStatus, ProviderOptions } from '../types.ts';
import type { MachineRecord } from './machine-readable.ts';

// VirtualBox: poweroff, aborted, saved; libvirt: shutoff (and paused, crashed). All keep their disk.
const STOPPED = new Set(['poweroff', 'aborted', 'saved', 'shutoff', 'paused', 'crashed']);

/** A node's status from its Vagrant state id; anything unexpected is 'unknown' with Vagrant's word. */
export function nodeStatus(name: string, state: string | undefined): NodeStatus {
  if (state === undefined) return { name, state: 'unknown', detail: 'not in vagrant status' };
  if (state === 'running') return { name, state: 'running', detail: state };
  if (state === 'not_created') return { name, state: 'absent', detail: state };
  if (STOPPED.has(state)) return { name, state: 'stopped', detail: state };
  return { name, state: 'unknown', detail: state };
}

/** Turns `vagrant up` records into one progress line per step (`==> web1: Booting VM...`). */
export function progressFrom(
  onProgress: ProviderOptions['onProgress'],
): ((r: MachineRecord) => void) | undefined {
  if (!onProgress) return undefined;
  return (r) => {
    if (r.type !== 'ui' || !r.target) return;
    const text = (r.data.slice(1).join(',').split('\n')[0] ?? '').replace(/^==> [^:]+: /, '').trim();
    if (text) onProgress(r.target, text);
  };
}
