// Pure comparison of the acknowledged writes with what the lab holds afterwards.
import type { AckedWrite, LostWrite } from './types.ts';

/** What the lab holds for one write id: the DB row's and the file's checksum (null: missing). */
export interface StoredWrite {
  row: string | null;
  file: string | null;
}

type Entry = Record<string, unknown>;

function entriesOf(body: unknown): Entry[] {
  if (Array.isArray(body)) return body as Entry[];
  if (body && typeof body === 'object') {
    for (const key of ['writes', 'rows', 'items']) {
      const v = (body as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as Entry[];
    }
  }
  return [];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Reads GET /lab-probe/writes.php: rows with id, row_sha256 (or sha256) and file_sha256. */
export function parseStoredWrites(body: unknown): Map<string, StoredWrite> {
  const out = new Map<string, StoredWrite>();
  for (const e of entriesOf(body)) {
    const id = str(e.id) ?? (typeof e.id === 'number' ? String(e.id) : null);
    if (!id) continue;
    out.set(id, { row: str(e.row_sha256) ?? str(e.sha256), file: str(e.file_sha256) });
  }
  return out;
}

/** Every acknowledged write must be present in the database and on the shared storage, unchanged. */
export function findLostWrites(acked: AckedWrite[], stored: Map<string, StoredWrite>): LostWrite[] {
  const lost: LostWrite[] = [];
  for (const w of acked) {
    const s = stored.get(w.id);
    if (!s) lost.push({ id: w.id, reason: 'no database row and no file' });
    else if (s.row === null) lost.push({ id: w.id, reason: 'database row missing' });
    else if (s.row !== w.sha256)
      lost.push({ id: w.id, reason: `database row differs (${s.row.slice(0, 12)}…)` });
    else if (s.file === null) lost.push({ id: w.id, reason: 'file missing on the shared storage' });
    else if (s.file !== w.sha256) lost.push({ id: w.id, reason: `file differs (${s.file.slice(0, 12)}…)` });
  }
  return lost;
}
