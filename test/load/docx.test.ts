// The activity scenario's .docx, written by hand in PHP (no zip extension on the client): read back here
// with a zip parser of our own, entry by entry, checksums included.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLIENT_DIR, PHP, phpSkipReason } from './php.ts';
import { readZip } from './zip.ts';

const skip = await phpSkipReason();

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
