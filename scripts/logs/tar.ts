// Reads and writes tar archives of regular files: what `tar` on a node sends, and the logs bundle.
// Small on purpose (ustar, pax `path`/`size` records, GNU long names): the bundle must pass every file
// through the tool's redaction, so the tool reads each one, and no tar library is a dependency.

/** One regular file of an archive. */
export interface TarEntry {
  path: string;
  data: Buffer;
  /** Seconds since the epoch. */
  mtime: number;
}

const BLOCK = 512;

const text = (b: Buffer, from: number, len: number) => {
  const field = b.subarray(from, from + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? len : nul).toString('utf8');
};

/** An octal number field, or GNU's base-256 form (high bit set) for sizes above 8 GiB. */
function number(b: Buffer, from: number, len: number): number {
  if (b[from]! & 0x80) {
    let n = 0;
    for (let i = from + 1; i < from + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  return Number.parseInt(text(b, from, len).trim() || '0', 8);
}

/** `len key=value\n` records of a pax extended header. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = Number(data.subarray(at, space).toString('ascii'));
    if (space < 0 || !(len > 0)) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** The regular files of an uncompressed archive (a hard link as a copy); directories, symlinks and devices are left out. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= archive.length; ) {
    const h = archive.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const type = String.fromCharCode(h[156]!);
    const size = pax.size !== undefined ? Number(pax.size) : number(h, 124, 12);
    const data = archive.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') pax = { ...pax, ...paxRecords(data) };
    else if (type === 'L') longName = text(data, 0, data.length);
    else if (type === 'g') continue;
    else {
      const prefix = text(h, 345, 155);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
      const mtime = number(h, 136, 12);
      if (type === '0' || type === '\0' || type === '7')
        entries.push({ path: name, data: Buffer.from(data), mtime });
      else if (type === '1') {
        // A hard link: tar -h stores a file reached twice (e.g. through a symlink) once.
        const target = pax.linkpath ?? text(h, 157, 100);
        const first = entries.find((e) => e.path === target);
        if (first) entries.push({ path: name, data: first.data, mtime });
      }
      pax = {};
      longName = undefined;
    }
  }
  return entries;
}

function header(name: string, size: number, mtime: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  const octal = (value: number, from: number, len: number) =>
    h.write(`${value.toString(8).padStart(len - 1, '0')}\0`, from, len, 'ascii');
  h.write(name, 0, 100, 'utf8');
  octal(0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Math.floor(mtime), 136, 12);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.fill(0x20, 148, 156);
  const sum = h.reduce((s, b) => s + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

const pad = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** A pax record `len path=...\n`, whose length counts its own digits. */
function paxPath(path: string): Buffer {
  const body = ` path=${path}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return Buffer.from(`${len}${body}`, 'utf8');
}

/** An uncompressed archive of the entries; a name longer than ustar's 100 bytes goes in a pax record. */
export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.path) > 100) {
      const record = paxPath(e.path);
      parts.push(header('././@PaxHeader', record.length, e.mtime, 'x'), record, pad(record.length));
    }
    parts.push(header(e.path, e.data.length, e.mtime, '0'), e.data, pad(e.data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
