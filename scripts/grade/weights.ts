// A teacher's weights for `lab verify --grade`: points per tier, shares per check, validated strictly.
import { existsSync, readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { Tier } from '../checks/types.ts';
import { LabError } from '../core/errors.ts';
import { formatProblem, type Problem } from '../core/model.ts';

/** The tiers in the order a lab is built: a tier's checks need the tiers before it. */
export const TIER_ORDER: readonly Tier[] = [
  'machines',
  'data',
  'redis',
  'router',
  'storage',
  'web',
  'lb',
  'nextcloud',
  'monitoring',
];

/** Points of each tier, and each check's share of its tier's points. */
export interface Weights {
  tiers: Record<Tier, number>;
  checks: Record<string, number>;
}

/**
 * The machines are what the teacher hands out (`up --machines-only`), so they are worth nothing by
 * default; every other tier is worth 10 points, shared equally by its checks.
 */
export const DEFAULT_TIER_POINTS = 10;
export function defaultWeights(): Weights {
  const tiers = Object.fromEntries(TIER_ORDER.map((t) => [t, t === 'machines' ? 0 : DEFAULT_TIER_POINTS]));
  return { tiers: tiers as Record<Tier, number>, checks: {} };
}

/** A check's share of its tier when the weights do not name it. */
export const DEFAULT_SHARE = 1;

const MAX_WEIGHT = 1000;

/** Parses weights text (YAML, or JSON, which is YAML too); throws one error listing every problem. */
export function parseWeights(text: string, file: string, checkIds: readonly string[]): Weights {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (path: string[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lines.linePos(node.range[0]).line : undefined;
  };
  if (doc.errors.length > 0)
    throw invalid(
      file,
      doc.errors.map((e) => ({
        path: '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
        line: e.linePos?.[0]?.line,
      })),
    );
  const { weights, problems } = weightsProblems(doc.toJS(), checkIds);
  // A check id has dots of its own: a path is the section, then the whole name.
  for (const p of problems) {
    const dot = p.path.indexOf('.');
    p.line = lineOf(dot < 0 ? [p.path] : [p.path.slice(0, dot), p.path.slice(dot + 1)]) ?? lineOf([p.path]);
  }
  if (problems.length > 0) throw invalid(file, problems);
  return weights;
}

/** The weights in a parsed document over the defaults, and every problem with its path. */
export function weightsProblems(
  raw: unknown,
  checkIds: readonly string[],
): { weights: Weights; problems: Problem[] } {
  const weights = defaultWeights();
  const problems: Problem[] = [];
  if (raw === null || raw === undefined) return { weights, problems };
  if (!isMap(raw)) {
    problems.push({ path: '(top)', message: 'must be a map with the keys tiers and checks' });
    return { weights, problems };
  }
  for (const key of Object.keys(raw).filter((k) => k !== 'tiers' && k !== 'checks'))
    problems.push({ path: key, message: 'unknown key (a weights file has only tiers and checks)' });
  const section = (key: 'tiers' | 'checks', known: readonly string[], what: string) => {
    const value = raw[key];
    if (value === undefined || value === null) return [];
    if (!isMap(value)) {
      problems.push({ path: key, message: `must be a map of ${what} to numbers` });
      return [];
    }
    return Object.entries(value).flatMap(([name, w]): [string, number][] => {
      const path = `${key}.${name}`;
      if (!known.includes(name))
        problems.push({ path, message: `unknown ${what} '${name}'; ${what}s are: ${known.join(', ')}` });
      else if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > MAX_WEIGHT)
        problems.push({
          path,
          message: `must be a number from 0 to ${MAX_WEIGHT}, not ${JSON.stringify(w)}`,
        });
      else return [[name, w]];
      return [];
    });
  };
  for (const [tier, w] of section('tiers', TIER_ORDER, 'tier')) weights.tiers[tier as Tier] = w;
  for (const [id, w] of section('checks', checkIds, 'check id')) weights.checks[id] = w;
  return { weights, problems };
}

/** Reads a weights file; an absent or invalid one is an error naming the file. */
export function loadWeights(file: string, checkIds: readonly string[]): Weights {
  if (!existsSync(file))
    throw new LabError('WEIGHTS_INVALID', `No weights file at ${file}`, {
      hint: 'Pass --weights with the path to a YAML or JSON file (see "Grading a class" in the README).',
    });
  return parseWeights(readFileSync(file, 'utf8'), file, checkIds);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(file: string, problems: Problem[]): LabError {
  const sorted = [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return new LabError(
    'WEIGHTS_INVALID',
    `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    {
      hint: 'Fix each problem above (paths are keys in the weights file), then run the command again.',
      details: sorted.map(formatProblem),
    },
  );
}
