// The activity scenario's .docx, written by hand in PHP (no zip extension on the client): read back here
// with a zip parser of our own, entry by entry, checksums included.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLIENT_DIR, PHP, phpSkipReason } from './php.ts';

const skip = await phpSkipReason();

interface Entry {
  name: string;
  method: number;
  crc: number;
  data: Buffer;
}

/** Parses a zip from its end: the end record, each central directory entry, then its local header. */
function readZip(buf: Buffer): Entry[] {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory record');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  expect(at + buf.readUInt32LE(end + 12)).toBe(end);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    expect(buf.readUInt32LE(local + 14), `${name}: local crc`).toBe(crc);
    expect(buf.toString('utf8', local + 30, local + 30 + buf.readUInt16LE(local + 26))).toBe(name);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    entries.push({ name, method, crc, data: buf.subarray(start, start + size) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

async function docx(text: string): Promise<Buffer> {
  const r = await execa(PHP, [join(CLIENT_DIR, 'docx.php'), text], { encoding: 'buffer' });
  return Buffer.from(r.stdout);
}

describe.skipIf(skip)(`docx.php${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('is a zip of the three parts a .docx needs, stored, each with its crc-32', async () => {
    const entries = readZip(await docx('first line\nsecond'));
    expect(entries.map((e) => e.name)).toEqual(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']);
    for (const e of entries) {
      expect(e.method, e.name).toBe(0);
      expect(crc32(e.data), e.name).toBe(e.crc);
    }
  });

  it('declares the main document and points the package relationship at it', async () => {
    const parts = new Map(readZip(await docx('x')).map((e) => [e.name, e.data.toString('utf8')]));
    expect(parts.get('[Content_Types].xml')).toContain(
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>',
    );
    expect(parts.get('_rels/.rels')).toContain('Target="word/document.xml"');
  });

  it('writes one paragraph per line, the text escaped for XML', async () => {
    const doc = readZip(await docx('a <b> & "c"\nnext'))[2]!.data.toString('utf8');
    const paras = [...doc.matchAll(/<w:t xml:space="preserve">([^<]*)<\/w:t>/g)].map((m) => m[1]);
    expect(paras).toEqual(['a &lt;b&gt; &amp; &quot;c&quot;', 'next']);
  });

  it('gives the same bytes for the same text (a fixed time stamp)', async () => {
    expect((await docx('same')).equals(await docx('same'))).toBe(true);
  });
});
