// `lab status --all`: every lab on this host with its state and memory, whichever checkout made it.
import { dirname } from 'node:path';
import { EXIT } from '../core/errors.ts';
import { labPaths } from '../core/paths.ts';
import { type HostLab, hostLabs } from '../providers/nspawn/labs.ts';
import type { Args } from './args.ts';

const SOURCES =
  "nspawn labs from their bridges (nhl-*), their cgroups and this checkout's .lab/; Vagrant labs from this checkout's .lab/ only (their state: `lab status --lab NAME`)";

function memoryText(l: HostLab): string {
  if (!l.memory) return '-';
  const mib = l.memory.bytes / 1048576;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(0)} MiB`;
}

function ownerText(l: HostLab, base: string): string {
  if (l.mine) return 'this checkout';
  if (l.stateRoot) return l.stateRoot.startsWith(`${base}/`) ? 'this checkout' : l.stateRoot;
  return 'another checkout (its bridge has no owner tag)';
}

/** The table: one line per lab. */
export function statusAllText(labs: HostLab[], base: string): string {
  const rows = labs.map((l) => [
    l.name,
    l.provider,
    l.state,
    l.provider === 'vagrant' ? `${l.nodes}` : `${l.running}/${l.nodes}`,
    memoryText(l),
    l.hostAddress ?? '-',
    ownerText(l, base),
  ]);
  const head = ['lab', 'provider', 'state', 'running', 'memory', 'host address', 'made by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const sources = [...new Set(labs.map((l) => l.memory?.source).filter(Boolean))].map((s) =>
    s === 'rss'
      ? "its processes' resident sets summed (no memory cgroup: shared pages counted per process)"
      : `cgroup ${s}`,
  );
  return [
    labs.length === 0 ? 'no lab on this host' : `${labs.length} lab(s) on this host`,
    ...(labs.length === 0 ? [] : [line(head), ...rows.map(line)]),
    `  (seen: ${SOURCES}${sources.length ? `; memory: ${sources.join(', ')}` : ''})`,
  ].join('\n');
}

export async function statusAllCommand(args: Args, out: (text: string) => void): Promise<number> {
  const base = dirname(labPaths('x').root);
  const labs = await hostLabs(base);
  out(args.json ? JSON.stringify({ labs, seen: SOURCES }) : statusAllText(labs, base));
  return EXIT.ok;
}
