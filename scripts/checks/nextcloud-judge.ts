// Pure judgements of Nextcloud's answers for the Nextcloud checks (status.php, OCS, config checksums).

/** Judges a status.php answer: installed, not in maintenance, no pending upgrade. */
export function judgeStatus(body: string): { ok: boolean; summary: string } {
  let s: { installed?: boolean; maintenance?: boolean; needsDbUpgrade?: boolean; versionstring?: string };
  try {
    s = JSON.parse(body);
  } catch {
    return { ok: false, summary: `not status.php JSON: ${body.slice(0, 80)}` };
  }
  if (s.installed !== true) return { ok: false, summary: 'installed is not true' };
  if (s.maintenance !== false) return { ok: false, summary: 'in maintenance mode' };
  if (s.needsDbUpgrade === true) return { ok: false, summary: 'needs a database upgrade (occ upgrade)' };
  return { ok: true, summary: `Nextcloud ${s.versionstring ?? '?'} installed, not in maintenance` };
}

/** The admin's id from an OCS `cloud/user` answer (format=json), or undefined when the login failed. */
export function ocsUserId(body: string): string | undefined {
  try {
    const v = JSON.parse(body) as { ocs?: { meta?: { statuscode?: number }; data?: { id?: string } } };
    return v.ocs?.meta?.statuscode === 200 ? v.ocs.data?.id : undefined;
  } catch {
    return undefined;
  }
}

/** Nodes whose `sha256sum` lines differ from the first node's. */
export function configMismatch(results: { node: string; stdout: string }[]): string[] {
  const sums = (out: string) =>
    out
      .split('\n')
      .map((l) => l.split(/\s+/)[0])
      .filter(Boolean)
      .join(',');
  const first = results[0] ? sums(results[0].stdout) : '';
  return results.filter((r) => sums(r.stdout) !== first || first === '').map((r) => r.node);
}
