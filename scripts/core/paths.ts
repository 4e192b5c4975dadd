// Where a lab's generated state lives: .lab/<lab>/ in the repo (git-ignored), and the image cache.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './model.ts';

export interface LabPaths {
  root: string;
  vagrantfile: string;
  state: string;
  secrets: string;
  logs: string;
  reports: string;
  ssh: string;
  tls: string;
  /** Provider-owned files (nspawn overlays, pids). */
  machines: string;
}

export function labPaths(
  labName: string,
  base = process.env.LAB_STATE_DIR ?? join(REPO_ROOT, '.lab'),
): LabPaths {
  const root = join(base, labName);
  return {
    root,
    vagrantfile: join(root, 'Vagrantfile'),
    state: join(root, 'state.json'),
    secrets: join(root, 'secrets.json'),
    logs: join(root, 'logs'),
    reports: join(root, 'reports'),
    ssh: join(root, 'ssh'),
    tls: join(root, 'tls'),
    machines: join(root, 'machines'),
  };
}

/** Built images and boxes, shared by every lab and kept between runs. */
export function cacheDir(): string {
  return (
    process.env.LAB_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nextcloud-ha-lab')
  );
}
