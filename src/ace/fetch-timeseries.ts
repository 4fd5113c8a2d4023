// A timeseries fetch from ACE (review 22): plans it (plan.ts), runs the plan's pages (page-runners.ts)
// into one accumulator (parse.ts) within the page and byte budgets, tells an observer after every
// page (jobs: heartbeat, progress, cancellation) and returns every kept sample per requested point.
// An empty window or point list asks ACE nothing. Sending is the client's (client.ts).
import { ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { Caller, SeriesWindow } from '../requests.ts';
import type { ByteMeter } from './attempt.ts';
import type { Call } from './calls.ts';
import { type PageRun, type Progress, runBatches, runSitePages } from './page-runners.ts';
import { createSeriesAccumulator, type PointSeries, type SamplesPage } from './parse.ts';
import { type FetchPlan, type PageSize, type PlanLimits, planFetch } from './plan.ts';
import type { Sent } from './sharing.ts';

/** What an observer learns after each page (jobs: heartbeat, progress, cancellation). */
export interface AcePageEvent {
  strategy: 'batches' | 'site';
  /** Pages (ACE responses) so far, this one included. */
  pages: number;
  /** Samples of the requested points this page kept, and entries it dropped. */
  samples: number;
  dropped: number;
  bytes: number;
  upstreamRequests: number;
  /** For batches: how many calls the plan has; for site paging: unknown. */
  plannedPages: number | undefined;
}

/** An observer's answer: `stop` ends the fetch at this page boundary (the result is partial). */
export type PageVerdict = 'stop' | undefined;

export interface FetchOptions {
  /** The caller's ACE token, forwarded as a bearer. */
  token: string;
  strategy?: 'auto' | 'batches' | 'site';
  pageSize?: PageSize;
  /** Expected samples per second per point, for planning. */
  samplesPerSecond?: number;
  /** Call sizes other than the client's (PlanLimits): a job's task keeps its pages small. */
  calls?: Pick<PlanLimits, 'maxSamplesPerCall' | 'maxSamplesInFlight'>;
  sitePointCount?: number;
  onPage?: (event: AcePageEvent) => PageVerdict | Promise<PageVerdict>;
  /** Aborting stops the fetch at the next page boundary (the result is partial). */
  signal?: AbortSignal;
}

/** The samples of a fetch, per requested point in request order, and what it cost. */
export interface TimeseriesResult {
  series: PointSeries[];
  dropped: number;
  pages: number;
  bytes: number;
  upstreamRequests: number;
  strategy: 'batches' | 'site';
  /** False when an observer stopped the fetch or its signal aborted before the end. */
  complete: boolean;
}

/** What a fetch needs of its client. */
export interface FetchContext {
  planLimits: PlanLimits;
  /** Density assumed per point when the caller has no better estimate. */
  defaultDensity: number;
  maxPages: number;
  maxBytes: number;
  log: Logger;
  callerFor: (token: string) => Promise<Caller>;
  /** Sends one call as `caller`, counting bytes on `meter`, and checks the samples body. */
  sendSamples: (call: Call, caller: Caller, meter: ByteMeter) => Promise<Result<Sent<SamplesPage>>>;
}

function planFor(ctx: FetchContext, request: SeriesWindow, options: FetchOptions): Result<FetchPlan> {
  return planFetch(
    {
      points: request.points,
      startMs: request.startMs,
      endMs: request.endMs,
      samplesPerSecond: options.samplesPerSecond ?? ctx.defaultDensity,
      ...(options.sitePointCount !== undefined ? { sitePointCount: options.sitePointCount } : {}),
      ...(options.strategy ? { strategy: options.strategy } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    },
    options.calls ? { ...ctx.planLimits, ...options.calls } : ctx.planLimits,
  );
}

/** Fetches the request's samples by the plan, within the page and byte budgets. */
export async function fetchTimeseries(
  ctx: FetchContext,
  request: SeriesWindow,
  options: FetchOptions,
): Promise<Result<TimeseriesResult>> {
  const plan = planFor(ctx, request, options);
  if (!plan.ok) return plan;
  const strategy = plan.value.kind;
  if (request.points.length === 0 || request.endMs <= request.startMs) {
    // Nothing can be in an empty window: no request (ACE would refuse end ≤ start with a 400).
    const empty = createSeriesAccumulator(request.points, 0, 0).finish();
    return ok({ ...empty, pages: 0, bytes: 0, upstreamRequests: 0, strategy, complete: true });
  }
  const caller = await ctx.callerFor(options.token);
  const meter: ByteMeter = { used: 0, max: ctx.maxBytes };
  const acc = createSeriesAccumulator(request.points, request.startMs, request.endMs);
  const progress: Progress = { pages: 0, upstreamRequests: 0, stopped: false };
  const run: PageRun = {
    request,
    send: (call) => ctx.sendSamples(call, caller, meter),
    progress,
    observe: async (page, plannedPages) => {
      const counts = acc.add(page.samples);
      progress.pages++;
      const verdict = await options.onPage?.({
        strategy,
        pages: progress.pages,
        samples: counts.kept,
        dropped: counts.dropped,
        bytes: meter.used,
        upstreamRequests: progress.upstreamRequests,
        plannedPages,
      });
      if (verdict === 'stop') progress.stopped = true;
    },
    shouldStop: () => progress.stopped || options.signal?.aborted === true,
    maxPages: ctx.maxPages,
    log: ctx.log,
  };
  const fetched =
    plan.value.kind === 'batches' ? await runBatches(run, plan.value) : await runSitePages(run, plan.value);
  if (!fetched.ok) return fetched;
  const { series, dropped } = acc.finish();
  return ok({
    series,
    dropped,
    pages: progress.pages,
    bytes: meter.used,
    upstreamRequests: progress.upstreamRequests,
    strategy,
    complete: !run.shouldStop(),
  });
}
