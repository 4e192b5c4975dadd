import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../scripts/checks/index.ts';
import { judgeInstalled } from '../../scripts/checks/nextcloud.ts';
import { loadLabFile, REPO_ROOT } from '../../scripts/core/model.ts';
import { CHECK_STEPS, facts, todos } from '../../scripts/grade/hints.ts';
import { type Inventory, parseServices, roleServices } from '../../scripts/grade/inventory.ts';
import { machinesOnly } from './fixture.ts';

const { lab } = loadLabFile(join(REPO_ROOT, 'test/fixtures/labs/grade-e2e.yaml'), 1e9);
const tp = loadLabFile('tp', 1e9).lab;
const fullHa = loadLabFile('full-ha', 1e9).lab;

/** What the inventory script printed on the nspawn image (packages there, nothing started). */
const idle: Inventory = new Map([
  [
    'router',
    parseServices('haproxy loaded inactive\ngarb loaded inactive\nredis-sentinel loaded inactive\n'),
  ],
  [
    'db1',
    parseServices('mariadb loaded inactive\nredis-server loaded inactive\nredis-sentinel loaded inactive\n'),
  ],
  [
    'db2',
    parseServices('mariadb loaded inactive\nredis-server loaded inactive\nredis-sentinel loaded inactive\n'),
  ],
]);

describe('grade hints', () => {
  it('every check has a step to do when it is lost', () => {
    expect(ALL_CHECKS.map((c) => c.id).filter((id) => !CHECK_STEPS[id])).toEqual([]);
  });

  it('reads the inventory: a unit that is not found is not installed', () => {
    expect(
      parseServices('haproxy not-found inactive\nkeepalived loaded failed\napache2 loaded active\n'),
    ).toEqual(
      new Map([
        ['haproxy', 'not-installed'],
        ['keepalived', 'stopped'],
        ['apache2', 'running'],
      ]),
    );
    expect(roleServices(fullHa, 'lb')).toEqual(['haproxy', 'keepalived']);
    expect(roleServices(tp, 'lb')).toEqual(['haproxy']);
  });

  it('says what is not installed or not running on which node, and nodes that do not answer', () => {
    const inv: Inventory = new Map([
      ['lb1', parseServices('haproxy not-found inactive\nkeepalived not-found inactive\n')],
      ['web1', parseServices('apache2 loaded active\nphp8.2-fpm loaded inactive\n')],
    ]);
    expect(facts(fullHa, ['lb', 'web'], inv)).toEqual([
      'haproxy is not installed on lb1',
      'keepalived is not installed on lb1',
      'lb2, web2 are not running or do not answer',
      'php8.2-fpm is installed but not running on web1',
    ]);
  });

  it('on a machines-only lab each lost point says what runs where and the first step', () => {
    const t = todos(lab, machinesOnly, idle);
    expect(t.get('data.galera-cluster')).toBe(
      'mariadb is installed but not running on db1, db2; garb is installed but not running on router: ' +
        'install mariadb-server and galera-4 on db1, db2, set wsrep_on=ON and wsrep_cluster_address=gcomm://10.0.112.31,10.0.112.32 ' +
        '(garbd on router joins it too), bootstrap one node with galera_new_cluster, then start the others ' +
        '(or let the db, db-arbiter roles do it: npm run lab:up -- --lab grade-e2e --only db,db-arbiter)',
    );
    expect(t.get('router.redis-primary')).toMatch(
      /^haproxy is installed but not running on router; redis-server is installed but not running on db1, db2: configure HAProxy on router: :6379/,
    );
    // A passed check needs nothing.
    expect(t.has('machines.running')).toBe(false);
  });

  it('the Nextcloud checks tell a lab without an archive from Nextcloud not installed yet', () => {
    expect(judgeInstalled('web1', 'installed\n')).toBeUndefined();
    expect(
      judgeInstalled('web1', 'note: Nextcloud not installed on web1: NEXTCLOUD_ARCHIVE is empty\n'),
    ).toEqual({
      why: 'Nextcloud not installed on web1: NEXTCLOUD_ARCHIVE is empty',
      cause: 'not-in-lab',
    });
    expect(judgeInstalled('web1', 'no /var/www/nextcloud/config/config.php\n')).toEqual({
      why: 'no /var/www/nextcloud/config/config.php',
      cause: 'prerequisite',
    });
    expect(judgeInstalled('web1', '')?.cause).toBe('prerequisite');
  });
});
