// A stream's numbers over time and by size: 1-second buckets of completed responses with their
// latency percentiles, and a latency histogram on fixed log-spaced buckets (the same edges for
// every stream, so two histograms compare bucket by bucket). Pure functions of the raw samples;
// not how they are measured (run-autocannon.ts) or drawn (charts.ts).
import { percentile } from './run-autocannon.ts';

/** One second of a stream: responses completed in [t, t + 1) s after it started, and their latency. */
export interface TimelineBucket {
  /** Start of the bucket, seconds since the stream started. */
  t: number;
  count: number;
  /** Latency percentiles (ms) of the responses completed in the bucket; null when there were none. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Responses whose latency fell in [fromMs, toMs). */
export interface HistogramBucket {
  fromMs: number;
  toMs: number;
  count: number;
}

/** Buckets per decade of the histogram: edges at 10^(k/10) ms, each about 26 % wider than the last. */
export const HISTOGRAM_STEPS_PER_DECADE = 10;
/** Latencies below this (ms) share the lowest bucket; autocannon reports down to microseconds. */
const HISTOGRAM_MIN_MS = 0.01;

const round2 = (n: number): number => Math.round(n * 100) / 100;
const significant = (n: number): number => Number(n.toPrecision(4));

/**
 * The 1-second buckets of a stream, from second 0 to the last response's second, gaps included
 * (a second with no completed response is a bucket with count 0: a stall shows as such).
 * `latencyMs[i]` and `completedMs[i]` describe the same response.
 */
export function timeline(
  latencyMs: Float64Array,
  completedMs: Float64Array,
  bucketMs = 1000,
): TimelineBucket[] {
  if (latencyMs.length !== completedMs.length)
    throw new Error(`timeline: ${latencyMs.length} latencies but ${completedMs.length} completion times`);
  if (latencyMs.length === 0) return [];
  let last = 0;
  for (const at of completedMs) last = Math.max(last, at);
  const perBucket: number[][] = Array.from({ length: Math.floor(last / bucketMs) + 1 }, () => []);
  for (let i = 0; i < latencyMs.length; i++) {
    const b = Math.max(0, Math.floor((completedMs[i] ?? 0) / bucketMs));
    perBucket[b]?.push(latencyMs[i] ?? 0);
  }
  return perBucket.map((values, b) => {
    const sorted = Float64Array.from(values).sort();
    const p = (q: number) => (sorted.length === 0 ? null : round2(percentile(sorted, q)));
    return { t: (b * bucketMs) / 1000, count: sorted.length, p50: p(50), p95: p(95), p99: p(99) };
  });
}

/** The histogram bucket index of a latency: floor(10 · log10(ms)). */
function bucketIndex(ms: number): number {
  return Math.floor(HISTOGRAM_STEPS_PER_DECADE * Math.log10(Math.max(ms, HISTOGRAM_MIN_MS)) + 1e-9);
}

const edge = (k: number): number => significant(10 ** (k / HISTOGRAM_STEPS_PER_DECADE));

/**
 * Latencies counted into log-spaced buckets, contiguous from the lowest non-empty one to the
 * highest (empty buckets in between included, so the shape is not distorted). Empty input: [].
 */
export function latencyHistogram(latencyMs: Float64Array): HistogramBucket[] {
  if (latencyMs.length === 0) return [];
  const counts = new Map<number, number>();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const ms of latencyMs) {
    const k = bucketIndex(ms);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    lo = Math.min(lo, k);
    hi = Math.max(hi, k);
  }
  const out: HistogramBucket[] = [];
  for (let k = lo; k <= hi; k++) out.push({ fromMs: edge(k), toMs: edge(k + 1), count: counts.get(k) ?? 0 });
  return out;
}
