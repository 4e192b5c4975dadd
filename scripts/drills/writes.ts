// Pure comparison of the acknowledged writes with what the lab holds afterwards.
import type { AckedWrite, LostWrite } from './types.ts';

/** What the lab holds for one write id: the DB row's and the file's checksum (null: missing). */
export interface StoredWrite {
  row: string | null;
  file: string | null;
}

type Entry = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const idOf = (v: unknown): string | null => str(v) ?? (typeof v === 'number' ? String(v) : null);

/**
 * Reads GET /lab-probe/writes.php: `{ rows: [{ id, sha256, ... }], files: { <id>: <sha256> } }`.
 * An answer without them (an error page, a 503) holds nothing, so every write counts as missing.
 */
export function parseStoredWrites(body: unknown): Map<string, StoredWrite> {
  const out = new Map<string, StoredWrite>();
  const b = (body && typeof body === 'object' ? body : {}) as { rows?: unknown; files?: unknown };
  for (const e of Array.isArray(b.rows) ? (b.rows as Entry[]) : []) {
    const id = idOf(e.id);
    if (id) out.set(id, { row: str(e.sha256), file: null });
  }
  const files = b.files && typeof b.files === 'object' ? (b.files as Record<string, unknown>) : {};
  for (const [id, sum] of Object.entries(files)) {
    out.set(id, { row: out.get(id)?.row ?? null, file: str(sum) });
  }
  return out;
}

/** What dav-files.php answers for a file Nextcloud keeps locked (HTTP 423). */
export const DAV_LOCKED = 'locked';

/**
 * Every acknowledged write must be there, unchanged: a probe write as a database row and a file on the
 * shared storage, a WebDAV PUT as the file Nextcloud serves back (`dav`: path -> sha256, DAV_LOCKED or
 * null).
 */
export function findLostWrites(
  acked: AckedWrite[],
  stored: Map<string, StoredWrite>,
  dav: Map<string, string | null> = new Map(),
): LostWrite[] {
  const lost: LostWrite[] = [];
  for (const w of acked) {
    if (w.via === 'dav') {
      const sum = dav.get(w.id);
      if (!sum) lost.push({ id: w.id, reason: 'WebDAV file missing' });
      // The file is there but its user cannot open it: a lock no live request holds (HTTP 423).
      else if (sum === DAV_LOCKED)
        lost.push({ id: w.id, reason: 'WebDAV file locked (HTTP 423: a stale lock in Redis)' });
      else if (sum !== w.sha256)
        lost.push({ id: w.id, reason: `WebDAV file differs (${sum.slice(0, 12)}…)` });
      continue;
    }
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
