// Routing between the direct path and a background job (review 26, 31): a request is served in
// the invocation only when a pessimistic bound on its uncached size fits under the threshold.
// Each density source's estimate is inflated by the error that source is known to have, so a
// request whose true size is well over the limit is never served directly. Pure.
import type { DensitySource, Estimate } from './estimator.ts';

/**
 * How far each source's estimate may fall short of the truth (measured by the estimator specs:
 * catalogue intervals never under-estimate by more than a factor of 2, change-of-value points
 * being over-estimated ~30×; learned densities, after one fetch, within ±20% at the sizes the
 * threshold concerns — small sets of change-of-value points stray further, by a few samples;
 * the default is configured at or above the densest interval class, so it never under-estimates).
 * spec/timeseries/router-configured.spec.ts checks the guarantee on real-site series.
 */
export const UNDERESTIMATE_FACTOR: Readonly<Record<DensitySource, number>> = {
  learned: 1.25,
  catalogue: 2,
  site: 2,
  default: 1,
};

/**
 * The margin the routing guarantee is stated with: a request whose true size exceeds the
 * threshold by more than this fraction is never served directly (spec/timeseries/router.spec.ts).
 */
export const SAFETY_MARGIN = 0.25;

/**
 * The most samples one answer may hold in the `rows` layout, whatever JOB_MAX_SAMPLES says:
 * [t, v] pairs cost ~150–190 bytes a sample in the isolate (bench/suites/direct-path.ts), so about
 * 300k fill the ~55 MB one answer may take (docs/PERFORMANCE.md, Direct-path threshold).
 */
export const ROWS_MAX_SAMPLES = 300_000;

/** The largest answer a layout may be given: rows cost far more memory than columns. */
export function maxAnswerSamples(layout: string, jobMaxSamples: number): number {
  return layout === 'rows' ? Math.min(jobMaxSamples, ROWS_MAX_SAMPLES) : jobMaxSamples;
}

/** Why a request went where it went (logged, and in Analytics Engine). */
export type RouteReason =
  | 'requested_async'
  | 'fully_cached'
  | 'cached_stream'
  | 'over_threshold'
  | 'within_threshold'
  | 'too_large';

export interface RouteDecision {
  route: 'direct' | 'job';
  reason: RouteReason;
  /** The pessimistic size the decision compared with the threshold. */
  upperBound: number;
}

export interface RouteInput {
  estimate: Pick<Estimate, 'samplesBySource'>;
  /** The effective DIRECT_MAX_SAMPLES (adaptive-threshold.ts may have lowered it). */
  threshold: number;
  /** `Prefer: respond-async`. */
  preferAsync: boolean;
  /** Every chunk of the request is cached: serving it costs no upstream work. */
  fullyCached: boolean;
  /** Samples already cached (exact); they count towards the size of the answer. */
  cachedSamples: number;
  /** JOB_MAX_SAMPLES (or less, for rows): no answer laid out in memory may be larger; a job may. */
  maxSamples: number;
  /**
   * CACHED_STREAM_MAX_SAMPLES: the largest fully cached answer streamed from the chunk cache
   * series by series (cached-stream.ts) instead of laid out in memory; past it a job.
   */
  streamMaxSamples: number;
}

/** The estimate inflated by each source's known error: what the router compares. */
export function upperBound(samplesBySource: Readonly<Record<DensitySource, number>>): number {
  let bound = 0;
  for (const source of Object.keys(UNDERESTIMATE_FACTOR) as DensitySource[]) {
    bound += samplesBySource[source] * UNDERESTIMATE_FACTOR[source];
  }
  return Math.ceil(bound);
}

/**
 * A client may ask for a job; nothing a client sends can put an oversized request on the direct
 * path; a fully cached request over `maxSamples` streams from the cache up to `streamMaxSamples`
 * and is made a job on account of its size only past that; and anything else larger than
 * `maxSamples` (cached plus a pessimistic bound on the rest) is a job, whose result streams
 * whatever its size (jobs run as tasks: jobs/tasks.ts).
 */
export function decideRoute(input: RouteInput): RouteDecision {
  const bound = upperBound(input.estimate.samplesBySource);
  const { cachedSamples } = input;
  const streams = cachedSamples > input.maxSamples && cachedSamples <= input.streamMaxSamples;
  if (input.fullyCached && !input.preferAsync && streams) {
    return { route: 'direct', reason: 'cached_stream', upperBound: bound };
  }
  if (cachedSamples + bound > input.maxSamples) {
    return { route: 'job', reason: 'too_large', upperBound: bound };
  }
  if (input.preferAsync) return { route: 'job', reason: 'requested_async', upperBound: bound };
  if (input.fullyCached) return { route: 'direct', reason: 'fully_cached', upperBound: bound };
  return bound > input.threshold
    ? { route: 'job', reason: 'over_threshold', upperBound: bound }
    : { route: 'direct', reason: 'within_threshold', upperBound: bound };
}
