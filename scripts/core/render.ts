// Renders a lab's Vagrantfile from Vagrantfile.template: the only module that imports handlebars.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Handlebars from 'handlebars';
import { LabError } from './errors.ts';
import { type Lab, REPO_ROOT } from './model.ts';
import type { LabPaths } from './paths.ts';

export type LibvirtDriver = 'kvm' | 'qemu';

export interface RenderOptions {
  /** What preflight found for a lab whose libvirt driver is 'auto'; 'kvm' when not given. */
  libvirtDriver?: LibvirtDriver;
}

const TEMPLATE = join(REPO_ROOT, 'Vagrantfile.template');

/** A Ruby double-quoted string literal for any text: JSON's escapes are valid Ruby, and `#` must not interpolate. */
export function rubyString(value: string): string {
  return JSON.stringify(value).replace(/#/g, '\\#');
}

function rubyInteger(value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new LabError('RENDER_FAILED', `Vagrantfile value ${String(value)} is not an integer`, {
      hint: 'memory and cpus in the lab file must be whole numbers',
    });
  }
  return String(value);
}

// A value in a Ruby comment must stay on its line.
function rubyComment(value: unknown): string {
  return String(value).replace(/[\r\n]+/g, ' ');
}

let compiled: Handlebars.TemplateDelegate | undefined;

function template(): Handlebars.TemplateDelegate {
  if (!compiled) {
    const hb = Handlebars.create();
    hb.registerHelper('rb', (v: unknown) => rubyString(String(v)));
    hb.registerHelper('int', rubyInteger);
    hb.registerHelper('comment', rubyComment);
    // strict: a misspelt field in the template is an error, not an empty string in the Vagrantfile.
    compiled = hb.compile(readFileSync(TEMPLATE, 'utf8'), { noEscape: true, strict: true });
  }
  return compiled;
}

/** The libvirt driver and CPU model the lab gets: qemu (TCG) only where KVM is unusable. */
export function libvirtSettings(
  lab: Lab,
  opts: RenderOptions = {},
): { driver: LibvirtDriver; cpuModel?: string } {
  const driver = lab.libvirt.driver === 'auto' ? (opts.libvirtDriver ?? 'kvm') : lab.libvirt.driver;
  const cpuModel = lab.libvirt.cpuModel ?? (driver === 'qemu' ? 'qemu64' : undefined);
  return cpuModel ? { driver, cpuModel } : { driver };
}

/** The Vagrantfile text for a lab: one machine per node, no provisioners. */
export function renderVagrantfile(lab: Lab, opts: RenderOptions = {}): string {
  return template()({
    lab: { name: lab.name },
    netmask: lab.netmask,
    boxes: lab.boxes,
    libvirt: {
      cpuModel: false,
      ...libvirtSettings(lab, opts),
      isolated: lab.libvirt.managementNetwork === 'isolated',
    },
    nodes: lab.nodes.map((n) => ({ name: n.name, ip: n.ip, memory: n.memory, cpus: n.cpus })),
  });
}

/** Writes the lab's Vagrantfile to paths.vagrantfile and returns that path. */
export function writeVagrantfile(lab: Lab, paths: LabPaths, opts: RenderOptions = {}): string {
  mkdirSync(dirname(paths.vagrantfile), { recursive: true });
  writeFileSync(paths.vagrantfile, renderVagrantfile(lab, opts));
  return paths.vagrantfile;
}
