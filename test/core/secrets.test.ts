// Generated secrets: never one a command would read as an option.
import { describe, expect, it } from 'vitest';
import { generate } from '../../scripts/core/secrets.ts';

describe('a generated secret', () => {
  it('never begins with "-" (base64url has it; 1 in 64 did), and keeps its length', () => {
    // With the old generator about 31 of these 2,000 began with "-".
    for (let i = 0; i < 2000; i++) {
      const v = generate('NEXTCLOUD_ADMIN_PASSWORD');
      expect(v.startsWith('-'), v).toBe(false);
      expect(v).toHaveLength(24);
    }
    expect(generate('KEEPALIVED_PASSWORD')).toHaveLength(8);
  });
});
