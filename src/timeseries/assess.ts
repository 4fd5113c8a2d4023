// The first half of a read: proves the caller may read the site, checks the points are the
// site's, plans the day chunks and estimates what is not cached, with at most one D1 round trip
// and none when the isolate already knows (its proof, and every chunk in its memory). Reads no
// chunk. What the estimate feeds (the router) and how chunks are served are other modules'.
import { canonicalPoints, chunkObjectKey } from '../cache/cache-key.ts';
import type { ChunkRef, ChunkTiers } from '../cache/chunk-tiers.ts';
import type { SiteAccess } from '../cache/site-access.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { err, ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { PointItem, PointsCatalogue } from '../points/catalogue.ts';
import type { Caller, SeriesRequest } from '../requests.ts';
import { type PlannedChunk, planChunks, type TtlPolicy } from './chunks.ts';
import { type Estimate, estimate, type PointKnowledge } from './estimator.ts';
import { type LookupResult, lookup } from './lookup.ts';
import type { DensityKnowledge } from './point-stats.ts';

/** What a request will cost, known before any chunk is read: the router's input. */
export interface Assessment {
  request: SeriesRequest;
  /** The request's points in canonical order (the cache key's order). */
  points: string[];
  chunks: PlannedChunk[];
  /** Each chunk's key and whether it is immutable (may enter the faster tiers). */
  refs: ChunkRef[];
  /** Whether each chunk is known to be cached: in this isolate's memory, or listed by the index. */
  cached: boolean[];
  fullyCached: boolean;
  /** Samples of the cached chunks (exact: counted in memory or listed by the index). */
  cachedSamples: number;
  /** The estimate over the chunks not cached, up to now (the future holds no samples). */
  estimate: Estimate;
  /** D1 statements the assessment sent (one batch, or none). */
  d1Statements: number;
  /** When the assessment started and when access was proven (Server-Timing). */
  startedAt: number;
  accessAt: number;
}

export interface AssessOptions {
  access: SiteAccess;
  /** The site's catalogue: only its points may be asked for under its name (and cached so). */
  catalogue: Pick<PointsCatalogue, 'list'>;
  tiers: Pick<ChunkTiers, 'inMemory' | 'samplesInMemory'>;
  /** The read path's D1 (a read-replica session where enabled). */
  db: Db;
  clock: Clock;
  log: Logger;
  ttl: TtlPolicy;
  /** Samples per point per second assumed when nothing better is known. */
  defaultSamplesPerSecond: number;
}

/** Most foreign points named in one 400 (the validation edge's own bound). */
const MAX_ISSUES = 50;

