import { describe, expect, it } from 'vitest';
import { generatorArgs, runFiles } from '../../scripts/drills/traffic.ts';

describe('the traffic generator command line', () => {
  it('drill: the open-loop mix at the rate, WebDAV credentials by file only', () => {
    const files = runFiles('web1-x', true);
    const dav = { base: 'https://10.0.2.10/remote.php/dav/files/admin', user: 'admin', password: 's3cret' };
    const args = generatorArgs('10.0.2.10', 'web1-x', files, { scenario: 'drill', rate: 10, dav }, 200);
    expect(args).toContain('--scenario=drill');
    expect(args).toContain('--rate=10');
    expect(args).toContain('--duration=200');
    expect(args).toContain('--front=https://10.0.2.10');
    expect(args).toContain(`--dav=${files.secret}`);
    expect(args.join(' ')).not.toContain('s3cret');
  });

  it('load: users from the accounts file, every knob passed, no password on argv', () => {
    const files = runFiles('load-1', true);
    const plan = {
      scenario: 'transfer' as const,
      accounts: [{ name: 'load-1-01', password: 'pw-not-here' }],
      iterations: 0,
      sizeBytes: 1048576,
      rampS: 5,
      thinkS: 0.5,
      seed: 42,
      timeoutS: 32,
    };
    const args = generatorArgs('10.0.2.10', 'load-1', files, plan, 130);
    expect(args).toEqual(
      expect.arrayContaining([
        '--scenario=transfer',
        `--users=${files.secret}`,
        '--iterations=0',
        '--size=1048576',
        '--ramp=5',
        '--think=0.5',
        '--seed=42',
        '--timeout=32',
        '--run=load-1',
        `--progress=${files.progress}`,
      ]),
    );
    expect(args.join(' ')).not.toContain('pw-not-here');
  });
});
