// Chooses and builds the provider: `--provider vagrant|nspawn|auto`, or the one the lab was made with.
import { existsSync } from 'node:fs';
import { LabError } from '../core/errors.ts';
import type { Lab } from '../core/model.ts';
import type { LabPaths } from '../core/paths.ts';
import type { Provider, ProviderName } from './types.ts';

export type ProviderChoice = ProviderName | 'auto';

export async function makeProvider(name: ProviderName, lab: Lab, paths: LabPaths): Promise<Provider> {
  if (name === 'vagrant') {
    const { VagrantProvider } = await import('./vagrant/provider.ts');
    return new VagrantProvider(lab, paths);
  }
  const { NspawnProvider } = await import('./nspawn/provider.ts');
  return new NspawnProvider(lab, paths);
}

function nspawnPossible(): string | undefined {
  if (process.platform !== 'linux') return 'nspawn needs a Linux host';
  if (process.getuid?.() !== 0) return 'nspawn needs root (run with sudo)';
  if (!existsSync('/usr/bin/systemd-nspawn'))
    return 'systemd-nspawn is missing (apt-get install systemd-container debootstrap)';
  return undefined;
}

/** auto: Vagrant with a usable provider, else nspawn on a Linux host as root, else what to install. */
export async function resolveProvider(
  choice: ProviderChoice,
  recorded?: ProviderName,
): Promise<ProviderName> {
  if (choice !== 'auto') return choice;
  if (recorded) return recorded;
  const { detectVagrant } = await import('./vagrant/preflight.ts');
  const vagrant = await detectVagrant();
  if (vagrant.usable) return 'vagrant';
  const nspawnProblem = nspawnPossible();
  if (!nspawnProblem) return 'nspawn';
  throw new LabError('NO_PROVIDER', 'No machine provider is usable on this host', {
    hint: `Install Vagrant with VirtualBox or libvirt (vagrant: ${vagrant.reason}), or on Linux as root use nspawn (${nspawnProblem}).`,
  });
}
