// Every check of `lab verify`, in the order they are reported (run.ts starts the longest tiers first):
// machines first, then tier by tier, Nextcloud, then monitoring (whose alerts would name what an
// earlier tier already showed).
import { dataChecks } from './data.ts';
import { lbChecks } from './lb.ts';
import { machineChecks } from './machines.ts';
import { monitoringChecks } from './monitoring.ts';
import { nextcloudChecks } from './nextcloud.ts';
import { storageChecks } from './storage.ts';
import type { Check } from './types.ts';
import { webChecks } from './web.ts';

export const ALL_CHECKS: Check[] = [
  ...machineChecks,
  ...dataChecks, // includes the Redis checks
  ...storageChecks,
  ...webChecks,
  ...lbChecks,
  ...nextcloudChecks,
  ...monitoringChecks, // labs with a monitor node only
];
