// What the monitoring saw during a drill: per alert, when it fired and resolved relative to the fault,
// read from Prometheus's ALERTS series over the drill's window (a range query, one sample a second).

import { describeAlert } from '../checks/monitoring.ts';
import type { Lab } from '../core/model.ts';
import type { Remote } from '../engine/remote.ts';
import { apiGet, parseAlerts } from '../monitor/api.ts';
import { monitorNode } from '../monitor/config.ts';
import type { AlertWindow, DrillResult } from './types.ts';

const STEP_S = 1;
/** How long after the node's return the drill waits for its alerts to resolve (the issue's target: 60 s). */
export const RESOLVE_WAIT_MS = 60_000;
/** ... and at least this long after the lab was back (every check passing again). */
export const BACK_WAIT_MS = 20_000;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Parses a query_range answer of ALERTS{alertstate="firing"}. */
export function parseRange(text: string): RangeSeries[] {
  const doc = JSON.parse(text) as { status?: string; data?: { result?: RangeSeries[] }; error?: string };
  if (doc.status !== 'success') throw new Error(`Prometheus answered ${doc.error ?? text.slice(0, 200)}`);
  return doc.data?.result ?? [];
}

/**
 * Each firing alert's windows (a series present, a gap of more than one step, present again: two
 * windows), in ms relative to the fault; `resolvedMs` null while it still fired at `endS`.
 */
export function alertWindows(
  series: RangeSeries[],
  injectMs: number,
  restartMs: number,
  endS: number,
): AlertWindow[] {
  const out: AlertWindow[] = [];
  for (const s of series) {
    const { alertstate: _, __name__: __, ...labels } = s.metric;
    const name = describeAlert({ name: labels.alertname ?? '', labels, state: 'firing' });
    let start: number | undefined;
    let prev = 0;
    const close = (lastS: number, open: boolean) => {
      const resolved = open ? null : (lastS + STEP_S) * 1000;
      out.push({
        alert: name,
        firedMs: start! * 1000 - injectMs,
        resolvedMs: resolved === null ? null : resolved - injectMs,
        afterReturnMs: resolved === null ? null : resolved - restartMs,
      });
    };
    for (const [t] of s.values) {
      if (start !== undefined && t - prev > STEP_S * 1.5) {
        close(prev, false);
        start = undefined;
      }
      start ??= t;
      prev = t;
    }
    if (start !== undefined) close(prev, prev >= endS - STEP_S * 1.5);
  }
  return out.sort((a, b) => a.firedMs - b.firedMs || a.alert.localeCompare(b.alert));
}

/** The first alert that fired after the fault (none that fired before it count). */
export function firstAlert(windows: AlertWindow[]): AlertWindow | undefined {
  return windows.find((w) => w.firedMs >= 0);
}

/**
 * After recovery: waits (up to RESOLVE_WAIT_MS after the node's return, and BACK_WAIT_MS after the lab
 * was back) until no alert fires, then reads
 * the alerts of the whole drill. A lab without a monitor node gets a note instead.
 */
export async function drillAlerts(
  ctx: { lab: Lab; remote: Remote },
  times: DrillResult['times'],
  settleMs = 5000,
): Promise<Pick<DrillResult, 'alerts' | 'firstAlertMs' | 'firstAlert'> & { note?: string }> {
  if (!monitorNode(ctx.lab)) return { note: 'alerts: none measured (the lab has no monitor node)' };
  try {
    // A node that takes longer than that to be back in service keeps its alerts: wait for them a while.
    const until = Math.max(times.restart + RESOLVE_WAIT_MS, (times.recovered ?? 0) + BACK_WAIT_MS);
    while (Date.now() < until) {
      const r = await apiGet(ctx.remote, ctx.lab, '/api/v1/alerts');
      if (r.code === 0 && parseAlerts(r.stdout).every((a) => a.state !== 'firing')) break;
      await sleep(2000);
    }
    // One more evaluation, so the range ends after the last resolution was written.
    await sleep(settleMs);
    const from = Math.floor(times.trafficStart / 1000);
    const to = Math.ceil(Date.now() / 1000);
    const q = encodeURIComponent('ALERTS{alertstate="firing"}');
    const r = await apiGet(
      ctx.remote,
      ctx.lab,
      `/api/v1/query_range?query=${q}&start=${from}&end=${to}&step=${STEP_S}`,
    );
    if (r.code !== 0)
      return { note: `alerts: Prometheus did not answer (${r.stderr.trim() || `exit ${r.code}`})` };
    const alerts = alertWindows(parseRange(r.stdout), times.inject, times.restart, to);
    const first = firstAlert(alerts);
    return { alerts, firstAlertMs: first?.firedMs ?? null, firstAlert: first?.alert };
  } catch (e) {
    return { note: `alerts: could not read them (${e instanceof Error ? e.message : String(e)})` };
  }
}
