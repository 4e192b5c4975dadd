// Pure judgement of a load run: whether Nextcloud can take one, and the report from what was measured.
import type { VerifyReport } from '../checks/run.ts';
import { LabError } from '../core/errors.ts';
import type { GeneratorProgress } from '../drills/traffic.ts';
import type { RequestRecord } from '../drills/types.ts';
import { type HttpLogLine, tierSplit } from './haproxy.ts';
import {
  bounds,
  countByStatus,
  inWindow,
  operations,
  series,
  spanS,
  throughput,
  topFailures,
} from './stats.ts';
import type { DrillLoad, LoadReport, LoadSpec } from './types.ts';

/**
 * A load test goes through the real Nextcloud: its status, login and WebDAV checks must pass (the
 * config check may skip with one web node). Throws the checks' own reasons, e.g. no archive given.
 */
export function requireNextcloud(report: VerifyReport): void {
  const nc = report.checks.filter((c) => c.tier === 'nextcloud');
  const bad = nc.filter((c) => c.status === 'fail' || (c.status === 'skip' && c.id !== 'nextcloud.config'));
  if (nc.length > 0 && bad.length === 0) return;
  throw new LabError(
    'LOAD_NO_NEXTCLOUD',
    'A load test needs a working Nextcloud: it sends its users through Nextcloud itself',
    {
      hint:
        bad.find((c) => c.hint)?.hint ??
        'Run `npm run lab:verify` and fix the Nextcloud checks (the lab needs a Nextcloud archive).',
      details:
        nc.length === 0
          ? ['the lab has no Nextcloud checks']
          : bad.map((c) => `${c.id} ${c.status === 'skip' ? 'skipped' : 'failed'}: ${c.summary}`),
    },
  );
}

export interface LoadMeta {
  lab: string;
  provider: string;
  startedAt: string;
  runId: string;
  spec: LoadSpec;
  interrupted: boolean;
  error?: string;
}

/** The report of one run; ok when requests were answered, none failed and nothing went wrong. */
export function assembleLoad(
  meta: LoadMeta,
  records: RequestRecord[],
  progress: GeneratorProgress | null,
  log: { lines: HttpLogLine[]; notes: string[] },
  notes: string[],
): LoadReport {
  const failed = records.filter((r) => !r.ok).length;
  const total = records.length;
  const wallS = progress ? (progress.t - progress.t0) / 1000 : 0;
  const tiers = log.lines.length === 0 ? null : tierSplit(records, log.lines, meta.runId);
  if (tiers && tiers.matched < total)
    notes.push(
      `HAProxy's log has ${tiers.matched} of the ${total} requests (journald drops lines past its rate limit)`,
    );
  const out: LoadReport = {
    ok: false,
    ...meta,
    durationS: Math.round(spanS(records) * 10) / 10,
    requests: { total, failed, failedPct: total === 0 ? 0 : Math.round((failed / total) * 10000) / 100 },
    byStatus: countByStatus(records),
    failedByStatus: countByStatus(records.filter((r) => !r.ok)),
    operations: operations(records),
    throughput: throughput(records),
    tiers,
    generator: {
      cpuPct: progress && wallS > 0 ? Math.round((progress.cpuS / wallS) * 1000) / 10 : null,
      peakMiB: progress?.peakMiB ?? null,
    },
    series: series(records, total > 0 ? bounds(records).t0 : undefined),
    failures: topFailures(records),
    notes: [...notes, ...log.notes],
    files: {},
  };
  out.ok = total > 0 && failed === 0 && !meta.error && !meta.interrupted;
  return out;
}

/** What a drill's load saw over the whole drill and while the node was out. */
export function drillLoad(spec: LoadSpec, records: RequestRecord[], from: number, to: number): DrillLoad {
  return {
    scenario: spec.scenario,
    users: spec.users,
    whole: inWindow(records, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
    fault: inWindow(records, from, to),
  };
}
