// Maps Vagrant's `error-exit` classes to a LabError with advice, as minikube maps provider errors.
import { LabError } from '../../core/errors.ts';
import type { Lab } from '../../core/model.ts';

export interface ErrorContext {
  /** The vagrant argv as run, for the message. */
  argv: string[];
  lab?: Lab;
  provider?: 'virtualbox' | 'libvirt';
}

type Advice = { code: string; hint: (ctx: ErrorContext) => string };

/** The line /etc/vbox/networks.conf needs so VirtualBox accepts the lab's host-only network. */
export function networksConfLine(lab: Lab): string {
  return `* ${lab.subnet.cidr}`;
}

function boxAdvice(ctx: ErrorContext): string {
  const provider = ctx.provider ?? 'virtualbox';
  const box = ctx.lab?.boxes[provider] ?? '<box>';
  return `Add the box first: \`vagrant box add ${box} --provider ${provider}\`; offline: \`vagrant box add ${box} ./file.box\` (or \`npm run lab:box\` to build one).`;
}

const ADVICE: Record<string, Advice> = {
  VirtualBoxInvalidHostSubnet: {
    code: 'VAGRANT_VBOX_SUBNET',
    hint: (ctx) =>
      `VirtualBox only allows host-only networks listed in /etc/vbox/networks.conf. Add this line to it (as root): ${ctx.lab ? networksConfLine(ctx.lab) : '* <lab subnet>'}`,
  },
  BoxAddShortNotFound: { code: 'VAGRANT_BOX_MISSING', hint: boxAdvice },
  BoxNotFound: { code: 'VAGRANT_BOX_MISSING', hint: boxAdvice },
  BoxNotFoundWithProvider: { code: 'VAGRANT_BOX_MISSING', hint: boxAdvice },
  BoxAddNoMatchingProvider: { code: 'VAGRANT_BOX_MISSING', hint: boxAdvice },
  DownloaderError: { code: 'VAGRANT_BOX_MISSING', hint: boxAdvice },
  NoDefaultProvider: {
    code: 'VAGRANT_NO_PROVIDER',
    hint: () =>
      'Install VirtualBox, or libvirt with the vagrant-libvirt plugin (`vagrant plugin install vagrant-libvirt`), or use `--provider nspawn` on Linux.',
  },
  ProviderNotUsable: {
    code: 'VAGRANT_NO_PROVIDER',
    hint: (ctx) =>
      `The ${ctx.provider ?? 'chosen'} provider is not usable here (see the message): install or start it, or choose another with --provider.`,
  },
  FogLibvirtConnectionError: {
    code: 'VAGRANT_LIBVIRT_DOWN',
    hint: () =>
      'libvirtd does not answer: start it (`systemctl start libvirtd`) and check `virsh -c qemu:///system version` works for your user (group libvirt).',
  },
  MachineLocked: {
    code: 'VAGRANT_LOCKED',
    hint: () => 'Another vagrant command is working on this machine: wait for it to finish, then run again.',
  },
  MachineNotFound: {
    code: 'VAGRANT_NO_MACHINE',
    hint: () =>
      'The Vagrantfile has no such machine: `lab up` rewrites it from the lab file; check the node name.',
  },
  SSHNotReady: {
    code: 'VAGRANT_SSH_NOT_READY',
    hint: () => 'The machine is not running or not booted yet: check `lab status`, then `lab up`.',
  },
  SnapshotNotSupported: {
    code: 'VAGRANT_NO_SNAPSHOTS',
    hint: (ctx) =>
      `The ${ctx.provider ?? 'chosen'} provider cannot take snapshots: VirtualBox can, libvirt can with qcow2 disks (the default). Without snapshots, \`lab destroy\` and \`lab up\` give a clean lab, or use --provider nspawn on Linux.`,
  },
  VBoxManageError: {
    code: 'VAGRANT_VBOX_FAILED',
    hint: () =>
      'VirtualBox refused the command (see the message); `VBoxManage list vms` shows what it knows.',
  },
};

/** A LabError for a failed vagrant command, with advice for the errors users meet most. */
export function vagrantError(errorClass: string, message: string, ctx: ErrorContext): LabError {
  const short = errorClass.split('::').pop() ?? errorClass;
  const advice = ADVICE[short];
  const command = `vagrant ${ctx.argv.join(' ')}`;
  return new LabError(
    advice?.code ?? 'VAGRANT_FAILED',
    `${command} failed (${short}): ${firstLine(message)}`,
    {
      hint: advice?.hint(ctx) ?? `Run \`${command}\` in the lab directory to see the full output.`,
      details: message.split('\n'),
    },
  );
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? text;
}
