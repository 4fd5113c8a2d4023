// Dispatches cron triggers (wrangler.toml [triggers]) to their passes. Each pass catches and logs
// its own failures, so one failing pass never stops the others. Owns the schedule, not the work.
import { describeError } from '../obs/log.ts';
import type { Services } from '../services.ts';

/** The cron expressions of wrangler.toml, by what they run. */
export const CRONS = {
  maintenance: '*/5 * * * *',
  warming: '7 * * * *',
  retention: '30 3 * * *',
} as const;

/** The passes one cron expression runs; an unknown expression runs nothing. */
export function passesFor(cron: string, services: Services): Array<[string, () => Promise<unknown>]> {
  switch (cron) {
    case CRONS.maintenance:
      return [
        ['cache.eviction', () => services.eviction.run()],
        ['jobs.reaper', () => services.jobMaintenance.reapStale()],
        ['jobs.result_expiry', () => services.jobMaintenance.expireResults()],
      ];
    case CRONS.warming:
      return [['cache.warming', () => services.warming.warm()]];
    case CRONS.retention:
      return [['aggregates.retention', () => services.retention.run()]];
    default:
      return [];
  }
}

/** Runs every pass of `cron`; resolves when all have settled. */
export async function runScheduled(cron: string, services: Services): Promise<void> {
  const passes = passesFor(cron, services);
  if (passes.length === 0) services.log.warn('cron.nothing_to_run', { cron });
  await Promise.all(
    passes.map(async ([name, pass]) => {
      try {
        await pass();
      } catch (e) {
        services.log.error('cron.pass_failed', { pass: name, ...describeError(e) });
      }
    }),
  );
}
