// The lab's state file: which provider owns it and which steps of the last run finished, for resume.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProviderName } from '../providers/types.ts';

export interface StepRecord {
  status: 'done' | 'failed';
  changes: number;
  ms: number;
  at: string;
}

export interface RunRecord {
  id: string;
  status: 'running' | 'done' | 'failed';
  started: string;
  finished?: string;
  only?: string[];
  /** Step records keyed by `node:role/step`. */
  steps: Record<string, StepRecord>;
  changes: number;
}

export interface LabState {
  provider?: ProviderName;
  run?: RunRecord;
}

export function readState(file: string): LabState {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch {
    return {};
  }
}

/** Written through a temporary file so an interrupted write never leaves half a state. */
export function writeState(file: string, state: LabState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * The run to record into: the interrupted one when the last run did not finish with the same
 * selection (so its finished steps are skipped), otherwise a fresh run in which every step runs again.
 */
export function beginRun(
  state: LabState,
  only: string[] | undefined,
  now = new Date(),
): { run: RunRecord; resumed: boolean } {
  const prev = state.run;
  const same = JSON.stringify(prev?.only ?? []) === JSON.stringify(only ?? []);
  if (prev && prev.status !== 'done' && same) {
    return { run: { ...prev, status: 'running' }, resumed: true };
  }
  return {
    run: {
      id: now.toISOString(),
      status: 'running',
      started: now.toISOString(),
      only,
      steps: {},
      changes: 0,
    },
    resumed: false,
  };
}

export function stepId(node: string, role: string, step: string): string {
  return `${node}:${role}/${step}`;
}
