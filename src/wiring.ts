// The composition root's parts (services.ts assembles them): one builder per area, each from the
// invocation's base (bindings, configuration, clock, log, D1, waitUntil) and the isolate's state
// (isolate.ts). The only other module that reads env. Owns wiring, no behaviour.
import { type AceClient, createAceClient } from './ace/client.ts';
import { type AceUpstream, createAceUpstream } from './ace/resilience.ts';
import { createAggregateStore } from './aggregates/store.ts';
import { createChunkTiers } from './cache/chunk-tiers.ts';
import { createEdgeChunkCache } from './cache/edge-cache.ts';
import { createCacheEviction } from './cache/eviction.ts';
import { createResultCache, touchStatements } from './cache/result-cache.ts';
import { createSiteAccess } from './cache/site-access.ts';
import { createVerificationBudget } from './cache/verification.ts';
import { hotRequestOf, hotRequestStatements } from './cache/warming.ts';
import { type Clock, type IdGenerator, systemClock } from './clock.ts';
import { type Config, parseConfig } from './config.ts';
import { createDb, type Db } from './db/d1.ts';
import type { RateLimits } from './http/middleware/rate-limit.ts';
import { isolateState, memoryTiersFor, thresholdFor } from './isolate.ts';
import { createJobConsumer } from './jobs/consumer.ts';
import { createJobStore } from './jobs/store.ts';
import { createJobSubmitter, type JobSubmitter } from './jobs/submit.ts';
import { createTaskStore } from './jobs/task-store.ts';
import { createAnalytics } from './obs/analytics.ts';
import { createBookkeeping } from './obs/bookkeeping.ts';
import { createAceReachabilityProbe } from './obs/health.ts';
import { createLogger, type Logger, type LogSink } from './obs/log.ts';
import { countStatements } from './obs/request-counts.ts';
import { createPointsCatalogue } from './points/catalogue.ts';
import { createPointStats, type FetchObservation } from './timeseries/point-stats.ts';
import { createTimeseriesService } from './timeseries/service.ts';

/** What a spec may override: time, outbound fetch, where log lines go. */
export interface BaseOverrides {
  clock?: Clock;
  fetch?: typeof fetch;
  logSink?: LogSink;
}

/** What every builder shares: the invocation's configuration, time, logs and bindings. */
export interface Base {
  env: Env;
  config: Config;
  clock: Clock;
  log: Logger;
  db: Db;
  defer: (promise: Promise<unknown>) => void;
}

function configFor(env: Env): Config {
  const state = isolateState();
  if (state.config?.source !== env) state.config = { source: env, config: parseConfig({ ...env }) };
  return state.config.config;
}

