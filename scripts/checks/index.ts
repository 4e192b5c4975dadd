// Every check of `lab verify`, in the order they run: machines first, then tier by tier.
import { machineChecks } from './machines.ts';
import type { Check } from './types.ts';

export const ALL_CHECKS: Check[] = [...machineChecks];