/** Creates the assessment step of the read path. */
export function createAssess(options: AssessOptions) {
  const { access, catalogue, tiers, db, clock, log, ttl } = options;

  const refsOf = (site: string, points: string[], chunks: readonly PlannedChunk[]) =>
    Promise.all(
      chunks.map(async (c) => ({
        key: await chunkObjectKey({ site, points, startMs: c.startMs, endMs: c.endMs, interval: 'raw' }),
        immutable: !c.recent,
        site,
        points,
      })),
    );

  /** Points of another site, as field issues; empty when all are the site's. */
  const foreignPoints = (request: SeriesRequest, items: readonly PointItem[]) => {
    const names = new Set(items.map((p) => p.name));
    return request.points.flatMap((p, i) =>
      names.has(p) ? [] : [{ path: `points.${i}`, message: 'not a point of this site' }],
    );
  };

  return async function assess(caller: Caller, request: SeriesRequest): Promise<Result<Assessment>> {
    const startedAt = clock.now();
    const points = canonicalPoints(request.points);
    const chunks = planChunks(request.startMs, request.endMs, startedAt, ttl);
    const refs = await refsOf(request.site, points, chunks);
    const inMemory = refs.map((r) => r.immutable && tiers.inMemory(r.key));
    const proven = access.remembered(caller.principal, request.site);
    // One batch for whatever the isolate does not know; nothing at all when it knows everything.
    const found = await lookup(db, {
      proof: proven ? null : access.proofStatement(caller.principal, request.site),
      index: inMemory.every(Boolean)
        ? null
        : { keys: refs.map((r) => r.key), site: request.site, points, now: startedAt },
    });
    if (found.error) log.warn('timeseries.lookup_failed', { kind: found.error.kind });
    // D1 failing is not a refusal: without a stored proof to go on, ACE is asked.
    const allowed = await access.ensure(caller, request.site, proven ? undefined : (found.proof ?? null));
    if (!allowed.ok) return allowed;
    // ACE's batch endpoint is not scoped to a site, and chunks are cached under the site's name:
    // a point of another site asked for here would be served to anyone who may read this one.
    const known = await catalogue.list(request.site, caller);
    if (!known.ok) return known;
    const foreign = foreignPoints(request, known.value);
    if (foreign.length > 0) {
      return err({ kind: 'invalid_input', message: 'invalid request', issues: foreign.slice(0, MAX_ISSUES) });
    }
    const accessAt = clock.now();
    return ok(
      summarise({ request, points, chunks, refs, inMemory, found, known: known.value, startedAt, accessAt }),
    );
  };

  function summarise(input: {
    request: SeriesRequest;
    points: string[];
    chunks: PlannedChunk[];
    refs: ChunkRef[];
    inMemory: boolean[];
    found: LookupResult;
    known: readonly PointItem[];
    startedAt: number;
    accessAt: number;
  }): Assessment {
    const { request, points, chunks, refs, inMemory, found, startedAt } = input;
    // Estimation never fails a request: without the index every chunk counts as uncached, and
    // without learned densities the catalogue's intervals stand in (a larger estimate, not a wrong answer).
    const cached = refs.map((r, i) => inMemory[i] === true || found.present?.has(r.key) === true);
    const cachedSamples = refs.reduce(
      (n, r, i) => n + (inMemory[i] ? tiers.samplesInMemory(r.key) : (found.present?.get(r.key) ?? 0)),
      0,
    );
    const uncachedMs = chunks.reduce(
      (ms, c, i) => (cached[i] ? ms : ms + Math.max(0, Math.min(c.endMs, startedAt) - c.startMs)),
      0,
    );
    return {
      request,
      points,
      chunks,
      refs,
      cached,
      fullyCached: cached.every(Boolean),
      cachedSamples,
      estimate: estimateUncached(
        points,
        input.known,
        found.knowledge,
        uncachedMs,
        options.defaultSamplesPerSecond,
      ),
      d1Statements: found.statements,
      startedAt,
      accessAt: input.accessAt,
    };
  }
}

/** The estimate of the uncached time from what the catalogue and point_stats say. */
function estimateUncached(
  points: readonly string[],
  items: readonly PointItem[],
  knowledge: DensityKnowledge | undefined,
  uncachedMs: number,
  defaultSamplesPerSecond: number,
): Estimate {
  const byName = new Map(items.map((p) => [p.name, p]));
  const perPoint: PointKnowledge[] = points.map((point) => {
    const item = byName.get(point);
    return {
      point,
      learned: knowledge?.learned.get(point) ?? null,
      collectIntervalS: item?.collect_interval_s ?? null,
      collectEnabled: item?.collect_enabled ?? null,
    };
  });
  return estimate({
    points: perPoint,
    uncachedMs,
    siteSamplesPerSecond: knowledge?.siteSamplesPerSecond ?? null,
    defaultSamplesPerSecond,
  });
}

/**
 * The assessment of one of its chunks alone, as if that chunk had been asked for: the drop-in
 * assesses a stretch of days in one lookup, then serves them a day at a time.
 */
export function sliceAssessment(a: Assessment, i: number): Assessment {
  const chunk = a.chunks[i];
  if (!chunk) throw new RangeError(`no chunk ${i} in this assessment`);
  const cached = a.cached[i] === true;
  return {
    ...a,
    request: { ...a.request, startMs: chunk.startMs, endMs: chunk.endMs },
    chunks: [chunk],
    refs: a.refs.slice(i, i + 1),
    cached: [cached],
    fullyCached: cached,
  };
}
