// `lab logs`: one .lab/<lab>/logs-<stamp>.tar.gz with every node's journal, role logs, rendered configs
// and the tool's own log, collected in parallel and redacted with the tool's one redaction.
import { isUtf8 } from 'node:buffer';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { redact, type Secrets } from '../core/secrets.ts';
import type { LabContext } from '../engine/context.ts';
import { logsCommand } from './remote.ts';
import { readTar, type TarEntry, writeTar } from './tar.ts';

/** What came back from one node. */
export interface NodeLogs {
  node: string;
  status: 'collected' | 'not running' | 'failed';
  error?: string;
  files: number;
  bytes: number;
  ms: number;
}

/** The bundle written and what each node gave. */
export interface LogsBundle {
  file: string;
  nodes: NodeLogs[];
  ms: number;
}

// A node that does not answer in time is reported as failed; the bundle is written with the others.
const NODE_DEADLINE_MS = 45_000;

/** Every secret in an entry replaced by its name; a file that is not UTF-8 is read byte for byte. */
export function redactEntries(entries: TarEntry[], secrets: Secrets): TarEntry[] {
  return entries.map((e) => {
    const encoding = isUtf8(e.data) ? 'utf8' : 'latin1';
    const clean = redact(e.data.toString(encoding), secrets);
    return { ...e, data: Buffer.from(clean, encoding) };
  });
}

/** What one node gave: the files its tar sent and the tool's own log of it. */
export interface NodePart {
  info: NodeLogs;
  remote: TarEntry[];
  toolLog?: TarEntry;
}

/**
 * The gzipped bundle: `<top>/manifest.json`, then each node's files under `<top>/<node>/` and its tool
 * log as `<top>/<node>/tool.log`, every entry redacted.
 */
export function buildBundle(top: string, manifest: object, parts: NodePart[], secrets: Secrets): Buffer {
  const at = Date.now() / 1000;
  const entries = [
    { path: `${top}/manifest.json`, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), mtime: at },
    ...parts.flatMap(({ info, remote, toolLog }) =>
      [...remote, ...(toolLog ? [{ ...toolLog, path: 'tool.log' }] : [])].map((e) => ({
        ...e,
        path: `${top}/${info.node}/${e.path.replace(/^\/+/, '')}`,
      })),
    ),
  ];
  return gzipSync(writeTar(redactEntries(entries, secrets)));
}

function toolLog(ctx: LabContext, node: string): TarEntry | undefined {
  const file = join(ctx.paths.logs, `${node}.log`);
  if (!existsSync(file)) return undefined;
  return { path: 'tool.log', data: readFileSync(file), mtime: statSync(file).mtimeMs / 1000 };
}

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function fromNode(ctx: LabContext, node: string, sinceS?: number): Promise<TarEntry[]> {
  const r = await deadline(
    ctx.remote.exec(node, logsCommand(sinceS), { timeoutMs: NODE_DEADLINE_MS }),
    NODE_DEADLINE_MS,
    node,
  );
  if (r.stdout.trim() === '')
    throw new Error(`exit ${r.code}, no archive: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  return readTar(gunzipSync(Buffer.from(r.stdout, 'base64')));
}

/**
 * Collects from every running node (or `opts.nodes`) at once and writes the bundle; a node that is not
 * running still gets its tool log. Throws only when the bundle cannot be written.
 */
export async function collectLogs(
  ctx: LabContext,
  opts: { nodes?: string[]; sinceS?: number; reason?: string } = {},
): Promise<LogsBundle> {
  const t0 = Date.now();
  const stamp = new Date(t0).toISOString().replace(/[:.]/g, '-');
  const top = `${ctx.lab.name}-logs-${stamp}`;
  const running = await ctx.running();
  const names = opts.nodes ?? ctx.lab.nodes.map((n) => n.name);
  const parts = await Promise.all(
    names.map(async (node): Promise<NodePart> => {
      const started = Date.now();
      const info: NodeLogs = { node, status: 'not running', files: 0, bytes: 0, ms: 0 };
      let remote: TarEntry[] = [];
      if (running.has(node)) {
        try {
          remote = await fromNode(ctx, node, opts.sinceS);
          info.status = 'collected';
        } catch (e) {
          info.status = 'failed';
          info.error = e instanceof Error ? e.message : String(e);
        }
      }
      const own = toolLog(ctx, node);
      info.files = remote.length + (own ? 1 : 0);
      info.bytes = [...remote, ...(own ? [own] : [])].reduce((sum, e) => sum + e.data.length, 0);
      info.ms = Date.now() - started;
      return { info, remote, toolLog: own };
    }),
  );
  const nodes = parts.map((p) => p.info);
  const manifest = {
    lab: ctx.lab.name,
    at: new Date(t0).toISOString(),
    sinceS: opts.sinceS,
    reason: opts.reason,
    nodes,
  };
  mkdirSync(ctx.paths.root, { recursive: true });
  const file = join(ctx.paths.root, `logs-${stamp}.tar.gz`);
  writeFileSync(file, buildBundle(top, manifest, parts, ctx.secrets));
  return { file, nodes, ms: Date.now() - t0 };
}

/**
 * A bundle after a failed drill: the journal from a minute before `fromMs`. Never throws, so a failure
 * to collect never hides the drill's own result; it returns the file, or undefined and says why.
 */
export async function collectAfterFailure(
  ctx: LabContext,
  fromMs: number,
  reason: string,
  warn: (message: string) => void,
): Promise<string | undefined> {
  try {
    const sinceS = Math.ceil((Date.now() - fromMs) / 1000) + 60;
    const bundle = await collectLogs(ctx, { sinceS, reason });
    const failed = bundle.nodes.filter((n) => n.status === 'failed').map((n) => n.node);
    if (failed.length > 0) warn(`logs bundle without ${failed.join(', ')} (did not answer)`);
    return bundle.file;
  } catch (e) {
    warn(`could not write a logs bundle: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
