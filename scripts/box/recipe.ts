// What goes into the offline libvirt box: pure data and file contents, so tests can read the recipe.
import { createHash } from 'node:crypto';
import { RECIPE_VERSION as IMAGE_RECIPE_VERSION } from '../providers/nspawn/recipe.ts';

// Bump when the recipe below changes: the cached box is keyed by this and packages.txt.
export const RECIPE_VERSION = 4;
export const DEFAULT_BOX_NAME = 'nclab/debian12';
export const SUITE = 'bookworm';
export const DISK_GIB = 8;
// The partition starts at 1 MiB; the loop device is set at this offset because the cloud kernel here
// cannot see partitions on loop devices.
export const PART_OFFSET = 1_048_576;
// Installed before the kernel, so its modules file can name the virtio drivers before the initramfs is
// made. The rest of the system comes from the nspawn image (scripts/providers/nspawn/recipe.ts).
export const BOOT_PACKAGES = ['initramfs-tools'];
export const KERNEL_PACKAGE = 'linux-image-cloud-amd64';
export const VIRTIO_MODULES = [
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'virtio_scsi',
  'virtio_console',
  'ext4',
];
// Units that would compete with provisioning for the CPU and the dpkg lock on a TCG guest: measured,
// e2scrub_reap alone took 38 s of a 53 s boot under QEMU without KVM.
export const MASKED_UNITS = [
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'man-db.timer',
  'e2scrub_reap.service',
  'e2scrub_all.timer',
  'dpkg-db-backup.timer',
];

// The cache key: a rebuild happens only when packages.txt or the recipe changes.
export function boxKey(packagesText: string): string {
  return createHash('sha256')
    .update(`recipe ${RECIPE_VERSION} image ${IMAGE_RECIPE_VERSION}\n`)
    .update(packagesText)
    .digest('hex')
    .slice(0, 16);
}

// The escaped name vagrant-libvirt gives the box's volume in the storage pool (0.11: `<box>_vagrant_box_image_<version>_...`).
export function poolVolumePrefix(boxName: string): string {
  return `${boxName.replaceAll('/', '-VAGRANTSLASH-')}_vagrant_box_image_`;
}

// Boot menu for extlinux: no prompt, the serial console for `virsh console` and vagrant-libvirt logs.
export function extlinuxConf(kernel: string, initrd: string, rootUuid: string): string {
  return [
    'DEFAULT debian',
    'PROMPT 0',
    'TIMEOUT 1',
    'LABEL debian',
    `  LINUX /boot/${kernel}`,
    `  INITRD /boot/${initrd}`,
    `  APPEND root=UUID=${rootUuid} ro net.ifnames=0 biosdevname=0 console=tty0 console=ttyS0,115200n8`,
    '',
  ].join('\n');
}

export function fstab(rootUuid: string): string {
  return `UUID=${rootUuid} / ext4 errors=remount-ro 0 1\n`;
}

// DHCP on eth0 only (the management network); Vagrant's Debian guest writes eth1's static file itself.
export const ETH0_NETWORK = '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n';

export const SUDOERS_VAGRANT = 'vagrant ALL=(ALL) NOPASSWD:ALL\nDefaults:vagrant !requiretty\n';

// Clones must not share SSH host keys: the box ships none and makes them at first boot. No RSA key:
// generating one took 19 s under TCG; ssh2 and Vagrant's net-ssh both speak ed25519 and ECDSA.
export const SSH_KEYGEN_UNIT = [
  '[Unit]',
  'Description=Generate SSH host keys on first boot',
  'ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key',
  'Before=ssh.service',
  '',
  '[Service]',
  'Type=oneshot',
  "ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key",
  "ExecStart=/usr/bin/ssh-keygen -q -t ecdsa -N '' -f /etc/ssh/ssh_host_ecdsa_key",
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');

export function metadataJson(): string {
  return `${JSON.stringify({ provider: 'libvirt', format: 'qcow2', virtual_size: DISK_GIB })}\n`;
}

// The box's own Vagrantfile: defaults a lab's Vagrantfile may override.
export const BOX_VAGRANTFILE = [
  '# Offline Debian 12 box built by `npm run lab:box` (Nextcloud HA Lab).',
  'Vagrant.configure("2") do |config|',
  '  config.vm.guest = :debian',
  '  config.vm.synced_folder ".", "/vagrant", disabled: true',
  '  config.vm.provider :libvirt do |libvirt|',
  '    libvirt.disk_bus = "virtio"',
  '  end',
  'end',
  '',
].join('\n');
