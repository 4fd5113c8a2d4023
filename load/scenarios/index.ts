// The registry of load scenarios, in the order `node load/run.ts` runs them. A new scenario is a
// module in this folder exporting a `Scenario`, added here; nothing else changes.
import type { Scenario } from '../lib/scenario.ts';
import { amplification } from './amplification.ts';
import { cacheStorm } from './cache-storm.ts';
import { dashboardMix } from './dashboard-mix.ts';
import { faults } from './faults.ts';
import { hotReads } from './hot-reads.ts';
import { jobBacklog } from './job-backlog.ts';
import { smoke } from './smoke.ts';
import { thunderingHerd } from './thundering-herd.ts';

/**
 * Every scenario, in run order: the short CI one first, the read-path storms, the cost of a hot
 * read against the floor, the mix, the job backlog, made-up tokens against the verification budget,
 * and the fault injection last (it leaves the ACE circuit breaker to recover).
 */
export const SCENARIOS: readonly Scenario[] = [
  smoke,
  cacheStorm,
  thunderingHerd,
  hotReads,
  dashboardMix,
  jobBacklog,
  amplification,
  faults,
];
