// Composition root: the one place that turns bindings (env) and the execution context into
// services. index.ts calls createServices once per fetch/queue/scheduled invocation and passes
// the result down; no other module reads env.
import { type AceClient, createAceClient } from './ace/client.ts';
import { type AceUpstream, createAceUpstream } from './ace/resilience.ts';
import { type AdminStats, createAdminStats } from './admin/stats.ts';
import { type AggregateRetention, createAggregateRetention } from './aggregates/retention.ts';
import { type AggregatesService, createAggregatesService } from './aggregates/service.ts';
import { type AggregateStore, createAggregateStore } from './aggregates/store.ts';
import { type ChunkTiers, createChunkTiers } from './cache/chunk-tiers.ts';
import { createEdgeChunkCache } from './cache/edge-cache.ts';
import { type CacheEviction, createCacheEviction } from './cache/eviction.ts';
import { type CachePurge, createCachePurge } from './cache/purge.ts';
import { createResultCache, type ResultCache, touchStatements } from './cache/result-cache.ts';
import { createSiteAccess } from './cache/site-access.ts';
import { createVerificationBudget } from './cache/verification.ts';
import {
  type CacheWarming,
  createCacheWarming,
  hotRequestOf,
  hotRequestStatements,
} from './cache/warming.ts';
import { type ChartStore, createChartStore } from './charts/store.ts';
import { type Clock, type IdGenerator, randomId, systemClock } from './clock.ts';
import { type Config, parseConfig } from './config.ts';
import { createDb, type Db } from './db/d1.ts';
import { createRateLimits, type RateLimits } from './http/middleware/rate-limit.ts';
import { isolateState, memoryTiersFor, thresholdFor } from './isolate.ts';
import { createJobConsumer, type JobConsumer } from './jobs/consumer.ts';
import { createDeadLetters, type DeadLetters } from './jobs/dead-letters.ts';
import { createJobMaintenance, type JobMaintenance } from './jobs/maintenance.ts';
import { createJobResults, type JobResults } from './jobs/results.ts';
import { createJobStore, type JobStore } from './jobs/store.ts';
import { createJobSubmitter, type JobSubmitter } from './jobs/submit.ts';
import { type Analytics, createAnalytics } from './obs/analytics.ts';
import { type Bookkeeping, createBookkeeping } from './obs/bookkeeping.ts';
import {
  aceCheckWithBreaker,
  createAceReachabilityProbe,
  createHealthChecker,
  type HealthChecker,
} from './obs/health.ts';
import { createLogger, type Logger, type LogSink } from './obs/log.ts';
import { countStatements, createRequestCounts, type RequestCounts } from './obs/request-counts.ts';
import { createPointsCatalogue, type PointsCatalogue } from './points/catalogue.ts';
import type { AdaptiveThreshold } from './timeseries/adaptive-threshold.ts';
import { createPointStats, type FetchObservation, type PointStats } from './timeseries/point-stats.ts';
import { createTimeseriesService, type TimeseriesService } from './timeseries/service.ts';

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

function configFor(env: Env): Config {
  const state = isolateState();
  if (state.config?.source !== env) state.config = { source: env, config: parseConfig({ ...env }) };
  return state.config.config;
}

function aceUpstreamFor(baseUrl: string, clock: Clock, isolated: boolean): AceUpstream {
  // A spec's own clock gets its own breaker, so injected time never leaks into the shared one.
  if (isolated) return createAceUpstream({ clock });
  const upstreams = isolateState().aceUpstreams;
  let upstream = upstreams.get(baseUrl);
  if (!upstream) {
    upstream = createAceUpstream({ clock });
    upstreams.set(baseUrl, upstream);
  }
  return upstream;
}

/** What every builder below shares: the invocation's configuration, time, logs and bindings. */
interface Base {
  env: Env;
  config: Config;
  clock: Clock;
  log: Logger;
  db: Db;
  defer: (promise: Promise<unknown>) => void;
}

/** The runtime's Cache API, where it has one (the chunk cache's data-centre tier). */
function edgeCache(): Cache | null {
  return typeof caches === 'undefined' ? null : caches.default;
}

