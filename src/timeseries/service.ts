// The read path's one door: a client's read is assessed (access, points, what is cached, an
// estimate), routed (served now, or made a job: anything too large to answer directly) and served
// from the chunk tiers and ACE; the ACE drop-in's pages walk the same path a day at a time.
// Routes call this and shape the answer; the steps live in assess.ts, serve.ts and drop-in.ts.
import type { ChunkRef, ChunkTiers } from '../cache/chunk-tiers.ts';
import type { SiteAccess } from '../cache/site-access.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { ok, type Result } from '../errors.ts';
import { newJobFor } from '../jobs/requests.ts';
import type { Job, JobPriority } from '../jobs/store.ts';
import type { JobSubmitter } from '../jobs/submit.ts';
import type { Logger } from '../obs/log.ts';
import type { PointsCatalogue } from '../points/catalogue.ts';
import type { Caller, SeriesRequest } from '../requests.ts';
import type { AdaptiveThreshold } from './adaptive-threshold.ts';
import { type AnswerShape, type EncodedAnswer, encodeAnswer } from './answer.ts';
import { type AnswerMemory, answerKeyOf } from './answer-memory.ts';
import { type Assessment, createAssess } from './assess.ts';
import { type CachedReadInput, type StreamedAnswer, streamCached } from './cached-answer.ts';
import type { TtlPolicy } from './chunks.ts';
import { type AcePage, type AcePageQuery, createDropIn } from './drop-in.ts';
import type { FetchObservation } from './point-stats.ts';
import { decideRoute, maxAnswerSamples, type RouteDecision } from './router.ts';
import { createServe, type RangeFlights, type Served, type ServeOptions } from './serve.ts';

export type { AcePage, AcePageQuery } from './drop-in.ts';
export type { CacheStatus, RangeFlights, Served, ServeMeta } from './serve.ts';

/** A client's read: the request, and how it wants the answer delivered. */
export interface ReadRequest extends SeriesRequest, AnswerShape {
  /** The job's queue, should the read become one. */
  priority: JobPriority;
  /** `Prefer: respond-async`: a job whatever the size. */
  preferAsync: boolean;
}

/** How a read was answered. */
export type ReadOutcome =
  | { kind: 'served'; answer: EncodedAnswer; timings: Served['timings']; decision: RouteDecision }
  | { kind: 'streamed'; answer: StreamedAnswer; timings: Served['timings']; decision: RouteDecision }
  | { kind: 'job'; job: Pick<Job, 'id' | 'status'>; estimatedSamples: number; decision: RouteDecision };

export interface TimeseriesService {
  /**
   * A client's read: served, or submitted as a job (its rate limit applied first).
   * `log`: the request's logger (its request id), for the routing decision.
   */
  read(caller: Caller, request: ReadRequest, log?: Logger): Promise<Result<ReadOutcome>>;
  /** Serves a request in this invocation whatever its size (cache warming, drop-in days). */
  serve(caller: Caller, request: SeriesRequest): Promise<Result<Served>>;
  /** One page of ACE's paginated endpoint, from the same cache and authorization. */
  acePage(caller: Caller, query: AcePageQuery): Promise<Result<AcePage>>;
}

export interface TimeseriesServiceOptions extends ServeOptions {
  access: SiteAccess;
  catalogue: Pick<PointsCatalogue, 'list'>;
  tiers: ChunkTiers;
  /** The read path's D1 (a read-replica session where enabled): one batch per assessment at most. */
  db: Db;
  clock: Clock;
  log: Logger;
  ttl: TtlPolicy;
  flights: RangeFlights;
  /** Samples per point per second assumed when nothing better is known. */
  defaultSamplesPerSecond: number;
  onFetched?: (observation: FetchObservation) => void;
  /** The isolate's direct-path threshold (review 31): read before routing, taught after serving. */
  threshold: AdaptiveThreshold;
  /** JOB_MAX_SAMPLES: no answer laid out in memory may be larger (a larger request is a job). */
  jobMaxSamples: number;
  /** CACHED_STREAM_MAX_SAMPLES: the largest fully cached answer streamed from the cache. */
  cachedStreamMaxSamples: number;
  /** The most samples of several points a streamed answer holds at once (JOB_TASK_MAX_SAMPLES). */
  streamBatchSamples: number;
  jobs: {
    /** Draws on the caller's job budget: rate_limited when spent. */
    admit(principal: string): Promise<Result<void>>;
    submitter: Pick<JobSubmitter, 'submit'>;
  };
  /** Told of every read served directly, for cache warming (bookkeeping, never a write here). */
  onServed?: (request: SeriesRequest) => void;
  /** The isolate's encoded answers of reads served wholly from immutable chunks. */
  answers: AnswerMemory;
  /** How long an answer is kept (the memory tier's lifetime: how long a purge takes to reach it). */
  answerTtlMs: number;
  /** Counts one read of a chunk an answer was built from (LRU bookkeeping of the cache index). */
  touch: (key: string) => void;
}

