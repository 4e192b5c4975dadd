// Runs role steps on nodes: uploads provision/, feeds the environment, logs, and reads the markers.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LabError } from '../core/errors.ts';
import { REPO_ROOT } from '../core/model.ts';
import { redact, type Secrets } from '../core/secrets.ts';
import { exportLines } from './env.ts';
import type { Remote } from './remote.ts';

export const REMOTE_DIR = '/opt/lab/provision';
const STEP_TIMEOUT_MS = 20 * 60_000;

export interface StepOutcome {
  node: string;
  label: string;
  code: number;
  changes: string[];
  outputs: Record<string, string>;
  skips: string[];
  states: string[];
  ms: number;
  tail: string[];
}

/** Every file under provision/, LF endings whatever the checkout (Windows users). */
export function provisionFiles(
  dir = join(REPO_ROOT, 'provision'),
): { path: string; content: string; mode: number }[] {
  const files: { path: string; content: string; mode: number }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else
        files.push({
          path: relative(dir, full),
          content: readFileSync(full, 'utf8').replace(/\r\n/g, '\n'),
          mode: name.endsWith('.sh') ? 0o755 : 0o644,
        });
    }
  };
  walk(dir);
  return files;
}

/** The hash a node's provision tree is known by (its `.bundle` file): of every path, mode and content. */
export function provisionHash(files = provisionFiles()): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${f.mode}\0${f.content}\0`);
  return hash.digest('hex').slice(0, 16);
}

/** A bash script that recreates the provision tree in one round trip, replacing the old one atomically. */
export function bundleScript(files: { path: string; content: string; mode: number }[]): {
  script: string;
  hash: string;
} {
  const digest = provisionHash(files);
  const lines = ['set -euo pipefail', `t=${REMOTE_DIR}.new`, 'rm -rf "$t"', 'mkdir -p "$t"'];
  for (const f of files) {
    lines.push(`mkdir -p "$t/$(dirname '${f.path}')"`);
    lines.push(
      `base64 -d > "$t/${f.path}" <<'__LAB_EOF__'`,
      Buffer.from(f.content)
        .toString('base64')
        .replace(/(.{76})/g, '$1\n'),
      '__LAB_EOF__',
    );
    lines.push(`chmod ${f.mode.toString(8)} "$t/${f.path}"`);
  }
  lines.push(`echo ${digest} > "$t/.bundle"`, `rm -rf ${REMOTE_DIR}`, `mv "$t" ${REMOTE_DIR}`);
  return { script: `${lines.join('\n')}\n`, hash: digest };
}

/** Uploads provision/ unless the node already has this exact bundle. */
export async function uploadProvision(
  remote: Remote,
  node: string,
  bundle: { script: string; hash: string },
): Promise<boolean> {
  const current = await remote.exec(node, ['cat', `${REMOTE_DIR}/.bundle`]);
  if (current.code === 0 && current.stdout.trim() === bundle.hash) return false;
  const r = await remote.exec(node, ['bash', '-s'], { stdin: bundle.script, timeoutMs: 120_000 });
  if (r.code !== 0)
    throw new LabError(
      'UPLOAD_FAILED',
      `Uploading provision/ to ${node} failed (exit ${r.code}): ${r.stderr.trim()}`,
    );
  return true;
}

/** Runs `run.sh <role> <step>` on a node, logging every line (secrets redacted) to logs/<node>.log. */
export async function runStep(
  remote: Remote,
  opts: {
    node: string;
    role: string;
    step: string;
    env: Record<string, string>;
    logDir: string;
    secrets: Secrets;
    signal?: AbortSignal;
  },
): Promise<StepOutcome> {
  const { node, role, step } = opts;
  const label = `${node} ${role} ${step}`;
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${node}.log`);
  appendFileSync(logFile, `\n=== ${new Date().toISOString()} ${role} ${step}\n`);
  const out: StepOutcome = {
    node,
    label,
    code: 0,
    changes: [],
    outputs: {},
    skips: [],
    states: [],
    ms: 0,
    tail: [],
  };
  const onLine = (stream: 'stdout' | 'stderr', raw: string) => {
    let line = raw;
    const marker = /^::lab-(changed|output|skip|state) ?(.*)$/.exec(line);
    if (marker && stream === 'stdout') {
      const [, kind, rest = ''] = marker;
      if (kind === 'changed') out.changes.push(rest);
      else if (kind === 'skip') out.skips.push(rest);
      else if (kind === 'state') out.states.push(rest);
      if (kind !== 'output') {
        line = `${kind}: ${rest}`;
      } else {
        const eq = rest.indexOf('=');
        if (eq > 0) out.outputs[rest.slice(0, eq)] = rest.slice(eq + 1);
        appendFileSync(logFile, `::lab-output ${rest.slice(0, Math.max(eq, 0))}=<hidden>\n`);
        return;
      }
    }
    const safe = redact(line, opts.secrets);
    appendFileSync(logFile, `${stream === 'stderr' ? '! ' : ''}${safe}\n`);
    out.tail.push(safe);
    if (out.tail.length > 25) out.tail.shift();
  };
  const argv = ['bash', `${REMOTE_DIR}/run.sh`, role, step];
  const r = await remote.exec(node, argv, {
    stdin: `${exportLines(opts.env)}\n`,
    onLine,
    timeoutMs: STEP_TIMEOUT_MS,
    signal: opts.signal,
  });
  out.code = r.code;
  out.ms = r.ms;
  appendFileSync(logFile, `=== exit ${r.code} after ${r.ms} ms, ${out.changes.length} change(s)\n`);
  return out;
}
