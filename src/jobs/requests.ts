// What a timeseries request becomes as a job: the stored request (only what the consumer and the
// result route need, never a token) and its canonical key, so an identical request while an
// identical job is active returns that job. Pure, apart from hashing.
import { sha256Hex } from '../hash.ts';
import type { Interval } from '../timeseries/intervals.ts';
import type { JobPriority, NewJob } from './store.ts';

/**
 * Queue deliveries one job may have: Cloudflare's max_retries (wrangler.toml, 5) plus the first.
 * After the last, the platform dead-letters the message; the store refuses a further claim.
 */
export const MAX_ATTEMPTS = 6;

/** A validated timeseries request, as the route hands it over. */
export interface JobSpec {
  site: string;
  points: readonly string[];
  startMs: number;
  endMs: number;
  interval: Interval;
  layout: string;
  priority: JobPriority;
  estimatedSamples: number | null;
  /** Each point's estimated samples per second, in `points`' order: the tasks' batches follow them. */
  densities?: readonly number[] | undefined;
}

/**
 * The canonical request key: site, points in the order asked (the result keeps that order), the
 * window and the interval. Layout and format are presentation, chosen again when the result is
 * read, so they do not make a request different.
 */
export function jobRequestKey(spec: Pick<JobSpec, 'site' | 'points' | 'startMs' | 'endMs' | 'interval'>) {
  return sha256Hex(JSON.stringify(['v1', spec.site, spec.points, spec.startMs, spec.endMs, spec.interval]));
}

/** The job row to write for a request of `principal`. */
export async function newJobFor(principal: string, spec: JobSpec): Promise<NewJob> {
  return {
    principal,
    site: spec.site,
    requestKey: await jobRequestKey(spec),
    request: {
      points: [...spec.points],
      start: spec.startMs,
      end: spec.endMs,
      interval: spec.interval,
      layout: spec.layout,
      ...(spec.densities?.length === spec.points.length ? { densities: [...spec.densities] } : {}),
    },
    priority: spec.priority,
    maxAttempts: MAX_ATTEMPTS,
    estimatedSamples: spec.estimatedSamples,
  };
}
