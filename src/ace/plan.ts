// Pure planning of a timeseries fetch from ACE: get_timeseries batches (≤ 50 names, ≤ 6 in
// flight, windows sliced so no call is huge) for small point sets, else the paginated site
// endpoint with a page size from ACE's enum; and the page and byte budgets (review 22) that end
// a fetch with a typed error. Owns decisions only; fetch-timeseries.ts and page-runners.ts
// perform them.
import { type AppError, err, ok, type Result } from '../errors.ts';

/** The only page sizes ACE's paginated endpoint accepts (anything else is a 400). */
export const PAGE_SIZES = [3, 10, 50, 100, 500, 1000, 5000, 10000, 50000, 100000, 300000, 500000] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** get_timeseries accepts at most this many names per call. */
export const MAX_NAMES_PER_CALL = 50;
/** Workers allow 6 simultaneous outgoing connections per invocation. */
export const MAX_IN_FLIGHT = 6;
/** About how many bytes one sample costs on the wire (15.6 MB per 100k-sample page, measured). */
export const WIRE_BYTES_PER_SAMPLE = 160;

/** What the planner needs to know about a fetch. */
export interface PlanInput {
  points: readonly string[];
  startMs: number;
  endMs: number;
  /** Expected samples per second per point (the catalogue's interval or a learned density). */
  samplesPerSecond: number;
  /** How many points the site has, when known: paging it costs all of them. */
  sitePointCount?: number;
  /** Force a strategy (jobs, specs); `auto` chooses. */
  strategy?: 'auto' | 'batches' | 'site';
  /** Force a page size for the site strategy. */
  pageSize?: PageSize;
}

/** Limits the plan respects. */
export interface PlanLimits {
  maxPages: number;
  maxBytes: number;
  /** Up to this many points go through get_timeseries batches (default one wave: 6 × 50). */
  batchMaxPoints?: number;
  /** A get_timeseries call is sliced in time so its expected samples stay under this. */
  maxSamplesPerCall?: number;
  /**
   * Calls in flight at once expect no more than this many samples together (one call at least):
   * a job's task keeps its pages' memory flat whatever its batch (default: MAX_IN_FLIGHT calls).
   */
  maxSamplesInFlight?: number;
}

/** One get_timeseries call: some names over a slice of the window. */
export interface BatchCall {
  names: string[];
  startMs: number;
  endMs: number;
}

/** How to fetch. */
export type FetchPlan =
  | { kind: 'batches'; calls: BatchCall[]; concurrency: number }
  | { kind: 'site'; pageSize: PageSize };

export const DEFAULT_BATCH_MAX_POINTS = MAX_IN_FLIGHT * MAX_NAMES_PER_CALL;
export const DEFAULT_MAX_SAMPLES_PER_CALL = 100_000;

/** Expected samples for `points` points over the window at `samplesPerSecond` each. */
export function expectedSamples(points: number, startMs: number, endMs: number, samplesPerSecond: number) {
  return Math.ceil(points * Math.max(0, endMs - startMs) * (samplesPerSecond / 1000));
}

/**
 * The page size for the site strategy: the smallest enum size that holds the expected samples in
 * one page, but never one whose page would take more than a quarter of the byte budget.
 */
export function choosePageSize(expected: number, maxBytes: number): PageSize {
  const capSamples = Math.max(1, Math.floor(maxBytes / 4 / WIRE_BYTES_PER_SAMPLE));
  let cap: PageSize = PAGE_SIZES[0];
  for (const size of PAGE_SIZES) if (size <= capSamples) cap = size;
  for (const size of PAGE_SIZES) if (size >= expected && size <= cap) return size;
  return cap;
}

/** Splits [startMs, endMs) into `n` consecutive whole-ms slices (n ≥ 1, never an empty slice). */
export function sliceWindow(
  startMs: number,
  endMs: number,
  n: number,
): Array<{ startMs: number; endMs: number }> {
  const span = endMs - startMs;
  const count = Math.max(1, Math.min(n, span));
  const out: Array<{ startMs: number; endMs: number }> = [];
  for (let k = 0; k < count; k++) {
    out.push({
      startMs: startMs + Math.floor((span * k) / count),
      endMs: k === count - 1 ? endMs : startMs + Math.floor((span * (k + 1)) / count),
    });
  }
  return out;
}

/** Distinct names in first-seen order, in groups of at most MAX_NAMES_PER_CALL. */
export function batchNames(points: readonly string[]): string[][] {
  const distinct = [...new Set(points)];
  const out: string[][] = [];
  for (let i = 0; i < distinct.length; i += MAX_NAMES_PER_CALL)
    out.push(distinct.slice(i, i + MAX_NAMES_PER_CALL));
  return out;
}

const tooLarge = (message: string): AppError => ({ kind: 'payload_too_large', message });

/** An error ending a fetch whose page count passed the budget. */
export function pageBudgetError(maxPages: number): AppError {
  return tooLarge(`the upstream fetch needs more than ${maxPages} ACE requests; narrow the range or points`);
}

/** An error ending a fetch whose bytes passed the budget. */
export function byteBudgetError(maxBytes: number): AppError {
  return tooLarge(`the upstream fetch exceeds ${maxBytes} bytes; narrow the range or points`);
}

/**
 * Chooses batches or site paging. Batches are for small point sets (and, when the site's size is
 * known, only while they fetch less than paging the whole site would); a batch plan that needs
 * more calls than the page budget fails here, before any request.
 */
export function planFetch(input: PlanInput, limits: PlanLimits): Result<FetchPlan> {
  const distinct = new Set(input.points).size;
  const batchMax = limits.batchMaxPoints ?? DEFAULT_BATCH_MAX_POINTS;
  const strategy =
    input.strategy && input.strategy !== 'auto'
      ? input.strategy
      : distinct <= batchMax && !(input.sitePointCount !== undefined && distinct * 2 > input.sitePointCount)
        ? 'batches'
        : 'site';

  if (strategy === 'site') {
    const sitePoints = Math.max(distinct, input.sitePointCount ?? distinct);
    const expected = expectedSamples(sitePoints, input.startMs, input.endMs, input.samplesPerSecond);
    return ok({ kind: 'site', pageSize: input.pageSize ?? choosePageSize(expected, limits.maxBytes) });
  }

  const perCall = limits.maxSamplesPerCall ?? DEFAULT_MAX_SAMPLES_PER_CALL;
  const calls: BatchCall[] = [];
  for (const names of batchNames(input.points)) {
    const expected = expectedSamples(names.length, input.startMs, input.endMs, input.samplesPerSecond);
    const slices = sliceWindow(input.startMs, input.endMs, Math.max(1, Math.ceil(expected / perCall)));
    if (calls.length + slices.length > limits.maxPages) return err(pageBudgetError(limits.maxPages));
    for (const s of slices) calls.push({ names, startMs: s.startMs, endMs: s.endMs });
  }
  const largest = calls.reduce(
    (n, c) => Math.max(n, expectedSamples(c.names.length, c.startMs, c.endMs, input.samplesPerSecond)),
    0,
  );
  const fit =
    limits.maxSamplesInFlight === undefined
      ? MAX_IN_FLIGHT
      : Math.floor(limits.maxSamplesInFlight / Math.max(1, largest));
  return ok({ kind: 'batches', calls, concurrency: Math.max(1, Math.min(MAX_IN_FLIGHT, calls.length, fit)) });
}
