import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLab } from '../../scripts/core/model.ts';
import { labPaths } from '../../scripts/core/paths.ts';
import { coversNames, ensureLabTls, minimalSerial, serialHex, serverNames } from '../../scripts/core/tls.ts';

const labText = (extraLb = '') => `
name: tls-test
network: { subnet: 10.0.94.0/24 }
vips: { front: 10.0.94.10 }
nodes:
  - { name: lb1, ip: 10.0.94.11, roles: [lb] }
  - { name: lb2, ip: 10.0.94.12, roles: [lb] }
${extraLb}`;

const dirs: string[] = [];
const tempPaths = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
  dirs.push(dir);
  return labPaths('tls-test', dir);
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const openssl = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

describe('lab TLS', () => {
  it('makes serials OpenSSL reads whatever the random bytes: 16 bytes, the first 0x01-0x7f', () => {
    const bytes = (...b: number[]) => String.fromCharCode(...b, ...Array(16 - b.length).fill(0x4f));
    expect(serialHex(bytes(0x00, 0x4f))).toBe(`01${'4f'.repeat(15)}`);
    expect(serialHex(bytes(0x04))).toMatch(/^044f/);
    expect(serialHex(bytes(0xff))).toMatch(/^7f4f/);
    expect(serialHex(bytes(0x80))).toMatch(/^014f/);
    for (let i = 0; i < 200; i++) expect(serialHex()).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
  });

  it('replaces a CA and server certificate whose serial OpenSSL rejects (made before serialHex)', () => {
    const { lab } = parseLab(labText(), '/tmp/lab.yaml');
    const paths = tempPaths();
    const files = ensureLabTls(lab, paths);
    // The old serial ("0" and 30 hex digits) when the first random byte was 0: forge encodes 00 4f ...,
    // which OpenSSL rejects (BAD INTEGER).
    const keys = forge.pki.rsa.generateKeyPair({ bits: 1024 });
    const bad = forge.pki.createCertificate();
    bad.publicKey = keys.publicKey;
    bad.serialNumber = `000${'4f'.repeat(14)}`;
    bad.validity.notBefore = new Date();
    bad.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
    bad.setSubject([{ name: 'commonName', value: 'old lab CA' }]);
    bad.setIssuer([{ name: 'commonName', value: 'old lab CA' }]);
    bad.sign(keys.privateKey, forge.md.sha256.create());
    expect(minimalSerial(bad)).toBe(false);
    writeFileSync(files.caCert, forge.pki.certificateToPem(bad));
    writeFileSync(files.caKey, forge.pki.privateKeyToPem(keys.privateKey));
    expect(() => openssl(['x509', '-in', files.caCert, '-noout'])).toThrow();
    const again = ensureLabTls(lab, paths);
    expect(again.created).toEqual(['ca', 'server']);
    expect(openssl(['verify', '-CAfile', again.caCert, again.serverCert]).trim()).toBe(
      `${again.serverCert}: OK`,
    );
  });

  it('names the front VIP, the lb nodes and the lab', () => {
    const { lab } = parseLab(labText(), '/tmp/lab.yaml');
    expect(serverNames(lab)).toEqual({
      dns: ['tls-test', 'lb1', 'lb2', 'localhost'],
      ips: ['10.0.94.10', '10.0.94.11', '10.0.94.12'],
    });
  });

  it('issues a server certificate that openssl verifies against the CA, with the right names', () => {
    const { lab } = parseLab(labText(), '/tmp/lab.yaml');
    const paths = tempPaths();
    const files = ensureLabTls(lab, paths);
    expect(files.created).toEqual(['ca', 'server']);
    expect(openssl(['verify', '-CAfile', files.caCert, files.serverCert]).trim()).toBe(
      `${files.serverCert}: OK`,
    );
    const text = openssl(['x509', '-in', files.serverCert, '-noout', '-ext', 'subjectAltName']);
    expect(text).toContain('IP Address:10.0.94.10');
    expect(text).toContain('DNS:lb2');
    expect(statSync(files.caKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.userCa, 'utf8')).toBe(readFileSync(files.caCert, 'utf8'));
    // The key matches the certificate.
    const certMod = openssl(['x509', '-in', files.serverCert, '-noout', '-modulus']);
    const keyMod = openssl(['rsa', '-in', files.serverKey, '-noout', '-modulus']);
    expect(keyMod).toBe(certMod);
  });

  it('reuses everything on a second run and re-issues only the server certificate when names change', () => {
    const paths = tempPaths();
    const first = ensureLabTls(parseLab(labText(), '/tmp/lab.yaml').lab, paths);
    const ca = readFileSync(first.caCert, 'utf8');
    const server = readFileSync(first.serverCert, 'utf8');
    expect(ensureLabTls(parseLab(labText(), '/tmp/lab.yaml').lab, paths).created).toEqual([]);
    expect(readFileSync(first.serverCert, 'utf8')).toBe(server);
    const bigger = parseLab(labText('  - { name: lb3, ip: 10.0.94.13, roles: [lb] }'), '/tmp/lab.yaml').lab;
    expect(ensureLabTls(bigger, paths).created).toEqual(['server']);
    expect(readFileSync(first.caCert, 'utf8')).toBe(ca);
    expect(coversNames(readFileSync(first.serverCert, 'utf8'), serverNames(bigger))).toBe(true);
  });

  it('refuses a certificate close to expiry or for other names', () => {
    const paths = tempPaths();
    const { lab } = parseLab(labText(), '/tmp/lab.yaml');
    const files = ensureLabTls(lab, paths);
    const pem = readFileSync(files.serverCert, 'utf8');
    expect(coversNames(pem, { dns: ['other'], ips: [] })).toBe(false);
    const in364days = new Date(Date.now() + 364 * 86400_000);
    expect(coversNames(pem, serverNames(lab), undefined, in364days)).toBe(false);
  });
});
