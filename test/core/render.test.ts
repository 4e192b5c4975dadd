import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLabFile, parseLab, REPO_ROOT } from '../../scripts/core/model.ts';
import { labPaths } from '../../scripts/core/paths.ts';
import {
  libvirtSettings,
  renderVagrantfile,
  rubyString,
  writeVagrantfile,
} from '../../scripts/core/render.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasRuby = has('ruby');
const hasVagrant = has('vagrant');
const hasLibvirtPlugin =
  hasVagrant &&
  spawnSync('vagrant', ['plugin', 'list'], { encoding: 'utf8' }).stdout.includes('vagrant-libvirt');

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs vagrant on a rendered file in a temp dir; VAGRANT_CWD keeps it away from any other Vagrantfile. */
const vagrant = (text: string, args: string[], env: Record<string, string> = {}) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'Vagrantfile'), text);
  return spawnSync('vagrant', args, {
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, VAGRANT_CWD: dir, VAGRANT_CHECKPOINT_DISABLE: '1', ...env },
  });
};

const weirdLab = () =>
  parseLab(
    `name: weird
network: { subnet: 10.0.93.0/24 }
boxes: { virtualbox: 'my "box" #{exit 3} #@x \\ end', libvirt: "line\\nbreak's" }
libvirt: { driver: qemu, cpu_model: 'Haswell"#{1}' }
nodes:
  - { name: solo, ip: 10.0.93.5, roles: [client], memory: 700, cpus: 2 }
`,
    '/tmp/weird.yaml',
  ).lab;

const labs = ['full-ha', 'tp'] as const;

describe('renderVagrantfile', () => {
  it.each(labs)('renders labs/%s exactly as the golden file', (name) => {
    const { lab } = loadLabFile(name);
    const golden = readFileSync(join(REPO_ROOT, 'test/golden', `${name}.Vagrantfile`), 'utf8');
    expect(renderVagrantfile(lab)).toBe(golden);
  });

  it('defines every node once, with its address, netmask, memory and no provisioner', () => {
    const { lab } = loadLabFile('full-ha');
    const text = renderVagrantfile(lab);
    expect(text.match(/config\.vm\.define /g)).toHaveLength(lab.nodes.length);
    expect(text).toContain('config.vm.define "db2" do |node|');
    expect(text).toContain('ip: "10.0.2.32", netmask: "255.255.255.0"');
    expect(text).not.toMatch(/\.provision\b/);
    // libvirt's NAT management network by default, so a plain box can fetch packages.
    expect(text).not.toContain('management_network_mode');
  });

  it('uses qemu64 under TCG only when KVM is unusable or the lab asks for qemu', () => {
    const { lab } = loadLabFile('tp');
    expect(libvirtSettings(lab)).toEqual({ driver: 'kvm' });
    expect(libvirtSettings(lab, { libvirtDriver: 'qemu' })).toEqual({ driver: 'qemu', cpuModel: 'qemu64' });
    const kvm = renderVagrantfile(lab, { libvirtDriver: 'kvm' });
    expect(kvm).not.toContain('cpu_mode');
    const tcg = renderVagrantfile(lab, { libvirtDriver: 'qemu' });
    expect(
      tcg.match(/lv\.driver = "qemu"\n.*\n\s+lv\.cpu_mode = "custom"\n\s+lv\.cpu_model = "qemu64"/g),
    ).toHaveLength(9);
    const fixed = { ...lab, libvirt: { ...lab.libvirt, driver: 'kvm' as const } };
    expect(renderVagrantfile(fixed, { libvirtDriver: 'qemu' })).not.toContain('"qemu"');
  });

  it('isolates the management network when the lab asks (offline box, no route off the host)', () => {
    const { lab } = loadLabFile('tp');
    const isolated = { ...lab, libvirt: { ...lab.libvirt, managementNetwork: 'isolated' as const } };
    expect(renderVagrantfile(isolated).match(/lv\.management_network_mode = "none"/g)).toHaveLength(
      lab.nodes.length,
    );
  });

  it('writes the Vagrantfile where the lab paths say', () => {
    const paths = labPaths('tp', tempDir());
    const file = writeVagrantfile(loadLabFile('tp').lab, paths);
    expect(file).toBe(paths.vagrantfile);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(renderVagrantfile(loadLabFile('tp').lab));
  });
});

