// Galera bootstrap decision: parse each db node's probe line and choose the one node to bootstrap.
import { LabError } from '../core/errors.ts';

/** What `db probe` reports about one db node (its `::lab-state` line). */
export interface GaleraProbe {
  running: boolean;
  /** The node runs in a Primary component (it can take writes with the cluster). */
  primary: boolean;
  /** Last committed transaction: wsrep_last_committed when running, grastate.dat or --wsrep-recover when not. */
  seqno: number;
  /** grastate.dat says safe_to_bootstrap: 1 (the last node to leave a cleanly stopped cluster). */
  safe: boolean;
  /** The cluster's state UUID, or undefined for a node that never joined a cluster. */
  uuid: string | undefined;
}

export interface NodeProbe {
  node: string;
  probe: GaleraProbe;
}

export type BootstrapDecision =
  | { action: 'none'; reason: string }
  | { action: 'bootstrap'; node: string; reason: string };

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Parses the `::lab-state running=.. primary=.. seqno=.. safe=.. uuid=..` line out of a probe's stdout. */
export function parseProbeLine(node: string, stdout: string): GaleraProbe {
  const line = stdout.split('\n').find((l) => l.startsWith('::lab-state '));
  const fields = new Map(
    (line ?? '')
      .split(/\s+/)
      .slice(1)
      .map((kv) => kv.split('=', 2) as [string, string]),
  );
  const bit = (k: string) => fields.get(k);
  const seqno = Number(fields.get('seqno'));
  const valid =
    line && ['0', '1'].includes(bit('running') ?? '') && ['0', '1'].includes(bit('primary') ?? '');
  if (!valid || !Number.isInteger(seqno) || !['0', '1'].includes(bit('safe') ?? '')) {
    throw new LabError('GALERA_PROBE', `db probe on ${node} printed no valid ::lab-state line`, {
      hint: `Run \`bash /opt/lab/provision/run.sh db probe\` on ${node} by hand and read its stderr.`,
      details: [stdout.trim().slice(0, 500)],
    });
  }
  const uuid = fields.get('uuid');
  return {
    running: bit('running') === '1',
    primary: bit('primary') === '1',
    seqno,
    safe: bit('safe') === '1',
    uuid: !uuid || uuid === '-' || uuid === ZERO_UUID ? undefined : uuid,
  };
}

/**
 * Chooses the node to bootstrap, given probes in lab order. Never bootstraps while any node runs in a
 * Primary component: a second Primary component would be a split brain. After a whole-lab stop the node
 * with the highest seqno holds every committed transaction; bootstrapping another one loses data.
 */
export function chooseGaleraBootstrap(probes: NodeProbe[]): BootstrapDecision {
  if (probes.length === 0) return { action: 'none', reason: 'no db node' };
  const primary = probes.find((p) => p.probe.running && p.probe.primary);
  if (primary)
    return { action: 'none', reason: `${primary.node} runs in a Primary component: the others join it` };
  const known = probes.filter((p) => p.probe.uuid !== undefined);
  if (known.length === 0)
    return { action: 'bootstrap', node: probes[0]!.node, reason: 'fresh cluster: the first db node' };
  const best = known.reduce((a, b) => (better(b.probe, a.probe) ? b : a));
  const uuids = new Set(known.map((p) => p.probe.uuid));
  const note = uuids.size > 1 ? ` (warning: nodes carry ${uuids.size} different cluster UUIDs)` : '';
  return {
    action: 'bootstrap',
    node: best.node,
    reason: `highest seqno ${best.probe.seqno}${best.probe.safe ? ', safe_to_bootstrap=1' : ''}${note}`,
  };
}

// Strictly better only: on a full tie the earlier node in lab order (the reduce's accumulator) stays.
function better(b: GaleraProbe, a: GaleraProbe): boolean {
  if (b.seqno !== a.seqno) return b.seqno > a.seqno;
  return b.safe && !a.safe;
}
