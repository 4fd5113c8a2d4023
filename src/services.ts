// Composition root: the one place that turns bindings (env) and the execution context into
// services. index.ts calls createServices once per fetch/queue/scheduled invocation and passes
// the result down; no other module reads env (the builders it assembles are wiring.ts).
import type { AceClient } from './ace/client.ts';
import { type AdminStats, createAdminStats } from './admin/stats.ts';
import { type AggregateRetention, createAggregateRetention } from './aggregates/retention.ts';
import { type AggregatesService, createAggregatesService } from './aggregates/service.ts';
import type { ChunkTiers } from './cache/chunk-tiers.ts';
import type { CacheEviction } from './cache/eviction.ts';
import { type CachePurge, createCachePurge } from './cache/purge.ts';
import type { ResultCache } from './cache/result-cache.ts';
import { type CacheWarming, createCacheWarming } from './cache/warming.ts';
import { type ChartStore, createChartStore } from './charts/store.ts';
import { type Clock, type IdGenerator, randomId } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/d1.ts';
import { createRateLimits, type RateLimits } from './http/middleware/rate-limit.ts';
import type { JobConsumer } from './jobs/consumer.ts';
import { createDeadLetters, type DeadLetters } from './jobs/dead-letters.ts';
import { createJobMaintenance, type JobMaintenance } from './jobs/maintenance.ts';
import { createJobResults, type JobResults } from './jobs/results.ts';
import type { JobStore } from './jobs/store.ts';
import type { JobSubmitter } from './jobs/submit.ts';
import type { Analytics } from './obs/analytics.ts';
import type { Bookkeeping } from './obs/bookkeeping.ts';
import { aceCheckWithBreaker, createHealthChecker, type HealthChecker } from './obs/health.ts';
import type { Logger, LogSink } from './obs/log.ts';
import { createRequestCounts, type RequestCounts } from './obs/request-counts.ts';
import type { PointsCatalogue } from './points/catalogue.ts';
import type { AdaptiveThreshold } from './timeseries/adaptive-threshold.ts';
import type { PointStats } from './timeseries/point-stats.ts';
import type { TimeseriesService } from './timeseries/service.ts';
import {
  aceProbeFor,
  baseOf,
  buildAce,
  buildCache,
  buildJobs,
  buildLearning,
  buildReadPath,
} from './wiring.ts';

/** Everything a handler may use. */
export interface Services {
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  health: HealthChecker;
  /** Per-principal rate limits over the RATE_LIMITER / JOB_RATE_LIMITER bindings. */
  rateLimits: RateLimits;
  /** ACE calls with timeouts, retries, the isolate's breaker and coalescing. */
  ace: AceClient;
  /** Sites' point catalogues with display names. */
  points: PointsCatalogue;
  /** D1 with timeouts, chunking and safe JSON (every query goes through it). */
  db: Db;
  /** The R2 day-chunk cache and its D1 index. */
  cache: ResultCache;
  /** Chunk reads and writes through isolate memory, the Cache API and R2. */
  tiers: ChunkTiers;
  /** The hot path's D1 writes (LRU touches, request counts, hot point sets), batched per isolate. */
  bookkeeping: Bookkeeping;
  /** The read path: cache, ACE, coalescing, authorization of the shared cache. */
  timeseries: TimeseriesService;
  /** Learned sample densities (point_stats): the estimator's best input. */
  pointStats: PointStats;
  /** The isolate's effective direct-path threshold (review 31). */
  directThreshold: AdaptiveThreshold;
  /** TTL and LRU eviction of the cache (cron and over-cap puts). */
  eviction: CacheEviction;
  /** Records hot point sets and warms them from cron. */
  warming: CacheWarming;
  /** queue_jobs in D1: atomic, conditional state transitions. */
  jobStore: JobStore;
  /** The queue() handler's per-message logic (job queues and the DLQ). */
  jobConsumer: JobConsumer;
  /** Writes a job row, then sends its signed message to the priority's queue; DLQ replay. */
  jobSubmitter: JobSubmitter;
  /** Reads a succeeded job's result for its owner. */
  jobResults: JobResults;
  /** The reaper and result expiry (cron). */
  jobMaintenance: JobMaintenance;
  /** The callers' saved chart configurations (chart_configs). */
  charts: ChartStore;
  /** Analytics Engine data points per request and per job (the job consumer calls recordJob). */
  analytics: Analytics;
  /** request_counts: per day, route and cache status (admin stats, hit rate); written by bookkeeping. */
  requestCounts: RequestCounts;
  /** The numbers of GET /api/admin/stats. */
  adminStats: AdminStats;
  /** The admin view of dead_letters: listing and replay by dead-letter id. */
  deadLetters: DeadLetters;
  /** Operator purge of the result cache (all or one site). */
  cachePurge: CachePurge;
  /** Hourly and daily buckets in D1: `record` after fetches, `read` for the aggregates route. */
  aggregates: AggregatesService;
  /** Moves aggregates past AGG_RETENTION_DAYS to R2 (cron). */
  retention: AggregateRetention;
  /** Schedules work that may outlive the response (ctx.waitUntil). */
  defer(promise: Promise<unknown>): void;
}