/** The chunk cache: R2 and its index, the faster tiers, eviction, and the hot path's bookkeeping. */
function buildCache(base: Base) {
  const { env, config, clock, log, db, defer } = base;
  const state = isolateState();
  const bookkeeping = createBookkeeping({
    ledger: state.ledger,
    db,
    clock,
    log,
    flushMs: config.bookkeepingFlushMs,
    defer,
    statements: async (work) => [
      ...touchStatements(work.touches),
      ...countStatements(work.counts),
      ...(await hotRequestStatements(work.hot)),
    ],
  });
  const { chunks: memory, answers } = memoryTiersFor(config);
  const edge = createEdgeChunkCache({ cache: edgeCache(), clock, log, maxTtlMs: config.chunkEdgeTtlMs });
  const forgetFaster = async (keys: readonly string[]) => {
    memory.delete(keys);
    answers.forgetChunks(keys);
    await edge.delete(keys);
  };
  const eviction = createCacheEviction({
    bucket: env.CACHE,
    db,
    clock,
    log,
    maxBytes: config.cacheMaxBytes,
    forgetFaster,
  });
  const cache = createResultCache({ bucket: env.CACHE, db, clock, log, eviction, defer });
  const tiers = createChunkTiers({
    memory,
    edge,
    store: cache,
    clock,
    log,
    memoryTtlMs: config.chunkMemoryTtlMs,
    touch: (key) => bookkeeping.touch(key),
    defer,
  });
  return { bookkeeping, eviction, cache, tiers, answers };
}

/** The jobs' store, submitter and consumer. */
function buildJobs(base: Base, ace: AceClient, ids: IdGenerator, onFetched: (o: FetchObservation) => void) {
  const { env, config, clock, log, db } = base;
  const jobStore = createJobStore({ db, clock, ids });
  const analytics = createAnalytics({ dataset: env.ANALYTICS, log });
  const jobSubmitter = createJobSubmitter({
    store: jobStore,
    queues: { normal: env.JOBS, high: env.JOBS_HIGH },
    signingKey: config.queueSigningKey,
    clock,
    log,
  });
  const jobConsumer = createJobConsumer({
    store: jobStore,
    ace,
    bucket: env.CACHE,
    signingKey: config.queueSigningKey,
    serviceToken: config.aceServiceToken,
    clock,
    log,
    resultTtlMs: config.resultTtlMs,
    random: Math.random,
    onFetched,
    analytics,
  });
  return { jobStore, jobSubmitter, jobConsumer, analytics };
}

