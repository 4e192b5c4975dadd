import { describe, expect, it } from 'vitest';
import { loadLabFile } from '../../scripts/core/model.ts';
import type { StatRow } from '../../scripts/drills/holders.ts';
import type { LiveState } from '../../scripts/drills/live.ts';
import { renderMermaid } from '../../scripts/report/graph-mermaid.ts';
import { renderGraphSvg } from '../../scripts/report/graph-svg.ts';
import { renderText } from '../../scripts/report/graph-text.ts';

const full = loadLabFile('full-ha', 1e9).lab;
const tp = loadLabFile('tp', 1e9).lab;

const row = (proxy: string, server: string, status: string, addr: string, backup = false): StatRow => ({
  proxy,
  server,
  status,
  backup,
  addr,
  lastchg: 1,
});

// db3 is down; lb1 sees web2 DOWN; router1 sends MariaDB to db1 and Redis to db2; storage3's brick is offline.
const live: LiveState = {
  running: full.nodes.map((n) => n.name).filter((n) => n !== 'db3'),
  stats: {
    lb1: [row('web', 'web1', 'UP', '10.0.2.21:80'), row('web', 'web2', 'DOWN', '10.0.2.22:80')],
    router1: [
      row('be_mysql', 'db1', 'UP', '10.0.2.31:3306'),
      row('be_mysql', 'db2', 'UP', '10.0.2.32:3306', true),
      row('be_mysql', 'db3', 'DOWN', '10.0.2.33:3306', true),
      row('be_redis', 'db1', 'DOWN', '10.0.2.31:6379'),
      row('be_redis', 'db2', 'UP', '10.0.2.32:6379'),
      row('be_redis', 'db3', 'DOWN', '10.0.2.33:6379'),
    ],
  },
  vips: { front: ['lb1'], router: ['router2'] },
  bricks: [
    { brick: '10.0.2.41:/srv/gluster/labdata/brick', online: true },
    { brick: '10.0.2.42:/srv/gluster/labdata/brick', online: true },
    { brick: '10.0.2.43:/srv/gluster/labdata/brick', online: false },
  ],
};

describe('lab graph as Mermaid', () => {
  it('draws the lab file: one subgraph per tier, VIPs as circles, traffic top to bottom', () => {
    const m = renderMermaid(full);
    expect(m.startsWith('flowchart TB\n')).toBe(true);
    expect(m).toContain('  subgraph lb["load balancers"]\n    n_lb1["<b>lb1</b><br/>10.0.2.11<br/>lb"]\n');
    expect(m).toContain('    vip_front(("<b>front VIP</b><br/>10.0.2.10"))\n');
    expect(m).toContain('    n_storage3["<b>storage3</b><br/>10.0.2.43<br/>storage-arbiter"]\n');
    for (const edge of [
      'n_client --> vip_front',
      'vip_front --> n_lb1',
      'n_lb2 -->|"http"| n_web1',
      'n_web1 --> vip_router',
      'n_router1 -->|"mysql · redis"| n_db3',
      'n_web2 -->|"GlusterFS"| storage',
    ])
      expect(m).toContain(`  ${edge}\n`);
    expect(m).not.toContain('classDef');
  });

  it('without VIPs the client reaches the lone lb and the web nodes the lone router directly', () => {
    const m = renderMermaid(tp);
    expect(m).not.toContain('vip_');
    expect(m).toContain('  n_client --> n_lb\n');
    expect(m).toContain('  n_web2 --> n_router\n');
    // tp's router carries the arbiters but sits with the routers.
    expect(m).toContain(
      '  subgraph router["routers"]\n    n_router["<b>router</b><br/>10.0.2.30<br/>router, db-arbiter',
    );
  });

  it('draws the live state: holders, HAProxy server states, bricks, up and down', () => {
    const m = renderMermaid(full, live);
    expect(m).toContain('n_lb1["<b>lb1</b><br/>10.0.2.11<br/>lb<br/><i>holds the front VIP</i>"]');
    expect(m).toContain('n_db1["<b>db1</b><br/>10.0.2.31<br/>db, redis, sentinel<br/><i>Galera writer</i>"]');
    expect(m).toContain('<i>Redis primary</i>');
    expect(m).toContain('<i>brick OFFLINE</i>');
    expect(m).toContain('  vip_front ==> n_lb1\n  vip_front -.-> n_lb2\n');
    expect(m).toContain('  n_lb1 -->|"http DOWN"| n_web2\n');
    expect(m).toContain('  n_router1 -->|"mysql UP · redis DOWN"| n_db1\n');
    expect(m).toMatch(/^ {2}class n_db3 down$/m);
    expect(m).toMatch(/^ {2}class n_lb1,n_router2,n_db1,n_db2 serving$/m);
    // The 5th link (lb1 -> web2) and router1's links to db1 and db3 are not all UP.
    expect(m.match(/^ {2}linkStyle (\d+) /gm)).toEqual([
      '  linkStyle 4 ',
      '  linkStyle 11 ',
      '  linkStyle 13 ',
    ]);
  });
});

describe('lab graph as SVG', () => {
  it('is one SVG document with a box per node and a shape per VIP', () => {
    const svg = renderGraphSvg(full);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g class="box /g)).toHaveLength(full.nodes.length + 2);
    expect(svg.match(/<ellipse /g)).toHaveLength(2);
    expect(svg).toContain('full-ha: topology from the lab file');
    expect(svg).not.toContain('class="box up"');
  });

  it('colours nodes by state and draws the VIP holder thick', () => {
    const svg = renderGraphSvg(full, live, 'full-ha: live state at 12:00:00');
    expect(svg.match(/<g class="box down" id="n_db3">/g)).toHaveLength(1);
    expect(svg.match(/<g class="box up"/g)).toHaveLength(full.nodes.length - 1 + 2);
    expect(svg).toMatch(/<line class="link up" [^>]*stroke-width="3"\/>/);
    expect(svg).toContain('>mysql UP · redis DOWN</text>');
    expect(svg).toContain('>Galera writer</text>');
    expect(svg).toContain('full-ha: live state at 12:00:00');
  });

  it('escapes what it writes', () => {
    expect(renderGraphSvg(full, live, 'a <b> & "c"')).toContain('>a &lt;b&gt; &amp; &quot;c&quot;</text>');
  });
});

describe('lab graph --watch text', () => {
  it('lists each node with its state, what it serves and what its balancers say', () => {
    const text = renderText(full, live).split('\n');
    expect(text).toContain('  ● front VIP   10.0.2.10  on lb1');
    expect(text).toContain('  ● web2        10.0.2.22  lb1: http DOWN');
    expect(text).toContain('  ● db1         10.0.2.31  Galera writer; router1: mysql UP · redis DOWN');
    expect(text).toContain('  ○ db3         10.0.2.33  router1: mysql DOWN · redis DOWN');
    expect(text).toContain('  ● storage3    10.0.2.43  brick OFFLINE');
  });
});