/** Overrides a spec may pass to control time, ids or outbound fetch. */
export interface ServiceOverrides {
  clock?: Clock;
  ids?: IdGenerator;
  fetch?: typeof fetch;
  /** Where log lines go (default: the console as JSON). */
  logSink?: LogSink;
}

/** Builds the services for one invocation. */
export function createServices(env: Env, ctx: ExecutionContext, overrides: ServiceOverrides = {}): Services {
  const base = baseOf(env, ctx, overrides);
  const { config, clock, log, db, defer } = base;
  const ids = overrides.ids ?? randomId;
  const ace = buildAce(base, overrides);
  const cacheParts = buildCache(base);
  const learning = buildLearning(base);
  const jobs = buildJobs(base, ace, ids, learning.onFetched);
  const rateLimits = createRateLimits({
    limiters: { api: env.RATE_LIMITER, jobs: env.JOB_RATE_LIMITER },
    periodSeconds: { api: config.rateLimitPeriodS, jobs: config.jobRateLimitPeriodS },
  });
  const read = buildReadPath(base, {
    ace,
    cache: cacheParts,
    onFetched: learning.onFetched,
    jobs,
    rateLimits,
  });
  const { bookkeeping, eviction, cache } = cacheParts;
  const requestCounts = createRequestCounts({ db, clock });
  return {
    config,
    clock,
    ids,
    log,
    ace,
    points: read.catalogue,
    db,
    cache,
    tiers: cacheParts.tiers,
    bookkeeping,
    timeseries: read.timeseries,
    pointStats: learning.pointStats,
    directThreshold: read.directThreshold,
    eviction,
    warming: createCacheWarming({
      db,
      bookkeeping,
      timeseries: read.timeseries,
      clock,
      log,
      serviceToken: config.aceServiceToken,
    }),
    ...jobs,
    jobResults: createJobResults({
      store: jobs.jobStore,
      tasks: jobs.taskStore,
      bucket: env.CACHE,
      clock,
      log,
    }),
    jobMaintenance: createJobMaintenance({
      store: jobs.jobStore,
      tasks: jobs.taskStore,
      submitter: jobs.jobSubmitter,
      bucket: env.CACHE,
      clock,
      log,
      heartbeatTimeoutMs: config.jobHeartbeatTimeoutMs,
    }),
    charts: createChartStore({ db, clock, ids, log }),
    requestCounts,
    adminStats: createAdminStats({
      db,
      cache,
      requestCounts,
      // The answering isolate's own pending counts are written first, so its answer includes them.
      flushPending: () => bookkeeping.flush(),
      // The answering isolate's adaptive threshold (review 31).
      routing: () => ({
        directMaxSamples: config.directMaxSamples,
        effectiveDirectMaxSamples: read.directThreshold.current(),
      }),
    }),
    deadLetters: createDeadLetters({ db, replayJob: (jobId) => jobs.jobSubmitter.replay(jobId) }),
    cachePurge: createCachePurge({ db, eviction, log }),
    health: createHealthChecker({
      db: env.DB,
      bucket: env.CACHE,
      queue: env.JOBS,
      aceProbe: aceCheckWithBreaker(aceProbeFor(base, overrides), () => ace.breakerState()),
      clock,
    }),
    rateLimits,
    aggregates: createAggregatesService({
      store: learning.aggregateStore,
      access: read.access,
      catalogue: read.catalogue,
    }),
    retention: createAggregateRetention({
      db,
      bucket: env.CACHE,
      clock,
      log,
      retentionDays: config.aggRetentionDays,
    }),
    defer,
  };
}