/** Builds the services for one invocation. */
export function createServices(env: Env, ctx: ExecutionContext, overrides: ServiceOverrides = {}): Services {
  const config = configFor(env);
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? randomId;
  const outbound = overrides.fetch ?? ((input, init) => fetch(input, init));
  const log = createLogger({ service: 'vitals-edge' }, overrides.logSink);
  const db = createDb({ db: env.DB, timeoutMs: config.d1TimeoutMs, clock, log });
  const defer = (promise: Promise<unknown>) => ctx.waitUntil(promise);
  const base: Base = { env, config, clock, log, db, defer };
  const state = isolateState();
  const ace = createAceClient({
    baseUrl: config.aceBaseUrl,
    fetch: outbound,
    clock,
    log,
    upstream: aceUpstreamFor(
      config.aceBaseUrl,
      clock,
      overrides.clock !== undefined || overrides.fetch !== undefined,
    ),
    timeoutMs: config.aceTimeoutMs,
    maxPages: config.aceMaxPages,
    maxBytes: config.aceMaxBytes,
    defaultSamplesPerSecond: config.defaultSamplesPerSecond,
  });
  const { bookkeeping, eviction, cache, tiers, answers } = buildCache(base);
  const pointStats = createPointStats({ db, clock });
  const aggregateStore: AggregateStore = createAggregateStore({ db, clock, log });
  // Every upstream fetch teaches the estimator (and feeds aggregates) after the response.
  const onFetched = (observation: FetchObservation) =>
    defer(
      Promise.all([
        pointStats.learn(observation).then((learned) => {
          if (!learned.ok) log.warn('point_stats.learn_failed', { kind: learned.error.kind });
        }),
        aggregateStore.record(observation).then((recorded) => {
          if (!recorded.ok) log.warn('aggregates.record_failed', { kind: recorded.error.kind });
        }),
      ]),
    );
  const jobs = buildJobs(base, ace, ids, onFetched);
  const rateLimits = createRateLimits({
    limiters: { api: env.RATE_LIMITER, jobs: env.JOB_RATE_LIMITER },
    periodSeconds: { api: config.rateLimitPeriodS, jobs: config.jobRateLimitPeriodS },
  });
  const access = createSiteAccess({
    db,
    clock,
    log,
    verify: (token, site) => ace.getSite(site, token),
    memory: state.proofs,
    defer,
    refusals: state.refusals,
    refusalTtlMs: config.accessRefusalTtlMs,
    budget: createVerificationBudget({
      limiter: env.VERIFY_RATE_LIMITER,
      periodS: config.verifyRateLimitPeriodS,
      maxInFlight: config.verifyMaxInFlight,
      inFlight: state.verificationsInFlight,
      log,
    }),
  });
  // Every reader proves its access before it reads the catalogue, so one listing per site serves
  // all of them, and a new caller never costs a listing while the site's is fresh.
  const siteCatalogue = createPointsCatalogue({ ace, clock, cache: state.siteCatalogueCache, access });
  const directThreshold = thresholdFor(config);
  const timeseries = createTimeseriesService({
    ace,
    tiers,
    access,
    catalogue: siteCatalogue,
    // The hot path's one lookup may be answered by a read replica (docs/OPERATIONS.md).
    db: config.d1ReadReplicas
      ? createDb({ db: env.DB.withSession('first-unconstrained'), timeoutMs: config.d1TimeoutMs, clock, log })
      : db,
    clock,
    log,
    ttl: { historyTtlMs: config.cacheHistoryTtlMs, recentTtlMs: config.cacheRecentTtlMs },
    flights: state.rangeFlights,
    defaultSamplesPerSecond: config.defaultSamplesPerSecond,
    onFetched,
    threshold: directThreshold,
    jobMaxSamples: config.jobMaxSamples,
    jobs: { admit: (principal) => rateLimits.admit('jobs', principal, log), submitter: jobs.jobSubmitter },
    onServed: (request) => bookkeeping.hotRequest(hotRequestOf(request)),
    answers,
    answerTtlMs: config.chunkMemoryTtlMs,
    touch: (key) => bookkeeping.touch(key),
  });
  const warming = createCacheWarming({
    db,
    bookkeeping,
    timeseries,
    clock,
    log,
    serviceToken: config.aceServiceToken,
  });
  const requestCounts = createRequestCounts({ db, clock });

  return {
    config,
    clock,
    ids,
    log,
    ace,
    points: siteCatalogue,
    db,
    cache,
    tiers,
    bookkeeping,
    timeseries,
    pointStats,
    directThreshold,
    eviction,
    warming,
    ...jobs,
    jobResults: createJobResults({ store: jobs.jobStore, bucket: env.CACHE, clock, log }),
    jobMaintenance: createJobMaintenance({
      store: jobs.jobStore,
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
        effectiveDirectMaxSamples: directThreshold.current(),
      }),
    }),
    deadLetters: createDeadLetters({ db, replayJob: (jobId) => jobs.jobSubmitter.replay(jobId) }),
    cachePurge: createCachePurge({ db, eviction, log }),
    health: createHealthChecker({
      db: env.DB,
      bucket: env.CACHE,
      queue: env.JOBS,
      aceProbe: aceCheckWithBreaker(aceProbeFor(config, outbound, clock, overrides.fetch !== undefined), () =>
        ace.breakerState(),
      ),
      clock,
    }),
    rateLimits,
    aggregates: createAggregatesService({ store: aggregateStore, access, catalogue: siteCatalogue }),
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

/** The isolate's ACE reachability probe for /health (a spec's own fetch gets its own). */
function aceProbeFor(config: Config, outbound: typeof fetch, clock: Clock, own: boolean) {
  const state = isolateState();
  if (own || state.aceProbe?.base !== config.aceBaseUrl) {
    const probe = createAceReachabilityProbe({ baseUrl: config.aceBaseUrl, fetch: outbound, clock });
    state.aceProbe = { base: config.aceBaseUrl, probe };
  }
  return state.aceProbe.probe;
}
