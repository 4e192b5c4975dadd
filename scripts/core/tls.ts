// The lab's TLS: one CA per lab and a server certificate for the front address and the lb nodes.
// The only module that imports node-forge. Generated once and reused, so a browser that trusts the
// CA keeps trusting the lab across re-runs.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { LabError } from './errors.ts';
import { frontAddress, type Lab, nodesWithRole } from './model.ts';
import type { LabPaths } from './paths.ts';

export interface TlsFiles {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** The copy of the CA handed to the user's browser. */
  userCa: string;
}

export interface ServerNames {
  dns: string[];
  ips: string[];
}

/** The names the server certificate must cover: the front address, the lab name and every lb node. */
export function serverNames(lab: Lab): ServerNames {
  const lbs = nodesWithRole(lab, 'lb');
  const front = frontAddress(lab);
  const ips = [...new Set([front, ...lbs.map((n) => n.ip)].filter((ip): ip is string => Boolean(ip)))];
  const dns = [...new Set([lab.name, ...lbs.map((n) => n.name), 'localhost'])];
  return { dns, ips };
}

export function tlsFiles(paths: LabPaths): TlsFiles {
  return {
    caCert: join(paths.tls, 'ca.crt'),
    caKey: join(paths.tls, 'ca.key'),
    serverCert: join(paths.tls, 'server.crt'),
    serverKey: join(paths.tls, 'server.key'),
    userCa: join(paths.root, 'ca.crt'),
  };
}

/** Makes the CA and server certificate when missing; re-issues only the server cert when the names changed. */
export function ensureLabTls(lab: Lab, paths: LabPaths, now = new Date()): TlsFiles & { created: string[] } {
  const files = tlsFiles(paths);
  const created: string[] = [];
  mkdirSync(paths.tls, { recursive: true, mode: 0o700 });
  // A CA made before serialHex may be one OpenSSL cannot read, so nothing trusts it: it is replaced too.
  if (!existsSync(files.caCert) || !existsSync(files.caKey) || !minimalSerial(readCa(files).cert)) {
    const ca = makeCa(lab.name, now);
    writeFileSync(files.caKey, ca.key, { mode: 0o600 });
    writeFileSync(files.caCert, ca.cert, { mode: 0o644 });
    created.push('ca');
  }
  const ca = readCa(files);
  const wanted = serverNames(lab);
  if (
    !existsSync(files.serverCert) ||
    !existsSync(files.serverKey) ||
    !coversNames(readFileSync(files.serverCert, 'utf8'), wanted, ca.cert, now)
  ) {
    const server = makeServerCert(lab.name, wanted, ca, now);
    writeFileSync(files.serverKey, server.key, { mode: 0o600 });
    writeFileSync(files.serverCert, server.cert, { mode: 0o644 });
    created.push('server');
  }
  copyFileSync(files.caCert, files.userCa);
  return { ...files, created };
}

function readCa(files: TlsFiles): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  try {
    return {
      cert: forge.pki.certificateFromPem(readFileSync(files.caCert, 'utf8')),
      key: forge.pki.privateKeyFromPem(readFileSync(files.caKey, 'utf8')) as forge.pki.rsa.PrivateKey,
    };
  } catch (cause) {
    throw new LabError('TLS_CA_UNREADABLE', `The lab CA in ${files.caCert} cannot be read`, {
      hint: `Delete ${files.caCert} and ${files.caKey} to make a new CA (browsers must then trust the new ca.crt).`,
      cause,
    });
  }
}

/**
 * True when the PEM certificate is one OpenSSL reads (minimal serial), was signed by the CA, is valid
 * for 30 more days and names every wanted name.
 */
export function coversNames(
  pem: string,
  wanted: ServerNames,
  caCert?: forge.pki.Certificate,
  now = new Date(),
): boolean {
  const cert = forge.pki.certificateFromPem(pem);
  if (!minimalSerial(cert)) return false;
  if (caCert && !signedBy(cert, caCert)) return false;
  if (cert.validity.notAfter.getTime() < now.getTime() + 30 * 86400_000) return false;
  const ext = cert.getExtension('subjectAltName') as
    | { altNames?: { type: number; value?: string; ip?: string }[] }
    | undefined;
  const alt = ext?.altNames ?? [];
  const dns = new Set(alt.filter((a) => a.type === 2).map((a) => a.value));
  const ips = new Set(alt.filter((a) => a.type === 7).map((a) => a.ip));
  return wanted.dns.every((d) => dns.has(d)) && wanted.ips.every((i) => ips.has(i));
}

function signedBy(cert: forge.pki.Certificate, ca: forge.pki.Certificate): boolean {
  try {
    return ca.verify(cert);
  } catch {
    // forge throws when the issuer name differs: not signed by this CA.
    return false;
  }
}

/**
 * A 16-byte serial as even-length hex whose first byte is 0x01-0x7f: positive, and minimal as a DER
 * INTEGER. The serial this replaced ("0" and 30 hex digits: forge reads the odd digit as a 0x00 byte)
 * began 00 00 when the first random byte was 0; forge's DER encoder drops one of them, and a 0x00
 * left before a byte below 0x80 is an encoding OpenSSL 3 rejects ("BAD INTEGER"). One certificate in
 * 512: HAProxy then refused the lab's certificate (`haproxy -c`: unable to load certificate).
 */
export function serialHex(random16: string = forge.random.getBytesSync(16)): string {
  const first = random16.charCodeAt(0) & 0x7f || 0x01;
  return forge.util.bytesToHex(String.fromCharCode(first) + random16.slice(1, 16));
}

const serial = () => serialHex();

/** False for a serial OpenSSL rejects: a leading 0x00 byte the next byte (below 0x80) does not need. */
export function minimalSerial(cert: forge.pki.Certificate): boolean {
  return !/^00[0-7]/i.test(cert.serialNumber);
}

function makeCa(labName: string, now: Date): { cert: string; key: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  setValidity(cert, now, 10);
  const subject = [
    { name: 'commonName', value: `Nextcloud HA Lab CA (${labName})` },
    { name: 'organizationName', value: 'Nextcloud HA Lab' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

function makeServerCert(labName: string, names: ServerNames, ca: ReturnType<typeof readCa>, now: Date) {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  // Browsers reject server certificates valid for more than 398 days.
  setValidity(cert, now, 1);
  cert.setSubject([{ name: 'commonName', value: names.ips[0] ?? labName }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...names.dns.map((value) => ({ type: 2, value })),
        ...names.ips.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

function setValidity(cert: forge.pki.Certificate, now: Date, years: number): void {
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  const end = new Date(now);
  end.setFullYear(end.getFullYear() + years);
  cert.validity.notAfter = end;
}