/** Creates the service. */
export function createTimeseriesService(options: TimeseriesServiceOptions): TimeseriesService {
  const { threshold, jobs, log, clock } = options;
  const assess = createAssess(options);
  const serveAssessed = createServe(options);
  const serve = async (caller: Caller, request: SeriesRequest) => {
    const assessed = await assess(caller, request);
    return assessed.ok ? serveAssessed(caller, assessed.value) : assessed;
  };

  /** A fully cached read's chunks from the fastest tier that has each. */
  const cachedInput = (a: Assessment): CachedReadInput => ({
    request: a.request,
    chunks: a.refs.length,
    async read(index) {
      const got = await options.tiers.read(a.refs[index] as ChunkRef);
      return got.ok && got.value ? got.value.series : null;
    },
    estimatedSamples: a.estimate.samples,
  });

  /** The read as a job: it fetches every chunk, cached or not, so it is estimated at both. */
  const jobOutcome = async (
    caller: Caller,
    request: ReadRequest,
    a: Assessment,
    decision: RouteDecision,
  ): Promise<Result<ReadOutcome>> => {
    const admitted = await jobs.admit(caller.principal);
    if (!admitted.ok) return admitted;
    const estimatedSamples = a.cachedSamples + a.estimate.samples;
    // The estimate's densities are in the assessment's (canonical) order; the job keeps the asked order.
    const density = new Map(a.points.map((p, i) => [p, a.estimate.densities[i] ?? 0]));
    const densities = request.points.map((p) => density.get(p) ?? 0);
    const job = await newJobFor(caller.principal, { ...request, estimatedSamples, densities });
    const submitted = await jobs.submitter.submit(job);
    if (!submitted.ok) return submitted;
    return ok({ kind: 'job', job: submitted.value.job, estimatedSamples, decision });
  };

  /** Serves and encodes a direct read, or takes its answer from the isolate's memory. */
  const answerDirect = async (caller: Caller, request: ReadRequest, a: Assessment) => {
    const key = answerKeyOf(a, request);
    const held = key ? options.answers.get(key, clock.now()) : undefined;
    if (held) {
      for (const r of a.refs) options.touch(r.key);
      return ok({
        answer: held,
        timings: { access: a.accessAt - a.startedAt, total: clock.now() - a.startedAt },
      });
    }
    const served = await serveAssessed(caller, a);
    if (!served.ok) return served;
    threshold.observe({ estimatedSamples: a.estimate.samples, durationMs: served.value.timings.total ?? 0 });
    const answer = await encodeAnswer(request, served.value, request);
    if (key && served.value.meta.cache === 'hit') {
      const chunkKeys = a.refs.map((r) => r.key);
      options.answers.set(key, answer, chunkKeys, clock.now() + options.answerTtlMs);
    }
    return ok({ answer, timings: served.value.timings });
  };

  return {
    async read(caller, request, requestLog = log) {
      const assessed = await assess(caller, request);
      if (!assessed.ok) return assessed;
      const a = assessed.value;
      const maxSamples = maxAnswerSamples(request.layout, options.jobMaxSamples);
      const decision = decideRoute({
        estimate: a.estimate,
        threshold: threshold.current(),
        preferAsync: request.preferAsync,
        fullyCached: a.fullyCached,
        cachedSamples: a.cachedSamples,
        maxSamples,
        streamMaxSamples: options.cachedStreamMaxSamples,
      });
      // A direct read has its Analytics Engine data point; a log line each would cost more than
      // the hit itself (measured: docs/PERFORMANCE.md, "Cache hits"). Jobs and refusals are logged.
      if (decision.route !== 'direct') {
        requestLog.info('timeseries.routed', {
          route: decision.route,
          reason: decision.reason,
          estimated_samples: a.estimate.samples,
          upper_bound: decision.upperBound,
          d1_statements: a.d1Statements,
        });
      }
      if (decision.reason === 'cached_stream') {
        const streamed = await streamCached(cachedInput(a), request, options.streamBatchSamples);
        // Not recorded for warming (onServed): warming serves a read laid out in memory.
        if (streamed) {
          const timings = { access: a.accessAt - a.startedAt, cache: clock.now() - a.accessAt };
          return ok({ kind: 'streamed', answer: streamed, timings, decision });
        }
        // A chunk went between the assessment and the census (evicted, expired): a job reads it.
        requestLog.info('timeseries.routed', { route: 'job', reason: 'cache_changed' });
        return jobOutcome(caller, request, a, { ...decision, route: 'job', reason: 'too_large' });
      }
      if (decision.route === 'job') return jobOutcome(caller, request, a, decision);
      const answered = await answerDirect(caller, request, a);
      if (!answered.ok) return answered;
      options.onServed?.(request);
      return ok({ kind: 'served', ...answered.value, decision });
    },
    serve,
    acePage: createDropIn({ access: options.access, catalogue: options.catalogue, assess, serveAssessed }),
  };
}
