import { describe, expect, it } from 'vitest';
import { curlUserLine } from '../../scripts/drills/apppassword.ts';

describe('the curl config line that carries the account password', () => {
  it('quotes the user and secret as curl reads a config file', () => {
    expect(curlUserLine('admin', 's3cret')).toBe('user = "admin:s3cret"\n');
    expect(curlUserLine('admin', 'a"b\\c')).toBe('user = "admin:a\\"b\\\\c"\n');
  });
});
