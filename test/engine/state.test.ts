import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { beginRun, readState, stepId, writeState } from '../../scripts/engine/state.ts';

describe('state and resume', () => {
  it('starts a fresh run when nothing ran before', () => {
    const { run, resumed } = beginRun({}, undefined);
    expect(resumed).toBe(false);
    expect(run.steps).toEqual({});
  });

  it('resumes a failed run with the same selection, keeping its finished steps', () => {
    const steps = {
      [stepId('db1', 'db', 'bootstrap')]: { status: 'done' as const, changes: 4, ms: 10, at: 'x' },
    };
    const { run, resumed } = beginRun(
      { run: { id: 'a', status: 'failed', started: 'a', steps, changes: 4, only: ['db'] } },
      ['db'],
    );
    expect(resumed).toBe(true);
    expect(run.steps['db1:db/bootstrap']?.status).toBe('done');
    expect(run.status).toBe('running');
  });

  it('runs everything again after a finished run, or when the selection changed', () => {
    const done = {
      run: {
        id: 'a',
        status: 'done' as const,
        started: 'a',
        steps: { x: { status: 'done' as const, changes: 0, ms: 1, at: 'x' } },
        changes: 0,
      },
    };
    expect(beginRun(done, undefined).resumed).toBe(false);
    const failed = { run: { ...done.run, status: 'failed' as const, only: ['db'] } };
    expect(beginRun(failed, ['web']).resumed).toBe(false);
  });

  it('writes state atomically and reads it back; a missing or broken file reads as empty', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'state-')), 'state.json');
    expect(readState(file)).toEqual({});
    writeState(file, { provider: 'nspawn' });
    expect(readState(file)).toEqual({ provider: 'nspawn' });
  });
});
