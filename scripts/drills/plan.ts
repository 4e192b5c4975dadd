// Turns `lab drill` options into the drills to run, each through the guard: pure over the lab model.
import { LabError } from '../core/errors.ts';
import { type Lab, nodesWithRole } from '../core/model.ts';
import { guardHalt, guardRefusal, powerCycleTargets } from './guard.ts';
import type { DrillOptions, Scenario } from './types.ts';

export interface DrillPlan {
  scenario: Scenario;
  /** The nodes halted together: one, or every node but the client for a power cycle. */
  nodes: string[];
  /** The node name, or "all". */
  label: string;
  reason: string;
  /** The guard refused and --force overrode it: these are the reasons. */
  forcedPast: string[];
}

export interface PlannedDrills {
  plans: DrillPlan[];
  /** Nodes --all leaves out because the guard refused them, with why. */
  refused: { node: string; reasons: string[] }[];
}

function refusal(node: string, reasons: string[]): LabError {
  return new LabError(
    'DRILL_REFUSED',
    `Refusing to halt ${node}: the drill would take down more than one machine's worth of service`,
    {
      hint: 'Each reason is listed above. Run with --force to drill it anyway and measure the outage.',
      details: reasons,
    },
  );
}

/** Exactly one of --halt, --halt-role (already resolved to `holder`), --all, --power-cycle. */
export function planDrills(
  lab: Lab,
  opts: DrillOptions,
  running: Set<string>,
  holder?: { node: string; reason: string },
): PlannedDrills {
  const chosen = [opts.halt, opts.haltRole, opts.all, opts.powerCycle].filter(
    (x) => x !== undefined && x !== false,
  );
  if (chosen.length !== 1) {
    throw new LabError(
      'DRILL_USAGE',
      'Choose one drill: --halt NODE, --halt-role ROLE, --all or --power-cycle',
      { hint: 'e.g. npm run lab:drill -- --lab full-ha --halt web1' },
    );
  }
  const scenario: Scenario = opts.powerCycle ? 'power-cycle' : opts.graceful ? 'graceful-stop' : 'power-cut';
  const force = opts.force ?? false;
  if (opts.powerCycle) {
    if (nodesWithRole(lab, 'client').length === 0)
      throw refusal('the lab', ['the lab has no client node to send traffic from']);
    return {
      plans: [
        {
          scenario,
          nodes: powerCycleTargets(lab),
          label: 'all',
          reason: 'whole lab but the client',
          forcedPast: [],
        },
      ],
      refused: [],
    };
  }
  const singles = opts.all
    ? lab.nodes
        .filter((n) => !n.roles.includes('client'))
        .map((n) => ({ node: n.name, reason: 'every node in turn' }))
    : [holder ?? { node: opts.halt!, reason: 'named on the command line' }];
  const out: PlannedDrills = { plans: [], refused: [] };
  for (const s of singles) {
    const verdict = guardHalt(lab, s.node, running);
    const reasons = guardRefusal(verdict, force);
    if (reasons.length > 0 && !opts.all) throw refusal(s.node, reasons);
    if (reasons.length > 0) out.refused.push({ node: s.node, reasons });
    else
      out.plans.push({
        scenario,
        nodes: [s.node],
        label: s.node,
        reason: s.reason,
        forcedPast: force ? verdict.risks : [],
      });
  }
  return out;
}
