// Size estimates for routing (review 26): per point the best available density — learned from
// past fetches (EWMA in point_stats), else the catalogue's collect_interval, else the site's
// learned average, else a configured default — over only the chunks not already cached. Pure; the
// service gathers the inputs. The earlier version assumed 100 samples per point per day for all.

/** Where a point's density came from, best first. */
export type DensitySource = 'learned' | 'catalogue' | 'site' | 'default';

/** A learned density: samples per second, and how many fetches it is built from. */
export interface LearnedDensity {
  samplesPerSecond: number;
  observations: number;
}

/** What is known about one point. */
export interface PointKnowledge {
  point: string;
  learned?: LearnedDensity | null;
  /** The catalogue's collect_interval (seconds); null or absent when unknown. */
  collectIntervalS?: number | null;
  /** A disabled point reports nothing, whatever its interval says. */
  collectEnabled?: boolean | null;
}

export interface EstimateInput {
  points: readonly PointKnowledge[];
  /** Milliseconds of the request not covered by cached chunks. */
  uncachedMs: number;
  /** The site's learned average samples per second per point, when any point has been learned. */
  siteSamplesPerSecond?: number | null;
  defaultSamplesPerSecond: number;
}

export interface Estimate {
  samples: number;
  /** Bytes of the encoded response (see BYTES_PER_SAMPLE). */
  bytes: number;
  /** How many points used each source: the estimate's confidence. */
  sources: Record<DensitySource, number>;
  /** The estimated samples contributed by the points of each source (the router weighs them). */
  samplesBySource: Record<DensitySource, number>;
  /** Each point's samples per second, in the input's order (a job's tasks are planned on them). */
  densities: number[];
}

/** A learned density needs this many fetches before it is trusted over the catalogue. */
export const MIN_OBSERVATIONS = 1;
/** Weight of the newest observation in the moving average. */
export const EWMA_ALPHA = 0.3;
/**
 * Encoded bytes per sample of the JSON columns response (digits of an epoch-ms timestamp and a
 * value with separators); MessagePack is smaller, so this bounds both. See docs/PERFORMANCE.md.
 */
export const BYTES_PER_SAMPLE = 24;

/** The density one point contributes, and where it came from. */
export function pointDensity(
  p: PointKnowledge,
  siteSamplesPerSecond: number | null | undefined,
  defaultSamplesPerSecond: number,
): { samplesPerSecond: number; source: DensitySource } {
  if (
    p.learned &&
    p.learned.observations >= MIN_OBSERVATIONS &&
    Number.isFinite(p.learned.samplesPerSecond)
  ) {
    return { samplesPerSecond: Math.max(0, p.learned.samplesPerSecond), source: 'learned' };
  }
  if (p.collectEnabled === false) return { samplesPerSecond: 0, source: 'catalogue' };
  if (p.collectIntervalS && p.collectIntervalS > 0 && Number.isFinite(p.collectIntervalS)) {
    return { samplesPerSecond: 1 / p.collectIntervalS, source: 'catalogue' };
  }
  if (siteSamplesPerSecond && siteSamplesPerSecond > 0 && Number.isFinite(siteSamplesPerSecond)) {
    return { samplesPerSecond: siteSamplesPerSecond, source: 'site' };
  }
  return { samplesPerSecond: defaultSamplesPerSecond, source: 'default' };
}

/** Estimates a request's samples and bytes over its uncached time. */
export function estimate(input: EstimateInput): Estimate {
  const sources: Record<DensitySource, number> = { learned: 0, catalogue: 0, site: 0, default: 0 };
  const bySource: Record<DensitySource, number> = { learned: 0, catalogue: 0, site: 0, default: 0 };
  const seconds = Math.max(0, input.uncachedMs) / 1000;
  const densities: number[] = [];
  for (const p of input.points) {
    const d = pointDensity(p, input.siteSamplesPerSecond, input.defaultSamplesPerSecond);
    densities.push(d.samplesPerSecond);
    sources[d.source]++;
    bySource[d.source] += d.samplesPerSecond * seconds;
  }
  const rounded = Math.ceil(bySource.learned + bySource.catalogue + bySource.site + bySource.default);
  const samplesBySource: Record<DensitySource, number> = {
    learned: Math.ceil(bySource.learned),
    catalogue: Math.ceil(bySource.catalogue),
    site: Math.ceil(bySource.site),
    default: Math.ceil(bySource.default),
  };
  return { samples: rounded, bytes: rounded * BYTES_PER_SAMPLE, sources, samplesBySource, densities };
}

/**
 * Folds one fetch's observation into a learned density (exponentially weighted): the first
 * observation is taken as is; later ones move the average by EWMA_ALPHA.
 */
export function learnDensity(
  previous: LearnedDensity | null | undefined,
  observed: { samples: number; durationMs: number },
): LearnedDensity | null | undefined {
  if (observed.durationMs <= 0 || !Number.isFinite(observed.samples) || observed.samples < 0) return previous;
  const rate = observed.samples / (observed.durationMs / 1000);
  if (!previous || previous.observations <= 0) return { samplesPerSecond: rate, observations: 1 };
  return {
    samplesPerSecond: previous.samplesPerSecond + EWMA_ALPHA * (rate - previous.samplesPerSecond),
    observations: previous.observations + 1,
  };
}
