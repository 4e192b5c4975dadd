// The acknowledged-write ledger lives on the client node: it lasts exactly as long as the lab, so every
// drill re-checks the writes of every earlier drill, and a destroyed lab takes its ledger with it.
import type { Remote } from '../engine/remote.ts';
import type { AckedWrite } from './types.ts';

const LEDGER = '/var/lib/lab-drill/acked-writes.jsonl';

/** Parses the ledger's JSON lines; a torn line (the put was interrupted) is skipped. */
export function parseLedger(text: string): AckedWrite[] {
  return text.split('\n').flatMap((line) => {
    try {
      const w = JSON.parse(line) as AckedWrite;
      return typeof w.id === 'string' && typeof w.sha256 === 'string' ? [w] : [];
    } catch {
      return [];
    }
  });
}

/** Every write acknowledged by earlier drills on this lab; none on a fresh lab. */
export async function loadLedger(remote: Remote, client: string): Promise<AckedWrite[]> {
  const r = await remote.exec(client, ['cat', LEDGER], { timeoutMs: 20_000 });
  return r.code === 0 ? parseLedger(r.stdout) : [];
}

export async function saveLedger(remote: Remote, client: string, ledger: AckedWrite[]): Promise<void> {
  await remote.put(client, LEDGER, ledger.map((w) => JSON.stringify(w)).join('\n'), 0o600);
}
