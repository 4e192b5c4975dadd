// The lab's topology as a Mermaid flowchart: one subgraph per tier, the live state in labels and classes.
import type { Lab } from '../core/model.ts';
import type { LiveState } from '../drills/live.ts';
import { type Box, type Link, topology } from './topology.ts';

// Mermaid's own entity for a double quote inside a quoted label.
const quote = (s: string) => s.replace(/"/g, '#quot;');

function label(b: Box): string {
  return quote([`<b>${b.name}</b>`, ...b.lines, ...b.badges.map((x) => `<i>${x}</i>`)].join('<br/>'));
}

function shape(b: Box): string {
  return b.vip ? `${b.id}(("${label(b)}"))` : `${b.id}["${label(b)}"]`;
}

const ARROW = { plain: '-->', thick: '==>', dotted: '-.->' } as const;

function edge(l: Link): string {
  return l.label
    ? `${l.from} ${ARROW[l.style]}|"${quote(l.label)}"| ${l.to}`
    : `${l.from} ${ARROW[l.style]} ${l.to}`;
}

/** The Mermaid source: the lab file's topology, and with `live` who runs and who serves what. */
export function renderMermaid(lab: Lab, live?: LiveState): string {
  const t = topology(lab, live);
  const lines = ['flowchart TB'];
  for (const tier of t.tiers) {
    lines.push(`  subgraph ${tier.id}["${quote(tier.title)}"]`);
    for (const b of tier.boxes) lines.push(`    ${shape(b)}`);
    lines.push('  end');
  }
  for (const l of t.links) lines.push(`  ${edge(l)}`);
  if (t.live) {
    lines.push(
      '  classDef up fill:#e8f5e9,stroke:#2e7d32',
      '  classDef down fill:#ffebee,stroke:#c62828,stroke-dasharray:4 3',
      '  classDef serving stroke-width:3px',
    );
    const boxes = t.tiers.flatMap((tier) => tier.boxes);
    for (const state of ['up', 'down'] as const) {
      const ids = boxes.filter((b) => b.state === state).map((b) => b.id);
      if (ids.length > 0) lines.push(`  class ${ids.join(',')} ${state}`);
    }
    const serving = boxes
      .filter((b) => !b.vip && b.badges.some((x) => !x.startsWith('brick')))
      .map((b) => b.id);
    if (serving.length > 0) lines.push(`  class ${serving.join(',')} serving`);
    // Mermaid numbers links in order; a link to a server HAProxy does not see UP is drawn red.
    t.links.forEach((l, i) => {
      if (l.state === 'down') lines.push(`  linkStyle ${i} stroke:#c62828`);
    });
  }
  return `${lines.join('\n')}\n`;
}
