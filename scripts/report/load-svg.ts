// The SVG chart of a load run over time: latency (p50 and p95) above, throughput (requests/s and MiB/s)
// below, failures as red bars, and an optional shaded window (a drill's fault).
import type { SeriesPoint } from '../load/types.ts';
import { axis, esc } from './svg.ts';

const W = 960;
const LEFT = 70;
const RIGHT = 70;
const PANEL = 160;
const GAP = 40;
const TOP = 40;
const COLORS = { p50: '#1565c0', p95: '#ef6c00', requests: '#2e7d32', mib: '#6a1b9a', failed: '#c62828' };

export interface ChartOptions {
  title: string;
  /** Seconds from the run's start: a window to shade, e.g. the node halted during a drill. */
  shade?: { from: number; to: number; label: string };
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least the maximum. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((m) => m * p >= max) ?? 10) * p;
}

function line(points: [number, number][], color: string, cls: string): string {
  if (points.length === 0) return '';
  const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  return `<path class="${cls}" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
}

/** Renders the chart; pure, so tests can read its lines, bars and scales. */
export function renderLoadChart(series: SeriesPoint[], opts: ChartOptions): string {
  const width = series.length > 1 ? series[1]!.t - series[0]!.t : 1;
  const span = Math.max(1, (series.at(-1)?.t ?? 0) + width);
  const x = (t: number) => LEFT + (t / span) * (W - LEFT - RIGHT);
  const mid = (p: SeriesPoint) => x(p.t + width / 2);
  const top2 = TOP + PANEL + GAP;
  const bottom = top2 + PANEL;
  const msMax = niceMax(Math.max(0, ...series.map((p) => p.p95 ?? 0)));
  const rps = series.map((p) => p.requests / width);
  const mibs = series.map((p) => p.mib / width);
  const rMax = niceMax(Math.max(0, ...rps));
  const mMax = niceMax(Math.max(0, ...mibs));
  const y1 = (v: number) => TOP + PANEL - (v / msMax) * PANEL;
  const y2 = (v: number, max: number) => top2 + PANEL - (v / max) * PANEL;
  const parts: string[] = [];
  if (opts.shade) {
    const [a, b] = [x(opts.shade.from), x(Math.max(opts.shade.from, opts.shade.to))];
    for (const top of [TOP, top2])
      parts.push(
        `<rect class="shade" x="${a.toFixed(1)}" y="${top}" width="${Math.max(1, b - a).toFixed(1)}" height="${PANEL}" fill="#ffcdd2"><title>${esc(opts.shade.label)}</title></rect>`,
      );
  }
  parts.push(...axis(0, span * 1000, (t) => x(t / 1000), TOP + PANEL, TOP));
  parts.push(...axis(0, span * 1000, (t) => x(t / 1000), bottom, top2));
  for (const [top, label, color, anchor, xs] of [
    [TOP, `${msMax} ms`, '#333', 'end', LEFT - 6],
    [top2, `${rMax} req/s`, COLORS.requests, 'end', LEFT - 6],
    [top2, `${mMax} MiB/s`, COLORS.mib, 'start', W - RIGHT + 6],
  ] as const)
    parts.push(
      `<text x="${xs}" y="${top + 10}" font-size="11" fill="${color}" text-anchor="${anchor}">${label}</text>`,
    );
  for (const top of [TOP, top2])
    parts.push(
      `<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`,
    );
  for (const p of series.filter((s) => s.failed > 0))
    parts.push(
      `<rect class="failed" x="${x(p.t).toFixed(1)}" y="${TOP + PANEL - 6}" width="${Math.max(1, x(p.t + width) - x(p.t)).toFixed(1)}" height="6" fill="${COLORS.failed}"><title>${p.failed} failed at ${p.t} s</title></rect>`,
    );
  const has = (k: 'p50' | 'p95') => series.filter((p) => p[k] !== null);
  parts.push(
    line(
      has('p50').map((p) => [mid(p), y1(p.p50!)]),
      COLORS.p50,
      'p50',
    ),
  );
  parts.push(
    line(
      has('p95').map((p) => [mid(p), y1(p.p95!)]),
      COLORS.p95,
      'p95',
    ),
  );
  parts.push(
    line(
      series.map((p, i) => [mid(p), y2(rps[i]!, rMax)]),
      COLORS.requests,
      'requests',
    ),
  );
  parts.push(
    line(
      series.map((p, i) => [mid(p), y2(mibs[i]!, mMax)]),
      COLORS.mib,
      'mib',
    ),
  );
  const legend = `<text x="${LEFT}" y="${bottom + 32}" font-size="11"><tspan fill="${COLORS.p50}">— p50 latency</tspan>  <tspan fill="${COLORS.p95}">— p95 latency</tspan>  <tspan fill="${COLORS.failed}">■ failed requests</tspan>  <tspan fill="${COLORS.requests}">— requests/s</tspan>  <tspan fill="${COLORS.mib}">— MiB/s</tspan>${opts.shade ? `  <tspan fill="#e57373">▒ ${esc(opts.shade.label)}</tspan>` : ''}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${bottom + 44}" viewBox="0 0 ${W} ${bottom + 44}" font-family="sans-serif">`,
    `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${esc(opts.title)}</text>`,
    ...parts.filter(Boolean),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
