// `lab box build`: builds (or reuses) the offline libvirt box and adds it to Vagrant.
import { EXIT, LabError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { Args } from './args.ts';

export async function boxCommand(
  args: Args,
  progress: Progress,
  out: (text: string) => void,
): Promise<number> {
  if (args.rest[0] !== 'build') {
    throw new LabError('USAGE', `Unknown box command '${args.rest[0] ?? ''}'`, {
      hint: 'npm run lab:box  (= npm run lab -- box build [--force])',
    });
  }
  if (process.getuid?.() !== 0) {
    throw new LabError('BOX_NEEDS_ROOT', 'Building the box needs root (debootstrap, loop devices, mounts)', {
      hint: 'Run it with sudo.',
    });
  }
  const { buildBox } = await import('../box/build.ts');
  progress.phase('box build', 'Debian 12 + every role package, for libvirt');
  const r = await buildBox({ force: args.force, onProgress: (m) => progress.info(m) });
  progress.ok(`box ${r.name}`, r.cached ? `cached (${r.key})` : `built in ${r.seconds} s (${r.key})`);
  out(
    args.json
      ? JSON.stringify({ ok: true, ...r })
      : `box ${r.name} is ready: ${r.boxFile}\n  use it with boxes.libvirt: ${r.name} in a lab file`,
  );
  return EXIT.ok;
}