/** The invocation's base. */
export function baseOf(env: Env, ctx: ExecutionContext, overrides: BaseOverrides): Base {
  const config = configFor(env);
  const clock = overrides.clock ?? systemClock;
  const log = createLogger({ service: 'vitals-edge' }, overrides.logSink);
  const db = createDb({ db: env.DB, timeoutMs: config.d1TimeoutMs, clock, log });
  return { env, config, clock, log, db, defer: (promise) => ctx.waitUntil(promise) };
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

/** The ACE client, with the isolate's breaker (or a spec's own, when it brings its clock or fetch). */
export function buildAce(base: Base, overrides: BaseOverrides): AceClient {
  const { config, clock, log } = base;
  return createAceClient({
    baseUrl: config.aceBaseUrl,
    fetch: overrides.fetch ?? ((input, init) => fetch(input, init)),
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
}

/** The isolate's ACE reachability probe for /health (a spec's own fetch gets its own). */
export function aceProbeFor(base: Base, overrides: BaseOverrides) {
  const { config, clock } = base;
  const state = isolateState();
  if (overrides.fetch || state.aceProbe?.base !== config.aceBaseUrl) {
    const outbound = overrides.fetch ?? ((input, init) => fetch(input, init));
    const probe = createAceReachabilityProbe({ baseUrl: config.aceBaseUrl, fetch: outbound, clock });
    state.aceProbe = { base: config.aceBaseUrl, probe };
  }
  return state.aceProbe.probe;
}

/** The runtime's Cache API, where it has one (the chunk cache's data-centre tier). */
function edgeCache(): Cache | null {
  return typeof caches === 'undefined' ? null : caches.default;
}

/** The chunk cache: R2 and its index, the faster tiers, eviction, and the hot path's bookkeeping. */
export function buildCache(base: Base) {
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

/** The jobs' store (and their tasks'), submitter and consumer. */
export function buildJobs(
  base: Base,
  ace: AceClient,
  ids: IdGenerator,
  onFetched: (o: FetchObservation) => void,
) {
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
  const taskStore = createTaskStore({ db, clock });
  const jobConsumer = createJobConsumer({
    store: jobStore,
    tasks: taskStore,
    continueJob: (job) => jobSubmitter.continue(job),
    taskMaxSamples: config.jobTaskMaxSamples,
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
  return { jobStore, taskStore, jobSubmitter, jobConsumer, analytics };
}

/** What upstream fetches teach: learned densities (point_stats) and aggregates, after the response. */
export function buildLearning(base: Base) {
  const { clock, log, db, defer } = base;
  const pointStats = createPointStats({ db, clock });
  const aggregateStore = createAggregateStore({ db, clock, log });
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
  return { pointStats, aggregateStore, onFetched };
}

/** The gate of the shared cache: proofs, refusals and the budget of unproven tokens. */
export function buildAccess(base: Base, ace: AceClient) {
  const { env, config, clock, log, db, defer } = base;
  const state = isolateState();
  return createSiteAccess({
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
}

export interface ReadPathParts {
  ace: AceClient;
  cache: ReturnType<typeof buildCache>;
  onFetched: (observation: FetchObservation) => void;
  jobs: { jobSubmitter: JobSubmitter };
  rateLimits: RateLimits;
}

/** The read path: access, the site's catalogue, the direct-path threshold and the timeseries service. */
export function buildReadPath(base: Base, parts: ReadPathParts) {
  const { env, config, clock, log, db } = base;
  const { ace, cache, rateLimits } = parts;
  const state = isolateState();
  const access = buildAccess(base, ace);
  // Every reader proves its access before it reads the catalogue, so one listing per site serves
  // all of them, and a new caller never costs a listing while the site's is fresh.
  const catalogue = createPointsCatalogue({ ace, clock, cache: state.siteCatalogueCache, access });
  const directThreshold = thresholdFor(config);
  const timeseries = createTimeseriesService({
    ace,
    tiers: cache.tiers,
    access,
    catalogue,
    // The hot path's one lookup may be answered by a read replica (docs/OPERATIONS.md).
    db: config.d1ReadReplicas
      ? createDb({ db: env.DB.withSession('first-unconstrained'), timeoutMs: config.d1TimeoutMs, clock, log })
      : db,
    clock,
    log,
    ttl: { historyTtlMs: config.cacheHistoryTtlMs, recentTtlMs: config.cacheRecentTtlMs },
    flights: state.rangeFlights,
    defaultSamplesPerSecond: config.defaultSamplesPerSecond,
    onFetched: parts.onFetched,
    threshold: directThreshold,
    jobMaxSamples: config.jobMaxSamples,
    cachedStreamMaxSamples: config.cachedStreamMaxSamples,
    streamBatchSamples: config.jobTaskMaxSamples,
    jobs: {
      admit: (principal) => rateLimits.admit('jobs', principal, log),
      submitter: parts.jobs.jobSubmitter,
    },
    onServed: (request) => cache.bookkeeping.hotRequest(hotRequestOf(request)),
    answers: cache.answers,
    answerTtlMs: config.chunkMemoryTtlMs,
    touch: (key) => cache.bookkeeping.touch(key),
  });
  return { access, catalogue, directThreshold, timeseries };
}
