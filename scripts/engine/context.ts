// Opens a lab: its model, paths, provider, secrets and one SSH connection per node.
import { type Lab, loadLabFile, nodeByName, type Problem } from '../core/model.ts';
import { type LabPaths, labPaths } from '../core/paths.ts';
import { loadSecrets, type Secrets } from '../core/secrets.ts';
import { makeProvider, type ProviderChoice, resolveProvider } from '../providers/select.ts';
import type { Provider } from '../providers/types.ts';
import type { Remote } from './remote.ts';
import { SshRemote } from './ssh.ts';
import { readState } from './state.ts';

export interface LabContext {
  lab: Lab;
  paths: LabPaths;
  provider: Provider;
  remote: Remote & { drop(node: string): void; adopt: SshRemote['adopt'] };
  secrets: Secrets;
  warnings: Problem[];
  /** Nodes whose machines run now. */
  running(): Promise<Set<string>>;
  close(): Promise<void>;
}

export async function openLab(opts: { lab: string; provider?: ProviderChoice }): Promise<LabContext> {
  const { lab, warnings } = loadLabFile(opts.lab);
  const paths = labPaths(lab.name);
  const state = readState(paths.state);
  const name = await resolveProvider(opts.provider ?? 'auto', state.provider);
  const provider = await makeProvider(name, lab, paths);
  const secrets = loadSecrets(paths.secrets);
  const remote = new SshRemote((node) => provider.sshTarget(nodeByName(lab, node)));
  return {
    lab,
    paths,
    provider,
    remote,
    secrets,
    warnings,
    running: async () =>
      new Set((await provider.status()).filter((s) => s.state === 'running').map((s) => s.name)),
    close: () => remote.close(),
  };
}
