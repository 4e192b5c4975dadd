// The shapes of a load run: what is asked for, and the report (its --json summary is in report/load.ts).

export const LOAD_SCENARIOS = ['transfer', 'activity'] as const;
export type LoadScenario = (typeof LOAD_SCENARIOS)[number];

/** What `lab load` (and `lab drill --load`) runs: resolved options, defaults applied. */
export interface LoadSpec {
  scenario: LoadScenario;
  users: number;
  /** Users start no new iteration after this; undefined with iterations alone (then a 1 h cap). */
  durationS?: number;
  /** Iterations per user; undefined: as many as fit in the duration. */
  iterations?: number;
  /** transfer: the size of each file. */
  sizeBytes: number;
  /** Users start spread over this many seconds. */
  rampS: number;
  /** Mean pause between a user's requests (uniform over 0.5x-1.5x). */
  thinkS: number;
  /** Seeds the random files and documents: the same seed sends the same bytes. */
  seed: number;
  /** Keep the run's Nextcloud accounts (and their files) afterwards. */
  keep: boolean;
}

/** Nearest-rank percentiles and the maximum, in ms. */
export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One operation (a user step such as upload or doc-read) over the run. */
export interface OpStats {
  op: string;
  requests: number;
  failed: number;
  ms: Latency | null;
  mib: number;
}

/** A request's time split by tier, ms: medians or 95th percentiles over the requests HAProxy logged. */
export interface TierTimes {
  /** The whole request as the client measured it. */
  client: number;
  /** Client side of HAProxy: TLS handshake, network, anything before HAProxy saw the request (client - Ta). */
  outside: number;
  /** HAProxy receiving the request headers (TR). */
  request: number;
  /** Waiting in HAProxy's queues for a server slot (Tw). */
  queue: number;
  /** Connecting to the web node (Tc). */
  connect: number;
  /** From the request sent to the web node's response headers (Tr): the body upload included. */
  response: number;
  /** The web node's own time (Apache %D): Apache, PHP-FPM, Nextcloud and its wait on db/redis/storage. */
  web: number | null;
  /** HAProxy's whole active time (Ta). */
  haproxy: number;
}

export interface TierRow {
  op: string;
  /** Requests of this operation found in an lb's log. */
  matched: number;
  p50: TierTimes;
  p95: TierTimes;
}

/** One time bucket of the run. */
export interface SeriesPoint {
  /** Seconds from the run's start to the bucket's start. */
  t: number;
  requests: number;
  failed: number;
  mib: number;
  p50: number | null;
  p95: number | null;
}

/** What the load saw in a window: requests in flight during it, failures by status, latency. */
export interface LoadWindow {
  requests: number;
  failed: number;
  /** Failed requests by HTTP status ('0': no HTTP answer: timeout, refused, reset). */
  failedByStatus: Record<string, number>;
  ms: Latency | null;
}

/** The load a drill ran beside its own traffic, and what it saw while the node was out. */
export interface DrillLoad {
  scenario: LoadScenario;
  users: number;
  whole: LoadWindow;
  /** From the halt until the node was back in service (or the end of the traffic). */
  fault: LoadWindow;
}

export interface LoadReport {
  ok: boolean;
  lab: string;
  provider: string;
  startedAt: string;
  runId: string;
  spec: LoadSpec;
  /** From the first request sent to the last answer. */
  durationS: number;
  requests: { total: number; failed: number; failedPct: number };
  /** Every answer by HTTP status ('0': no HTTP answer). */
  byStatus: Record<string, number>;
  /** The failed ones by HTTP status (a 200 with a wrong checksum is a failed 200). */
  failedByStatus: Record<string, number>;
  operations: OpStats[];
  throughput: { requestsPerS: number; mibPerS: number };
  /** null when no lb logged the run's requests (the notes say why). */
  tiers: { matched: number; rows: TierRow[] } | null;
  /** The generator's own cost: CPU as a share of one core over its run, and peak memory. */
  generator: { cpuPct: number | null; peakMiB: number | null };
  series: SeriesPoint[];
  /** The most frequent distinct failures. */
  failures: { op: string; status: number; err: string; count: number }[];
  notes: string[];
  interrupted: boolean;
  error?: string;
  files: { json?: string; markdown?: string; svg?: string; records?: string };
}