describe.skipIf(!hasRuby)(
  `Ruby accepts the rendered text${hasRuby ? '' : ' (skipped: ruby is not installed)'}`,
  () => {
    it.each(['plain', 'a"b', 'back\\slash', '#{exit 3}', '#@ivar #$gvar', "it's", 'new\nline\ttab', 'ünï €'])(
      'rubyString(%j) evaluates back to the same text',
      (value) => {
        const out = execFileSync('ruby', ['-e', '$stdout.write(eval($stdin.read))'], {
          input: rubyString(value),
        });
        expect(out.toString('utf8')).toBe(value);
      },
    );

    it.each(labs)('ruby -c accepts the %s Vagrantfile', (name) => {
      const dir = tempDir();
      writeFileSync(
        join(dir, 'Vagrantfile'),
        renderVagrantfile(loadLabFile(name).lab, { libvirtDriver: 'qemu' }),
      );
      expect(execFileSync('ruby', ['-c', join(dir, 'Vagrantfile')], { encoding: 'utf8' })).toContain(
        'Syntax OK',
      );
    });

    it('keeps hostile lab values inside their strings', () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'Vagrantfile'), renderVagrantfile(weirdLab()));
      expect(execFileSync('ruby', ['-c', join(dir, 'Vagrantfile')], { encoding: 'utf8' })).toContain(
        'Syntax OK',
      );
    });
  },
);

const why = hasVagrant ? '' : ' (skipped: vagrant is not installed)';
describe.skipIf(!hasVagrant)(`vagrant validate -p accepts the rendered text${why}`, () => {
  it.each(labs)(
    'validates %s with the installed plugins and with none loaded',
    { timeout: 120_000 },
    (name) => {
      const text = renderVagrantfile(loadLabFile(name).lab, { libvirtDriver: 'qemu' });
      for (const env of [{}, { VAGRANT_NO_PLUGINS: '1' }] as Record<string, string>[]) {
        const r = vagrant(text, ['validate', '-p'], env);
        expect(r.stdout + r.stderr).toContain('Vagrantfile validated successfully');
        expect(r.status).toBe(0);
      }
    },
  );

  it('validates a Vagrantfile whose box names hold quotes, backslashes and #{}', { timeout: 60_000 }, () => {
    const r = vagrant(renderVagrantfile(weirdLab()), ['validate', '-p']);
    expect(r.status).toBe(0);
  });

  it('lets `vagrant <command> web1` find the machine from the lab directory itself', {
    timeout: 60_000,
  }, () => {
    const paths = labPaths('tp', tempDir());
    writeVagrantfile(loadLabFile('tp').lab, paths);
    const { VAGRANT_CWD: _ignored, ...env } = process.env;
    const r = spawnSync('vagrant', ['status', 'web1', '--machine-readable'], {
      cwd: paths.root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...env, VAGRANT_CHECKPOINT_DISABLE: '1' },
    });
    expect(r.stdout).toMatch(/^\d+,web1,state,not_created$/m);
  });

  it('rejects a broken Vagrantfile (so the passes above mean something)', { timeout: 60_000 }, () => {
    const text = renderVagrantfile(loadLabFile('tp').lab).replace(
      'config.vm.guest = :debian',
      'config.vm.nonsense = 1',
    );
    const r = vagrant(text, ['validate', '-p']);
    expect(r.status).not.toBe(0);
  });
});

const whyLv = hasLibvirtPlugin ? '' : ' (skipped: the vagrant-libvirt plugin is not installed)';
describe.skipIf(!hasLibvirtPlugin)(`vagrant-libvirt accepts the libvirt blocks${whyLv}`, () => {
  it('validates the tp libvirt settings for KVM and for TCG', { timeout: 120_000 }, () => {
    for (const libvirtDriver of ['kvm', 'qemu'] as const) {
      const text = renderVagrantfile(loadLabFile('tp').lab, { libvirtDriver });
      const r = vagrant(text, ['validate'], { VAGRANT_DEFAULT_PROVIDER: 'libvirt' });
      expect(r.stdout + r.stderr).toContain('Vagrantfile validated successfully');
    }
  });
});
