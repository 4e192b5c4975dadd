import { describe, expect, it } from 'vitest';
import { configMismatch, judgeStatus, ocsUserId } from '../../scripts/checks/nextcloud-judge.ts';

// Answer shapes as documented in the Nextcloud 32 admin manual (status.php, OCS cloud/user); no archive
// was available where these tests were written, so they are not recordings.
const STATUS = {
  installed: true,
  maintenance: false,
  needsDbUpgrade: false,
  version: '32.0.0.13',
  versionstring: '32.0.0',
  edition: '',
  productname: 'Nextcloud',
  extendedSupport: false,
};

describe('status.php judgement', () => {
  it('passes an installed instance out of maintenance', () => {
    expect(judgeStatus(JSON.stringify(STATUS))).toEqual({
      ok: true,
      summary: 'Nextcloud 32.0.0 installed, not in maintenance',
    });
  });

  it('fails in maintenance mode (status.php still answers 200 then)', () => {
    expect(judgeStatus(JSON.stringify({ ...STATUS, maintenance: true }))).toEqual({
      ok: false,
      summary: 'in maintenance mode',
    });
  });

  it("fails when not installed, when an upgrade is pending, and on the lab probe's answer", () => {
    expect(judgeStatus(JSON.stringify({ ...STATUS, installed: false })).ok).toBe(false);
    expect(judgeStatus(JSON.stringify({ ...STATUS, needsDbUpgrade: true })).summary).toContain('occ upgrade');
    expect(judgeStatus('{"installed":false,"maintenance":false,"probe":true,"web":"web1"}').ok).toBe(false);
  });

  it('fails on an HTML error page (Nextcloud without its database answers 500 with HTML)', () => {
    expect(judgeStatus('<!DOCTYPE html><html>Internal Server Error').summary).toMatch(/^not status.php JSON/);
  });
});

describe('OCS login', () => {
  it('returns the user id of a successful call', () => {
    expect(
      ocsUserId(
        '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"id":"admin","displayname":"admin"}}}',
      ),
    ).toBe('admin');
  });

  it('returns nothing for a refused login', () => {
    expect(
      ocsUserId(
        '{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in"},"data":[]}}',
      ),
    ).toBeUndefined();
    expect(ocsUserId('')).toBeUndefined();
  });
});

describe('shared config', () => {
  const line = (a: string, b: string) =>
    `${a}  /var/www/nextcloud/config/config.php\n${b}  /var/www/nextcloud/config/lab.config.php\n`;

  it('accepts identical files on every node', () => {
    expect(
      configMismatch([
        { node: 'web1', stdout: line('aa', 'bb') },
        { node: 'web2', stdout: line('aa', 'bb') },
      ]),
    ).toEqual([]);
  });

  it('names the node whose config differs', () => {
    expect(
      configMismatch([
        { node: 'web1', stdout: line('aa', 'bb') },
        { node: 'web2', stdout: line('ac', 'bb') },
      ]),
    ).toEqual(['web2']);
  });

  it('never accepts missing files as identical', () => {
    expect(
      configMismatch([
        { node: 'web1', stdout: '' },
        { node: 'web2', stdout: '' },
      ]),
    ).toEqual(['web1', 'web2']);
  });
});
