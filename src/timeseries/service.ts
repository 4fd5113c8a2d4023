// Serves a timeseries request from the day-chunk cache and ACE (the query-frontend technique):
// proves the caller may read the site, splits the range at UTC midnights, reads cached chunks,
// fetches only the missing ranges (coalesced in-isolate), stores them with a TTL by recency, and
// assembles series in the order asked. Degrades to ACE alone when R2 fails (X-Cache BYPASS).
// Owns the read path's decisions; keys, storage, chunking and ACE calls are its collaborators.
import type { AceClient } from '../ace/client.ts';
import { canonicalPoints, chunkObjectKey } from '../cache/cache-key.ts';
import { CHUNK_ENCODING, type ChunkSeries, decodeChunk, encodeChunk } from '../cache/chunk-codec.ts';
import type { ResultCache } from '../cache/result-cache.ts';
import type { SiteAccess } from '../cache/site-access.ts';
import type { Clock } from '../clock.ts';
import type { ColumnSeries } from '../encoding/layout.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { PointsCatalogue } from '../points/catalogue.ts';
import { type PlannedChunk, planChunks, splitByChunk, type TtlPolicy } from './chunks.ts';
import { createSingleFlight, type SingleFlight } from './coalesce.ts';
import { downsample } from './downsample.ts';
import { type Estimate, estimate, type PointKnowledge } from './estimator.ts';
import type { Interval } from './intervals.ts';
import type { FetchObservation, PointStats } from './point-stats.ts';

export type CacheStatus = 'hit' | 'partial' | 'miss' | 'bypass';

/** One read request, validated at the edge. */
export interface SeriesRequest {
  site: string;
  points: readonly string[];
  startMs: number;
  endMs: number;
  interval: Interval;
}

/** Who asks: the token is forwarded to ACE, the principal keys authorization. */
export interface Caller {
  principal: string;
  token: string;
}

export interface ServeMeta {
  samples: number;
  dropped: number;
  estimated_samples: number;
  route: 'cache' | 'upstream';
  cache: CacheStatus;
  chunks: number;
  upstream_requests: number;
}

export interface Served {
  series: ColumnSeries[];
  meta: ServeMeta;
  /** Server-Timing entries (name → ms). */
  timings: Record<string, number>;
}

/** What a request will cost, known before any chunk is read: the router's input. */
export interface Assessment {
  request: SeriesRequest;
  /** The request's points in canonical order (the cache key's order). */
  points: string[];
  chunks: PlannedChunk[];
  /** Each chunk's object key. */
  keys: string[];
  /** Whether the cache index lists each chunk as stored (a hint; reads decide). */
  indexed: boolean[];
  fullyCached: boolean;
  /** Samples the index lists for the cached chunks (exact, from cache_entries). */
  cachedSamples: number;
  /** The estimate over the chunks not cached, up to now (the future holds no samples). */
  estimate: Estimate;
  /** When the assessment started and when access was proven (Server-Timing). */
  startedAt: number;
  accessAt: number;
}

export interface TimeseriesService {
  /** Proves access, checks the points, and estimates the uncached part: reads no chunk. */
  assess(caller: Caller, request: SeriesRequest): Promise<Result<Assessment>>;
  /** Serves an assessed request from the cache and ACE. */
  serveAssessed(caller: Caller, assessment: Assessment): Promise<Result<Served>>;
  /** assess then serveAssessed: for callers that never route to a job (warming, drop-in). */
  serve(caller: Caller, request: SeriesRequest): Promise<Result<Served>>;
}

/** What a fetched range yields: its chunks' series by chunk start, and what it cost. */
interface RangeFetch {
  byChunk: Map<number, ChunkSeries[]>;
  dropped: number;
  upstreamRequests: number;
}

/** Isolate-wide sharing of range fetches; create once per isolate (services.ts). */
export type RangeFlights = SingleFlight<Result<RangeFetch>>;
export const createRangeFlights = (): RangeFlights => createSingleFlight<Result<RangeFetch>>();

export interface TimeseriesServiceOptions {
  ace: AceClient;
  cache: ResultCache;
  access: SiteAccess;
  /** The site's catalogue: only its points may be asked for under its name (and cached so). */
  catalogue: Pick<PointsCatalogue, 'list'>;
  clock: Clock;
  log: Logger;
  ttl: TtlPolicy;
  flights: RangeFlights;
  /** Learned densities for the estimate (point_stats). */
  densities: Pick<PointStats, 'knowledge'>;
  /** Samples per point per second assumed when nothing better is known. */
  defaultSamplesPerSecond: number;
  /** Told of every successful upstream fetch (density learning, aggregates); must not throw. */
  onFetched?: (observation: FetchObservation) => void;
}

