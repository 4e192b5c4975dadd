// The SVG timeline of one drill: every request as a mark on its web node's lane, the fault window shaded.
import type { DrillResult, RequestRecord } from '../drills/types.ts';

const W = 960;
const LEFT = 90;
const RIGHT = 20;
const TOP = 40;
const LANE = 28;
const COLORS = { ok: '#2e7d32', failed: '#c62828', fault: '#ffcdd2', recovery: '#fff3cd' };

/** Text for an SVG document: what a server sent may hold markup. */
export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Lanes: one per web node that answered, then one for requests no web node answered. */
export function lanes(records: RequestRecord[]): string[] {
  const webs = [...new Set(records.map((r) => r.web).filter((w): w is string => !!w))].sort();
  return [...webs, 'no answer'];
}

/** The time axis: a grid line and a seconds label every 1-600 s, about 12 in all, from TOP to bottom. */
export function axis(t0: number, t1: number, x: (t: number) => number, bottom: number, top = TOP): string[] {
  const span = t1 - t0;
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => span / (s * 1000) <= 12) ?? 600;
  const out: string[] = [];
  for (let s = 0; s * 1000 <= span; s += step) {
    const xs = x(t0 + s * 1000).toFixed(1);
    out.push(`<line x1="${xs}" y1="${top}" x2="${xs}" y2="${bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${xs}" y="${bottom + 14}" font-size="10" text-anchor="middle">${s}s</text>`);
  }
  return out;
}

/** Renders the timeline; pure, so tests can read the marks and the shaded windows. */
export function renderTimeline(drill: DrillResult, records: RequestRecord[]): string {
  const t0 = Math.min(drill.times.trafficStart, ...records.map((r) => r.t));
  const t1 = Math.max(drill.times.trafficEnd, ...records.map((r) => r.end), t0 + 1000);
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - RIGHT);
  const names = lanes(records);
  const bottom = TOP + names.length * LANE;
  const y = (r: RequestRecord) => TOP + (r.ok && r.web ? names.indexOf(r.web) : names.length - 1) * LANE + 4;
  const parts: string[] = [];
  const shade = (cls: string, from: number, to: number, color: string, label: string) =>
    parts.push(
      `<rect class="${cls}" x="${x(from).toFixed(1)}" y="${TOP}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${bottom - TOP}" fill="${color}"><title>${label}</title></rect>`,
    );
  if (drill.times.recovered !== null)
    shade('recovery', drill.times.restart, drill.times.recovered, COLORS.recovery, 'restarted, rejoining');
  shade('fault', drill.times.inject, drill.times.restart, COLORS.fault, `${drill.node} halted`);
  parts.push(...axis(t0, t1, x, bottom));
  names.forEach((n, i) => {
    parts.push(
      `<text x="${LEFT - 8}" y="${TOP + i * LANE + 18}" font-size="12" text-anchor="end">${esc(n)}</text>`,
    );
  });
  for (const r of records) {
    const cls = r.ok ? 'ok' : 'failed';
    const tip = `${r.kind} ${r.status} ${r.ms} ms${r.web ? ` ${r.web}` : ''}${r.db ? `/${r.db}` : ''}${r.err ? `: ${r.err}` : ''}`;
    parts.push(
      `<rect class="req ${cls}" x="${x(r.t).toFixed(1)}" y="${y(r)}" width="2" height="${LANE - 8}" fill="${COLORS[cls]}"><title>${esc(tip)}</title></rect>`,
    );
  }
  const title = `${drill.scenario} ${drill.node}: ${drill.requests.total} requests, ${drill.requests.failed} failed, longest gap ${(drill.longestGapMs / 1000).toFixed(1)} s, ${drill.lostWrites} lost writes`;
  const legend = `<text x="${LEFT}" y="${bottom + 32}" font-size="11"><tspan fill="${COLORS.ok}">■ success</tspan>  <tspan fill="${COLORS.failed}">■ failed</tspan>  <tspan fill="#e57373">▒ node halted</tspan>  <tspan fill="#c9a227">▒ restarted, rejoining</tspan></text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${bottom + 44}" viewBox="0 0 ${W} ${bottom + 44}" font-family="sans-serif">`,
    `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
