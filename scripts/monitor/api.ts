// Prometheus's HTTP API as the checks and drills read it: the answers' shapes and pure parsers, and
// one GET run with curl on the monitor node (Prometheus listens on the lab network only).
import type { Lab } from '../core/model.ts';
import type { ExecResult, Remote } from '../engine/remote.ts';
import { monitorNode, PORTS } from './config.ts';

export interface Target {
  job: string;
  node: string;
  instance: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface RuleGroup {
  name: string;
  rules: { name: string; health: string; lastError?: string; type: string }[];
}

export interface Alert {
  name: string;
  labels: Record<string, string>;
  state: 'firing' | 'pending' | 'inactive';
  activeAt?: string;
}

type Json = Record<string, unknown>;

function data(text: string): Json {
  const doc = JSON.parse(text) as { status?: string; data?: Json; error?: string };
  if (doc.status !== 'success' || !doc.data)
    throw new Error(`Prometheus answered ${doc.error ?? text.slice(0, 200)}`);
  return doc.data;
}

/** GET /api/v1/targets: the active targets. */
export function parseTargets(text: string): Target[] {
  const active = (data(text).activeTargets ?? []) as {
    labels: Record<string, string>;
    health: Target['health'];
    lastError: string;
  }[];
  return active.map((t) => ({
    job: t.labels.job ?? '',
    node: t.labels.node ?? '',
    instance: t.labels.instance ?? '',
    health: t.health,
    lastError: t.lastError ?? '',
  }));
}

/** GET /api/v1/rules: the loaded groups and each rule's health. */
export function parseRules(text: string): RuleGroup[] {
  const groups = (data(text).groups ?? []) as {
    name: string;
    rules: { name: string; health: string; lastError?: string; type: string }[];
  }[];
  return groups.map((g) => ({
    name: g.name,
    rules: g.rules.map((r) => ({ name: r.name, health: r.health, lastError: r.lastError, type: r.type })),
  }));
}

/** GET /api/v1/alerts: the alerts pending or firing now. */
export function parseAlerts(text: string): Alert[] {
  const alerts = (data(text).alerts ?? []) as {
    labels: Record<string, string>;
    state: Alert['state'];
    activeAt?: string;
  }[];
  return alerts.map((a) => ({
    name: a.labels.alertname ?? '',
    labels: a.labels,
    state: a.state,
    activeAt: a.activeAt,
  }));
}

/** Prometheus's base URL on the lab network, or undefined in a lab without a monitor node. */
export function prometheusUrl(lab: Lab): string | undefined {
  const mon = monitorNode(lab);
  return mon ? `http://${mon.ip}:${PORTS.prometheus}` : undefined;
}

/** curl of one API path (query string included) on the monitor node. */
export function apiGet(
  remote: Remote,
  lab: Lab,
  path: string,
  opts: { signal?: AbortSignal } = {},
): Promise<ExecResult> {
  const mon = monitorNode(lab);
  if (!mon) throw new Error(`lab ${lab.name} has no monitor node`);
  return remote.exec(mon.name, ['curl', '-fsS', '-m', '10', '-g', `${prometheusUrl(lab)}${path}`], {
    timeoutMs: 20_000,
    signal: opts.signal,
  });
}