/** ACE refusals that are about the caller, not the data: a joiner with another token retries alone. */
const CALLER_SPECIFIC: ReadonlySet<AppError['kind']> = new Set(['unauthorized', 'forbidden', 'not_found']);

/** Consecutive missing chunks become one upstream range: one plan for each gap. */
function gaps(chunks: readonly PlannedChunk[], missing: readonly boolean[]): PlannedChunk[][] {
  const ranges: PlannedChunk[][] = [];
  let current: PlannedChunk[] = [];
  chunks.forEach((c, i) => {
    if (missing[i]) current.push(c);
    else if (current.length) {
      ranges.push(current);
      current = [];
    }
  });
  if (current.length) ranges.push(current);
  return ranges;
}

/** Creates the service. */
export function createTimeseriesService(options: TimeseriesServiceOptions): TimeseriesService {
  const { ace, cache, access, catalogue, clock, log, ttl, flights, densities } = options;

  const keysOf = (site: string, points: string[], chunks: readonly PlannedChunk[]) =>
    Promise.all(
      chunks.map((c) =>
        chunkObjectKey({ site, points, startMs: c.startMs, endMs: c.endMs, interval: 'raw' }),
      ),
    );

  const assess: TimeseriesService['assess'] = async (caller, request) => {
    const startedAt = clock.now();
    const allowed = await access.ensure(caller.principal, caller.token, request.site);
    if (!allowed.ok) return allowed;
    // ACE's batch endpoint is not scoped to a site, and chunks are cached under the site's name:
    // a point of another site asked for here would be served to anyone who may read this one.
    const known = await catalogue.list(request.site, caller);
    if (!known.ok) return known;
    const byName = new Map(known.value.map((p) => [p.name, p]));
    const foreign = request.points.flatMap((p, i) =>
      byName.has(p) ? [] : [{ path: `points.${i}`, message: 'not a point of this site' }],
    );
    if (foreign.length > 0) {
      return err({ kind: 'invalid_input', message: 'invalid request', issues: foreign.slice(0, 50) });
    }
    const accessAt = clock.now();
    const now = clock.now();
    const points = canonicalPoints(request.points);
    const chunks = planChunks(request.startMs, request.endMs, now, ttl);
    const keys = await keysOf(request.site, points, chunks);

    // Estimation never fails a request: without the index every chunk counts as uncached, and
    // without learned densities the catalogue's intervals stand in (a larger estimate, not a wrong answer).
    const present = await cache.present(keys);
    if (!present.ok) log.warn('timeseries.index_unavailable', { kind: present.error.kind });
    const indexed = keys.map((k) => present.ok && present.value.has(k));
    const cachedSamples = present.ok ? [...present.value.values()].reduce((n, x) => n + x, 0) : 0;
    const learned = await densities.knowledge(request.site, points);
    if (!learned.ok) log.warn('timeseries.densities_unavailable', { kind: learned.error.kind });
    const uncachedMs = chunks.reduce(
      (ms, c, i) => (indexed[i] ? ms : ms + Math.max(0, Math.min(c.endMs, now) - c.startMs)),
      0,
    );
    const knowledge: PointKnowledge[] = points.map((point) => {
      const item = byName.get(point);
      return {
        point,
        learned: learned.ok ? learned.value.learned.get(point) : null,
        collectIntervalS: item?.collect_interval_s ?? null,
        collectEnabled: item?.collect_enabled ?? null,
      };
    });
    return ok({
      request,
      points,
      chunks,
      keys,
      indexed,
      fullyCached: indexed.every(Boolean),
      cachedSamples,
      estimate: estimate({
        points: knowledge,
        uncachedMs,
        siteSamplesPerSecond: learned.ok ? learned.value.siteSamplesPerSecond : null,
        defaultSamplesPerSecond: options.defaultSamplesPerSecond,
      }),
      startedAt,
      accessAt,
    });
  };

  const serveAssessed: TimeseriesService['serveAssessed'] = async (caller, assessment) => {
    const { request, points, chunks, keys, startedAt: started, accessAt: afterAccess } = assessment;
    const keyOf = (c: PlannedChunk) => keys[chunks.indexOf(c)] as string;
    // 1. Cached chunks. An R2 failure switches the whole request to bypass: answered from ACE,
    // nothing written, so nothing half-stored can be served later.
    let bypass = false;
    const found: (ChunkSeries[] | null)[] = await Promise.all(
      keys.map(async (key) => {
        const got = await cache.get(key);
        if (!got.ok) {
          bypass = true;
          return null;
        }
        if (!got.value) return null;
        const decoded = decodeChunk(got.value.payload);
        if (!decoded) log.warn('timeseries.undecodable_chunk', { key });
        return decoded;
      }),
    );
    const afterCache = clock.now();

    // 2. The gaps, fetched once per range however many requests want it right now.
    const missing = found.map((f) => f === null);
    let dropped = 0;
    let upstreamRequests = 0;
    for (const range of gaps(chunks, missing)) {
      const first = range[0] as PlannedChunk;
      const last = range[range.length - 1] as PlannedChunk;
      const flightKey = JSON.stringify([request.site, points, first.startMs, last.endMs, bypass]);
      const fetchRange = async (): Promise<Result<RangeFetch>> => {
        // A flight that finished between this request's cache read and now has stored the
        // range: read it again before going upstream, so a late arrival costs no ACE call.
        if (!bypass) {
          const again = await Promise.all(range.map((c) => cache.get(keyOf(c))));
          const decoded = again.map((g) => (g.ok && g.value ? decodeChunk(g.value.payload) : null));
          if (decoded.every((d) => d !== null)) {
            const byChunk = new Map(range.map((c, i) => [c.startMs, decoded[i] ?? []]));
            return ok({ byChunk, dropped: 0, upstreamRequests: 0 });
          }
        }
        const fetched = await ace.fetchTimeseries(
          { site: request.site, points, startMs: first.startMs, endMs: last.endMs },
          { token: caller.token },
        );
        if (!fetched.ok) return fetched;
        options.onFetched?.({
          site: request.site,
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
              const stored = await cache.put(
                keyOf(c),
                encodeChunk(series),
                {
                  site: request.site,
                  interval: 'raw',
                  chunkStartMs: c.startMs,
                  chunkEndMs: c.endMs,
                  points: points.length,
                  samples,
                  encoding: CHUNK_ENCODING,
                },
                c.ttlMs,
              );
              if (!stored.ok) log.warn('timeseries.cache_put_failed', { chunk: i, kind: stored.error.kind });
            }),
          );
        }
        return ok({
          byChunk,
          dropped: fetched.value.dropped,
          upstreamRequests: fetched.value.upstreamRequests,
        });
      };
      let shared = await flights.run(flightKey, fetchRange);
      if (!shared.value.ok && !shared.leader && CALLER_SPECIFIC.has(shared.value.error.kind)) {
        // Another caller's refusal says nothing about this caller: ask with this caller's token.
        shared = { value: await fetchRange(), leader: true };
      }
      if (!shared.value.ok) return shared.value;
      if (shared.leader) {
        dropped += shared.value.value.dropped;
        upstreamRequests += shared.value.value.upstreamRequests;
      }
      for (const c of range) found[chunks.indexOf(c)] = shared.value.value.byChunk.get(c.startMs) ?? [];
    }
    const afterUpstream = clock.now();

    // 3. Assemble in the order asked: chunks are in time order and each lies inside its day.
    const byPoint = new Map<string, { t: number[]; v: number[] }>(points.map((p) => [p, { t: [], v: [] }]));
    for (const chunk of found) {
      for (const s of chunk ?? []) {
        const target = byPoint.get(s.point);
        if (!target) continue;
        for (let i = 0; i < s.t.length; i++) {
          target.t.push(s.t[i] as number);
          target.v.push(s.v[i] as number);
        }
      }
    }
    const series = request.points.map((point) => {
      const raw = { point, ...(byPoint.get(point) ?? { t: [], v: [] }) };
      return request.interval === 'raw' ? raw : downsample(raw, request.interval);
    });

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
        estimated_samples: assessment.estimate.samples,
        route: status === 'hit' ? 'cache' : 'upstream',
        cache: status,
        chunks: chunks.length,
        upstream_requests: upstreamRequests,
      },
      timings: {
        access: afterAccess - started,
        cache: afterCache - afterAccess,
        upstream: afterUpstream - afterCache,
        total: clock.now() - started,
      },
    });
  };

  return {
    assess,
    serveAssessed,
    async serve(caller, request) {
      const assessed = await assess(caller, request);
      return assessed.ok ? serveAssessed(caller, assessed.value) : assessed;
    },
  };
}
