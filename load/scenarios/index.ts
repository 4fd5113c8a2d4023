// The registry of load scenarios, in the order `node load/run.ts` runs them. A new scenario is a
// module in this folder exporting a `Scenario`, added here; nothing else changes.
import type { Scenario } from '../lib/scenario.ts';
import { smoke } from './smoke.ts';

/**
 * Every scenario, in run order. Planned (see docs/PERFORMANCE.md): cache-storm, dashboard-mix,
 * thundering-herd, job-backlog, faults — each arrives with the Worker routes it loads.
 */
export const SCENARIOS: readonly Scenario[] = [smoke];
