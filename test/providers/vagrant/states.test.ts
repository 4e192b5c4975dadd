import { describe, expect, it } from 'vitest';
import { nodeStatus, progressFrom } from '../../../scripts/providers/vagrant/states.ts';

describe('Vagrant states', () => {
  it.each([
    ['running', 'running'],
    ['shutoff', 'stopped'],
    ['poweroff', 'stopped'],
    ['aborted', 'stopped'],
    ['saved', 'stopped'],
    ['not_created', 'absent'],
    ['gurumeditation', 'unknown'],
    ['inaccessible', 'unknown'],
  ])('%s is %s', (vagrantState, state) => {
    expect(nodeStatus('web1', vagrantState)).toEqual({ name: 'web1', state, detail: vagrantState });
  });

  it('calls a machine missing from vagrant status unknown', () => {
    expect(nodeStatus('web1', undefined).state).toBe('unknown');
  });

  it('turns ui records of up into one progress line per machine step', () => {
    const lines: string[] = [];
    const onRecord = progressFrom((node, msg) => lines.push(`${node}|${msg}`))!;
    onRecord({
      timestamp: 1,
      target: 'db2',
      type: 'ui',
      data: ['info', '==> db2: Waiting for domain to get an IP address...'],
    });
    onRecord({ timestamp: 1, target: 'db2', type: 'action', data: ['up', 'start'] });
    onRecord({ timestamp: 1, target: '', type: 'ui', data: ['info', 'no machine'] });
    expect(lines).toEqual(['db2|Waiting for domain to get an IP address...']);
    expect(progressFrom(undefined)).toBeUndefined();
  });
});
