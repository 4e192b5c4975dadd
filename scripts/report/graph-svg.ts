// The lab's topology as an SVG: one row per tier, each node a box coloured by its live state.
import type { Lab } from '../core/model.ts';
import type { LiveState } from '../drills/live.ts';
import { type Box, type State, type Tier, topology } from './topology.ts';

const BOX_W = 170;
const GAP = 30;
const ROW = 130;
const TOP = 50;
const LINE = 14;
const COLOR: Record<State, { stroke: string; fill: string }> = {
  up: { stroke: '#2e7d32', fill: '#e8f5e9' },
  down: { stroke: '#c62828', fill: '#ffebee' },
  unknown: { stroke: '#607d8b', fill: '#f5f5f5' },
};

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Placed {
  x: number;
  y: number;
  w: number;
  h: number;
}

function place(tiers: Tier[], width: number, boxH: number): Map<string, Placed> {
  const at = new Map<string, Placed>();
  tiers.forEach((tier, row) => {
    const total = tier.boxes.length * BOX_W + (tier.boxes.length - 1) * GAP;
    const y = TOP + row * ROW;
    tier.boxes.forEach((b, i) => {
      at.set(b.id, { x: (width - total) / 2 + i * (BOX_W + GAP), y, w: BOX_W, h: boxH });
    });
    // A link to the tier itself (web -> storage) ends at the middle of its row.
    at.set(tier.id, { x: (width - total) / 2, y, w: total, h: boxH });
  });
  return at;
}

function drawBox(b: Box, p: Placed): string[] {
  const c = COLOR[b.state];
  const dash = b.state === 'down' ? ' stroke-dasharray="6 3"' : '';
  const width = b.badges.length > 0 && !b.vip ? 3 : 1.5;
  const shape = b.vip
    ? `<ellipse cx="${p.x + p.w / 2}" cy="${p.y + p.h / 2}" rx="${p.w / 2}" ry="${p.h / 2}" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${width}"${dash}/>`
    : `<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" rx="6" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${width}"${dash}/>`;
  const texts = [b.name, ...b.lines, ...b.badges].map((t, i) => {
    const weight = i === 0 ? ' font-weight="bold"' : i > b.lines.length ? ` fill="${c.stroke}"` : '';
    return `<text x="${p.x + p.w / 2}" y="${p.y + 18 + i * LINE}" font-size="${i === 0 ? 13 : 11}" text-anchor="middle"${weight}>${esc(t)}</text>`;
  });
  return [`<g class="box ${b.state}" id="${b.id}">`, shape, ...texts, '</g>'];
}

/** The SVG of the lab's topology; with `live`, states, holders and HAProxy's view of each server. */
export function renderGraphSvg(lab: Lab, live?: LiveState, title?: string): string {
  const t = topology(lab, live);
  const widest = Math.max(...t.tiers.map((tier) => tier.boxes.length));
  const width = Math.max(760, widest * (BOX_W + GAP) + 160);
  const lines = Math.max(
    ...t.tiers.flatMap((tier) => tier.boxes.map((b) => 1 + b.lines.length + b.badges.length)),
  );
  const boxH = 14 + lines * LINE;
  const at = place(t.tiers, width, boxH);
  const height = TOP + t.tiers.length * ROW + 20;
  const parts: string[] = [];
  // Labels of the links into one box sit at staggered heights near it, so two balancers' do not overlap.
  const into = (id: string) => t.links.filter((l) => l.to === id && l.label);
  for (const l of t.links) {
    const a = at.get(l.from);
    const b = at.get(l.to);
    if (!a || !b) continue;
    const [x1, y1, x2, y2] = [a.x + a.w / 2, a.y + a.h, b.x + b.w / 2, b.y];
    const c = COLOR[l.state].stroke;
    const style =
      l.style === 'thick' ? ' stroke-width="3"' : l.style === 'dotted' ? ' stroke-dasharray="3 3"' : '';
    parts.push(
      `<line class="link ${l.state}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${c}"${style}/>`,
    );
    if (!l.label) continue;
    const peers = into(l.to);
    const f = peers.length === 1 ? 0.75 : 0.45 + (0.45 * peers.indexOf(l)) / (peers.length - 1);
    const [lx, ly] = [x1 + f * (x2 - x1), y1 + f * (y2 - y1)];
    parts.push(
      `<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" font-size="10" text-anchor="middle" fill="${c}">${esc(l.label)}</text>`,
    );
  }
  t.tiers.forEach((tier, row) => {
    parts.push(
      `<text x="12" y="${TOP + row * ROW + 16}" font-size="11" fill="#555">${esc(tier.title)}</text>`,
    );
    for (const b of tier.boxes) parts.push(...drawBox(b, at.get(b.id)!));
  });
  const heading = title ?? `${lab.name}: ${t.live ? 'live state' : 'topology from the lab file'}`;
  const legend = t.live
    ? `<text x="12" y="${height - 6}" font-size="11"><tspan fill="${COLOR.up.stroke}">■ running / UP</tspan>  <tspan fill="${COLOR.down.stroke}">■ down / not UP</tspan>  <tspan fill="${COLOR.unknown.stroke}">■ not known</tspan>  thick: serving now</text>`
    : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<text x="12" y="24" font-size="15" font-weight="bold">${esc(heading)}</text>`,
    ...parts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
