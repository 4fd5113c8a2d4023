// The second half of a read: an assessed request served from the chunk tiers and ACE. Cached
// chunks come from the fastest tier that has them; consecutive missing chunks are fetched as one
// range, once per isolate however many requests want it (coalesced), stored with a TTL by
// recency, and the series assembled in the order asked. An R2 failure switches the request to
// bypass: answered from ACE alone, nothing stored, so nothing half-stored can be served later.
import type { AceClient } from '../ace/client.ts';
import { CHUNK_ENCODING, type ChunkSeries } from '../cache/chunk-codec.ts';
import type { ChunkRef, ChunkTiers } from '../cache/chunk-tiers.ts';
import type { Clock } from '../clock.ts';
import { type AppError, ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { Caller } from '../requests.ts';
import type { Assessment } from './assess.ts';
import { type PlannedChunk, splitByChunk } from './chunks.ts';
import { createSingleFlight, type SingleFlight } from './coalesce.ts';
import { downsample } from './downsample.ts';
import type { FetchObservation } from './point-stats.ts';
import { assembleSeries, type CacheStatus, type Served } from './served.ts';

export type { CacheStatus, Served, ServeMeta } from './served.ts';

/** What a fetched range yields: its chunks' series by chunk start, and what it cost. */
interface RangeFetch {
  byChunk: Map<number, readonly ChunkSeries[]>;
  dropped: number;
  upstreamRequests: number;
}

/** Isolate-wide sharing of range fetches; create once per isolate (isolate.ts). */
export type RangeFlights = SingleFlight<Result<RangeFetch>>;
export const createRangeFlights = (): RangeFlights => createSingleFlight<Result<RangeFetch>>();

export interface ServeOptions {
  ace: Pick<AceClient, 'fetchTimeseries'>;
  tiers: Pick<ChunkTiers, 'read' | 'write'>;
  clock: Clock;
  log: Logger;
  flights: RangeFlights;
  /** Told of every successful upstream fetch (density learning, aggregates); must not throw. */
  onFetched?: (observation: FetchObservation) => void;
}

/** ACE refusals that are about the caller, not the data: a joiner with another token retries alone. */
const CALLER_SPECIFIC: ReadonlySet<AppError['kind']> = new Set(['unauthorized', 'forbidden', 'not_found']);

/** Consecutive missing chunks become one upstream range: the indexes of each gap. */
function gaps(missing: readonly boolean[]): number[][] {
  const ranges: number[][] = [];
  let current: number[] = [];
  missing.forEach((m, i) => {
    if (m) current.push(i);
    else if (current.length) {
      ranges.push(current);
      current = [];
    }
  });
  if (current.length) ranges.push(current);
  return ranges;
}

/** Creates the serving step of the read path. */
export function createServe(options: ServeOptions) {
  const { ace, tiers, clock, log, flights } = options;

  /** Reads a range's chunks again (a flight may have stored them meanwhile), else fetches it. */
  async function fetchRange(
    caller: Caller,
    a: Assessment,
    idx: number[],
    bypass: boolean,
  ): Promise<Result<RangeFetch>> {
    const range = idx.map((i) => a.chunks[i] as PlannedChunk);
    const refs = idx.map((i) => a.refs[i] as ChunkRef);
    if (!bypass) {
      const again = await Promise.all(refs.map((r) => tiers.read(r)));
      if (again.every((g) => g.ok && g.value)) {
        const byChunk = new Map(
          range.map((c, i) => [c.startMs, (again[i]?.ok && again[i].value?.series) || []]),
        );
        return ok({ byChunk, dropped: 0, upstreamRequests: 0 });
      }
    }
    const first = range[0] as PlannedChunk;
    const last = range[range.length - 1] as PlannedChunk;
    const { site } = a.request;
    const fetched = await ace.fetchTimeseries(
      { site, points: a.points, startMs: first.startMs, endMs: last.endMs },
      { token: caller.token },
    );
    if (!fetched.ok) return fetched;
    options.onFetched?.({
      site,
      startMs: first.startMs,
      endMs: Math.min(last.endMs, clock.now()),
      series: fetched.value.series,
    });
    const byChunk = splitByChunk(fetched.value.series, range);
    if (!bypass) {
      await Promise.all(
        range.map(async (c, i) => {
          const series = byChunk.get(c.startMs) ?? [];
          const samples = series.reduce((n, s) => n + s.t.length, 0);
          const meta = {
            site,
            interval: 'raw',
            chunkStartMs: c.startMs,
            chunkEndMs: c.endMs,
            points: a.points.length,
            samples,
            encoding: CHUNK_ENCODING,
          };
          const stored = await tiers.write(refs[i] as ChunkRef, series, meta, c.ttlMs);
          if (!stored.ok) log.warn('timeseries.cache_put_failed', { chunk: i, kind: stored.error.kind });
        }),
      );
    }
    return ok({ byChunk, dropped: fetched.value.dropped, upstreamRequests: fetched.value.upstreamRequests });
  }

  return async function serveAssessed(caller: Caller, a: Assessment): Promise<Result<Served>> {
    const { request, chunks } = a;
    // 1. Cached chunks, from the fastest tier that has each.
    let bypass = false;
    const found: (readonly ChunkSeries[] | null)[] = await Promise.all(
      a.refs.map(async (ref) => {
        const got = await tiers.read(ref);
        if (!got.ok) bypass = true;
        return got.ok && got.value ? got.value.series : null;
      }),
    );
    const afterCache = clock.now();

    // 2. The gaps, fetched once per range however many requests want it right now.
    const missing = found.map((f) => f === null);
    let dropped = 0;
    let upstreamRequests = 0;
    for (const idx of gaps(missing)) {
      const flightKey = JSON.stringify([
        request.site,
        a.points,
        chunks[idx[0] as number]?.startMs,
        chunks[idx.at(-1) as number]?.endMs,
        bypass,
      ]);
      let shared = await flights.run(flightKey, () => fetchRange(caller, a, idx, bypass));
      if (!shared.value.ok && !shared.leader && CALLER_SPECIFIC.has(shared.value.error.kind)) {
        // Another caller's refusal says nothing about this caller: ask with this caller's token.
        shared = { value: await fetchRange(caller, a, idx, bypass), leader: true };
      }
      if (!shared.value.ok) return shared.value;
      if (shared.leader) {
        dropped += shared.value.value.dropped;
        upstreamRequests += shared.value.value.upstreamRequests;
      }
      for (const i of idx)
        found[i] = shared.value.value.byChunk.get((chunks[i] as PlannedChunk).startMs) ?? [];
    }
    const afterUpstream = clock.now();

    // 3. Assemble in the order asked: chunks are in time order and each lies inside its day.
    const raw = assembleSeries(
      a.points,
      request.points,
      found.map((f) => f ?? []),
    );
    const { interval } = request;
    const series = interval === 'raw' ? raw : raw.map((s) => downsample(s, interval));
    const hits = missing.filter((m) => !m).length;
    const status: CacheStatus = bypass
      ? 'bypass'
      : hits === chunks.length
        ? 'hit'
        : hits === 0
          ? 'miss'
          : 'partial';
    return ok({
      series,
      meta: {
        samples: series.reduce((n, s) => n + s.t.length, 0),
        dropped,
        estimated_samples: a.estimate.samples,
        route: status === 'hit' ? 'cache' : 'upstream',
        cache: status,
        chunks: chunks.length,
        upstream_requests: upstreamRequests,
      },
      timings: {
        access: a.accessAt - a.startedAt,
        cache: afterCache - a.accessAt,
        upstream: afterUpstream - afterCache,
        total: clock.now() - a.startedAt,
      },
    });
  };
}
