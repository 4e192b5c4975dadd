// Every check of `lab verify`, in the order they run: machines first, then tier by tier, Nextcloud last.
import { dataChecks } from './data.ts';
import { lbChecks } from './lb.ts';
import { machineChecks } from './machines.ts';
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
];
