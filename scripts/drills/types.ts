// The shapes drills pass around: one request record, one drill's result, the whole report.
import type { DrillLoad, LoadSpec } from '../load/types.ts';

/** The drill mix's requests; dav-put and dav-get: Nextcloud WebDAV (only when Nextcloud is installed). */
export type DrillKind = 'read' | 'session' | 'write' | 'readback' | 'dav-put' | 'dav-get';
/** The load test users' steps (provision/files/client/traffic-users.php). */
export type LoadKind =
  | 'login'
  | 'logout'
  | 'upload'
  | 'download'
  | 'delete'
  | 'doc-create'
  | 'doc-write'
  | 'doc-read'
  | 'doc-delete';

/** One request of the traffic generator, as written by provision/files/client/traffic.php. */
export interface RequestRecord {
  /** Sequence number within one generator run: with the run id, the X-Lab-Run header HAProxy logged. */
  seq: number;
  kind: DrillKind | LoadKind;
  /** Start and end, ms since the epoch (the client's clock). */
  t: number;
  end: number;
  status: number;
  ok: boolean;
  ms: number;
  web?: string;
  db?: string;
  /** curl's error, or why a 200 answer was not accepted (e.g. checksum mismatch). */
  err?: string;
  /** Writes: the id (for WebDAV, the path under the user's root) and the sha256 of the body acknowledged. */
  id?: string;
  sha256?: string;
  /** Session requests: the counter the server returned. */
  counter?: number;
  /** The web node's own time for the request (Apache's %D, X-Lab-Web-Time), in microseconds. */
  webUs?: number;
  /** Bytes sent and received (bodies). */
  bytes?: number;
  /** Load test: the virtual user (0-based) that sent it. */
  user?: number;
}

/** A write the server acknowledged: it must be present and identical after every drill. */
export interface AckedWrite {
  id: string;
  sha256: string;
  at: number;
  /** 'dav': a file PUT through Nextcloud's WebDAV (id is its path); else a probe write (row and file). */
  via?: 'dav';
}

export interface LostWrite {
  id: string;
  reason: string;
}

/** One measured target from the issue: e.g. at most 1% failed requests. */
export interface TargetResult {
  name: string;
  limit: number;
  value: number | null;
  ok: boolean;
}

/** One alert's firing window during a drill, in ms relative to the fault (negative: before it). */
export interface AlertWindow {
  /** The alert's name and where: e.g. "NodeDown (node=db1, instance=10.0.2.31:9100)". */
  alert: string;
  firedMs: number;
  /** null: still firing when the drill read the alerts. */
  resolvedMs: number | null;
  /** Resolution relative to the node's return (the restart command). */
  afterReturnMs: number | null;
}

export type Scenario = 'power-cut' | 'graceful-stop' | 'power-cycle';

export interface DrillResult {
  scenario: Scenario;
  /** The node halted, or "all" for a power cycle. */
  node: string;
  /** Why this node: e.g. "Galera writer (router1 sends MariaDB to it)". */
  reason: string;
  forced: boolean;
  requests: { total: number; failed: number; failedPct: number };
  longestGapMs: number;
  detectMs: number | null;
  detectedBy?: string;
  /** The monitoring (labs with a monitor node): each alert's window, and the first after the fault. */
  alerts?: AlertWindow[];
  firstAlertMs?: number | null;
  firstAlert?: string;
  recoverMs: number | null;
  lostWrites: number;
  lost: LostWrite[];
  /** Acknowledged writes checked afterwards: this drill's and every earlier drill's on this lab. */
  ackedWrites: number;
  /** Writes acknowledged during this drill. */
  ackedThisDrill: number;
  perWeb: Record<string, number>;
  perDb: Record<string, number>;
  /** ms since the epoch: traffic start and end, halt, restart command, back in service. */
  times: {
    trafficStart: number;
    trafficEnd: number;
    inject: number;
    restart: number;
    recovered: number | null;
  };
  targets: TargetResult[];
  /** Verify-phase checks that did not pass (id: summary). */
  failedChecks: string[];
  notes: string[];
  error?: string;
  ok: boolean;
  /** With --load: what the load beside the drill saw. */
  load?: DrillLoad;
  /** logs: the bundle `lab logs` writes, collected when the drill failed. */
  files: { records?: string; svg?: string; loadRecords?: string; loadSvg?: string; logs?: string };
}

export interface DrillReport {
  ok: boolean;
  lab: string;
  provider: string;
  startedAt: string;
  drills: DrillResult[];
  /** Nodes --all left out because the guard refused them. */
  refused: { node: string; reasons: string[] }[];
  /** About the series as a whole (e.g. the load's accounts). */
  notes: string[];
  /** logs: the bundle collected when the series stopped because the lab was not steady. */
  files: { json?: string; markdown?: string; logs?: string };
}

/** What `lab drill` passes: one of halt, haltRole, all, powerCycle. */
export interface DrillOptions {
  halt?: string;
  haltRole?: string;
  all?: boolean;
  powerCycle?: boolean;
  graceful?: boolean;
  force?: boolean;
  observeMs?: number;
  /** Requests per second from the client (default 10). */
  rate?: number;
  /** A load (closed-loop Nextcloud users) beside each drill's traffic. */
  load?: LoadSpec;
}
