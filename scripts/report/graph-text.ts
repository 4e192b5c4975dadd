// The lab's live state as terminal lines, for `lab graph --watch`: one line per node under its tier.
import type { Lab } from '../core/model.ts';
import type { LiveState } from '../drills/live.ts';
import { type State, topology } from './topology.ts';

const MARK: Record<State, string> = { up: '●', down: '○', unknown: '·' };

/** Each tier, then each node: its state mark, name, what it serves now and what its balancers say of it. */
export function renderText(lab: Lab, live?: LiveState): string {
  const t = topology(lab, live);
  const names = new Map(t.tiers.flatMap((tier) => tier.boxes.map((b) => [b.id, b.name] as const)));
  const width = Math.max(...[...names.values()].map((n) => n.length));
  const lines: string[] = [];
  for (const tier of t.tiers) {
    lines.push(tier.title);
    for (const b of tier.boxes) {
      const seen = t.links
        .filter((l) => l.to === b.id && l.state !== 'unknown' && l.label)
        .map((l) => `${names.get(l.from)}: ${l.label}`);
      const holders = t.links
        .filter((l) => l.from === b.id && l.style === 'thick')
        .map((l) => names.get(l.to));
      const what = [
        ...b.badges,
        ...(b.vip ? [holders.length > 0 ? `on ${holders.join(', ')}` : ''] : []),
        ...seen,
      ].filter(Boolean);
      lines.push(
        `  ${MARK[b.state]} ${b.name.padEnd(width)}  ${b.lines[0]}${what.length ? `  ${what.join('; ')}` : ''}`,
      );
    }
  }
  lines.push('', `${MARK.up} running/UP  ${MARK.down} down/not UP  ${MARK.unknown} not known`);
  return lines.join('\n');
}
