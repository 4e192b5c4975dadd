import { describe, expect, it } from 'vitest';
import { imageHash, unitsToDisable } from '../../../scripts/providers/nspawn/recipe.ts';

describe('imageHash', () => {
  it('changes with the package list and is stable otherwise', () => {
    expect(imageHash('base sudo\n')).toBe(imageHash('base sudo\n'));
    expect(imageHash('base sudo\n')).not.toBe(imageHash('base sudo curl\n'));
    expect(imageHash('x')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('unitsToDisable', () => {
  it('keeps what a booted container needs and disables the rest', () => {
    const listing = [
      'ssh.service enabled enabled',
      'systemd-networkd.service enabled enabled',
      'dbus.service enabled enabled',
      'getty@.service enabled enabled',
      'mariadb.service enabled enabled',
      'glusterd.service enabled enabled',
      'apt-daily.timer enabled enabled',
      'redis-server.service enabled enabled',
    ].join('\n');
    expect(unitsToDisable(listing)).toEqual([
      'mariadb.service',
      'glusterd.service',
      'apt-daily.timer',
      'redis-server.service',
    ]);
  });
});
