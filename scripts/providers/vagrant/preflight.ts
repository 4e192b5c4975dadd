// Vagrant's preflight: what the host lacks for this lab, each with the fix. Changes nothing.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import type { Lab } from '../../core/model.ts';
import type { PreflightResult } from '../types.ts';
import {
  detectVagrant,
  libvirtNetworkForward,
  probeKvm,
  probeVagrant,
  probeVirtualBox,
  resolveLibvirtDriver,
} from './detect.ts';
import { networksConfLine } from './errors.ts';
import {
  cpuHasVirtualization,
  labAddressesAllowed,
  memoryNeededMiB,
  parseNetworksConf,
  vboxRestrictsHostOnly,
} from './host.ts';
import type { VagrantProviderName } from './run.ts';

export { detectVagrant, resolveLibvirtDriver };

const NETWORKS_CONF = '/etc/vbox/networks.conf';
// vagrant-libvirt's default management network name (in mode none when the lab isolates it).
const MANAGEMENT_NETWORK = 'vagrant-libvirt';

export interface PreflightOptions {
  /** The provider already chosen; detected when absent. */
  provider?: VagrantProviderName;
  /** Where VirtualBox's networks.conf is (tests). */
  networksConf?: string;
  /** Free host memory in MiB (tests); os.freemem() when absent. */
  freeMiB?: number;
}

/** Checks vagrant, a provider, VirtualBox's host-only ranges, memory and virtualization for the lab. */
export async function vagrantPreflight(lab: Lab, opts: PreflightOptions = {}): Promise<PreflightResult[]> {
  const { provider } = opts;
  const vagrant = await probeVagrant();
  const results: PreflightResult[] = [
    {
      id: 'vagrant',
      ok: vagrant.ok,
      message: vagrant.reason,
      hint: vagrant.ok
        ? undefined
        : 'Install Vagrant (https://developer.hashicorp.com/vagrant/install), or use --provider nspawn on Linux.',
    },
  ];
  if (!vagrant.ok) return results;
  const found = provider
    ? { usable: true, provider, reason: `provider ${provider} chosen` }
    : await detectVagrant();
  results.push({
    id: 'vagrant-provider',
    ok: found.usable,
    message: found.usable ? `Vagrant will use ${found.provider}` : found.reason,
    hint: found.usable
      ? undefined
      : 'Install VirtualBox, or libvirt (libvirtd running) with `vagrant plugin install vagrant-libvirt`.',
  });
  if (!found.usable || !found.provider) return results;
  if (found.provider === 'virtualbox')
    results.push(...(await virtualBoxChecks(lab, opts.networksConf ?? NETWORKS_CONF)));
  else {
    results.push(libvirtVirtualization(lab));
    if (lab.libvirt.managementNetwork === 'isolated') results.push(await managementNetworkCheck());
  }
  const tcg = found.provider === 'libvirt' && resolveLibvirtDriver(lab).driver === 'qemu';
  results.push(memoryCheck(lab, tcg, opts.freeMiB ?? freemem() / 1048576));
  return results;
}

/** VirtualBox >= 6.1.28 refuses host-only addresses outside networks.conf; and it needs VT-x/AMD-V. */
async function virtualBoxChecks(lab: Lab, networksConf: string): Promise<PreflightResult[]> {
  const results: PreflightResult[] = [];
  const vbox = await probeVirtualBox();
  if (vbox.ok && vbox.value && vboxRestrictsHostOnly(vbox.value, process.platform)) {
    const allowed = labAddressesAllowed(lab, parseNetworksConf(readText(networksConf)));
    results.push({
      id: 'vbox-networks',
      ok: allowed,
      message: allowed
        ? `${networksConf} allows the lab's addresses`
        : `${vbox.reason} only allows host-only addresses listed in ${networksConf}, and ${lab.subnet.cidr} is not there`,
      hint: allowed
        ? undefined
        : `Add this line to ${networksConf} (as root, create the file if needed): ${networksConfLine(lab)}`,
    });
  }
  if (process.platform === 'linux') {
    const cpuinfo = readText('/proc/cpuinfo') ?? '';
    const ok = cpuHasVirtualization(cpuinfo);
    results.push({
      id: 'virtualization',
      ok,
      message: ok
        ? 'the CPU offers hardware virtualization'
        : 'the CPU shows no vmx/svm flag: VirtualBox cannot run 64-bit guests',
      hint: ok
        ? undefined
        : 'Enable VT-x/AMD-V in the firmware (or nested virtualization for a VM), or use libvirt with QEMU (slow) or --provider nspawn.',
    });
  }
  return results;
}

/** Without KVM libvirt still runs, under QEMU's TCG: a warning, and the Vagrantfile gets driver "qemu". */
function libvirtVirtualization(lab: Lab): PreflightResult {
  const { driver, reason } = resolveLibvirtDriver(lab);
  if (driver === 'kvm') return { id: 'virtualization', ok: true, message: `libvirt uses KVM (${reason})` };
  const forced =
    lab.libvirt.driver === 'qemu' ? 'the lab asks for QEMU' : `KVM is not usable: ${probeKvm().reason}`;
  return {
    id: 'virtualization',
    ok: false,
    warning: true,
    message: `${forced}; machines run under QEMU's TCG emulation (4-5x slower CPU, ~16x slower package installs)`,
    hint: 'Enable VT-x/AMD-V (or nested virtualization) and add your user to the kvm group for full speed; --provider nspawn is much faster on Linux.',
  };
}

/**
 * For a lab that isolates its management network: vagrant-libvirt reuses an existing network by name
 * without checking its mode, so a NAT `vagrant-libvirt` network left by another project would give the
 * lab a route off the host.
 */
async function managementNetworkCheck(): Promise<PreflightResult> {
  const net = await libvirtNetworkForward(MANAGEMENT_NETWORK);
  if (!net.forward) {
    const message = net.exists
      ? `libvirt network ${MANAGEMENT_NETWORK} is isolated`
      : `libvirt network ${MANAGEMENT_NETWORK} will be created isolated`;
    return { id: 'libvirt-management', ok: true, message };
  }
  return {
    id: 'libvirt-management',
    ok: false,
    warning: true,
    message: `libvirt network ${MANAGEMENT_NETWORK} exists with forward mode ${net.forward}: the lab's machines would reach beyond this host through it`,
    hint: `When no VM uses it: virsh -c qemu:///system net-destroy ${MANAGEMENT_NETWORK} && virsh -c qemu:///system net-undefine ${MANAGEMENT_NETWORK}`,
  };
}

/** The machines' memory must fit in what the host has free now. */
function memoryCheck(lab: Lab, tcg: boolean, freeMiB: number): PreflightResult {
  const need = memoryNeededMiB(lab, tcg);
  const ok = need <= freeMiB;
  const what = `the lab's ${lab.nodes.length} machines need ${need} MiB${tcg ? ' (with QEMU translation caches)' : ''}, ${Math.round(freeMiB)} MiB are free`;
  return {
    id: 'memory',
    ok,
    message: what,
    hint: ok
      ? undefined
      : 'Stop other VMs, bring up fewer nodes (--only), or lower nodes[].memory / defaults.memory in the lab file.',
  };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
