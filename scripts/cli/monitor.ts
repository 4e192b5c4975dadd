// `lab monitor`: where the lab's monitoring answers (Prometheus, Alertmanager, the lab's console page).
import { EXIT } from '../core/errors.ts';
import type { Lab } from '../core/model.ts';
import type { LabContext } from '../engine/context.ts';
import { monitorNode, PORTS } from '../monitor/config.ts';
import type { Args } from './args.ts';

type Out = (line: string) => void;

/** The URLs of the monitoring, reachable from the host on the lab network; empty without a monitor node. */
export function monitorUrls(lab: Lab): Record<string, string> {
  const mon = monitorNode(lab);
  if (!mon) return {};
  const prom = `http://${mon.ip}:${PORTS.prometheus}`;
  return {
    prometheus: `${prom}/`,
    targets: `${prom}/targets`,
    alerts: `${prom}/alerts`,
    console: `${prom}/consoles/lab.html`,
    api: `${prom}/api/v1/targets`,
    alertmanager: `http://${mon.ip}:${PORTS.alertmanager}/`,
  };
}

export async function monitorCommand(ctx: LabContext, args: Args, out: Out): Promise<number> {
  const urls = monitorUrls(ctx.lab);
  if (args.json) {
    out(JSON.stringify({ monitor: monitorNode(ctx.lab)?.name ?? null, urls }));
    return EXIT.ok;
  }
  const mon = monitorNode(ctx.lab);
  if (!mon) {
    out(
      `lab ${ctx.lab.name} has no monitor node: give a node the monitor role (the client, or a node of its own)`,
    );
    return EXIT.ok;
  }
  const running = (await ctx.running()).has(mon.name);
  out(
    `monitoring of ${ctx.lab.name} on ${mon.name}${running ? '' : ' (not running: npm run lab:up starts it)'}`,
  );
  out(`  Prometheus          ${urls.prometheus}  (graphs: /graph)`);
  out(`  targets             ${urls.targets}`);
  out(`  alerts              ${urls.alerts}`);
  out(`  the lab, per tier   ${urls.console}`);
  out(`  Alertmanager        ${urls.alertmanager}`);
  out(`  API, e.g.           curl ${urls.api}`);
  return EXIT.ok;
}
