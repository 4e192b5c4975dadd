// Parses `vagrant --machine-readable` output: pure functions over text, no I/O.

/** One record: `timestamp,target,type,data...` with Vagrant's escapes undone in each data field. */
export interface MachineRecord {
  timestamp: number;
  target: string;
  type: string;
  data: string[];
}

// Vagrant writes commas in data as %!(VAGRANT_COMMA) and newlines as a literal \n (and \r as \r).
export function unescapeField(field: string): string {
  return field.replaceAll('%!(VAGRANT_COMMA)', ',').replaceAll('\\n', '\n').replaceAll('\\r', '\r');
}

const RECORD = /^(\d+),([^,]*),([^,]+)(?:,(.*))?$/;

/** Every machine-readable record in the output; other lines (e.g. raw ssh-config text) are ignored. */
export function parseMachineReadable(stdout: string): MachineRecord[] {
  const records: MachineRecord[] = [];
  for (const line of stdout.split('\n')) {
    const m = RECORD.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const data = m[4] === undefined ? [] : m[4].split(',').map(unescapeField);
    records.push({ timestamp: Number(m[1]), target: m[2]!, type: m[3]!, data });
  }
  return records;
}

/** The `error-exit` record, if Vagrant ended with an error: its Ruby class and message. */
export function errorExit(records: MachineRecord[]): { errorClass: string; message: string } | undefined {
  const r = records.find((rec) => rec.type === 'error-exit');
  if (!r) return undefined;
  return { errorClass: r.data[0] ?? 'unknown', message: r.data.slice(1).join(',') };
}

/** Machine states from `vagrant status`: name -> state id (e.g. running, poweroff, not_created) and provider. */
export function machineStates(records: MachineRecord[]): Map<string, { state: string; provider?: string }> {
  const states = new Map<string, { state: string; provider?: string }>();
  for (const r of records) {
    if (!r.target) continue;
    const entry = states.get(r.target) ?? { state: 'unknown' };
    if (r.type === 'state' && r.data[0]) entry.state = r.data[0];
    else if (r.type === 'provider-name' && r.data[0]) entry.provider = r.data[0];
    else continue;
    states.set(r.target, entry);
  }
  return states;
}

/** The `ssh-config` text Vagrant printed for each machine, by machine name. */
export function sshConfigTexts(records: MachineRecord[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const r of records) {
    if (r.type === 'ssh-config' && r.target) texts.set(r.target, r.data.join(','));
  }
  return texts;
}

/** Human-readable lines Vagrant printed (`ui` records), for logs and error details. */
export function uiLines(records: MachineRecord[]): string[] {
  return records.filter((r) => r.type === 'ui').map((r) => r.data.slice(1).join(','));
}
