// The two ways a timeseries fetch pages through ACE, as plan.ts chose: get_timeseries batches, a
// few in flight, the first failure ending the fetch; or the site's paginated endpoint, cursor by
// cursor (empty pages included) until ACE says there is no more, within the page budget. Every page
// goes to the fetch's observer; a stop or an abort ends a run at a page boundary.
import { type AppError, err, ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { SeriesWindow } from '../requests.ts';
import { upstreamError } from './attempt.ts';
import { batchCall, type Call, pageCall } from './calls.ts';
import type { SamplesPage } from './parse.ts';
import { type FetchPlan, pageBudgetError } from './plan.ts';
import type { Sent } from './sharing.ts';

/** A run's running totals; `stopped` once an observer said stop. */
export interface Progress {
  pages: number;
  upstreamRequests: number;
  stopped: boolean;
}

/** What a run shares between its pages. */
export interface PageRun {
  /** The window fetched (its site, for site paging). */
  request: SeriesWindow;
  /** Sends one call as the fetch's caller, against its byte budget, and checks the samples body. */
  send: (call: Call) => Promise<Result<Sent<SamplesPage>>>;
  progress: Progress;
  /** Takes each page (accumulates it, tells the fetch's observer); plannedPages when known. */
  observe: (page: SamplesPage, plannedPages: number | undefined) => Promise<void>;
  /** True once the run must end at the next page boundary (stopped, or the signal aborted). */
  shouldStop: () => boolean;
  /** Page budget: requests a site run may make. */
  maxPages: number;
  log: Logger;
}

/** get_timeseries calls, at most `concurrency` in flight; the first failure ends the fetch. */
export async function runBatches(
  run: PageRun,
  plan: Extract<FetchPlan, { kind: 'batches' }>,
): Promise<Result<true>> {
  const { calls, concurrency } = plan;
  let next = 0;
  let failure: AppError | undefined;
  const worker = async () => {
    while (failure === undefined && !run.shouldStop()) {
      const call = calls[next++];
      if (!call) return;
      const r = await run.send(batchCall(call.names, call));
      if (!r.ok) {
        failure ??= r.error;
        return;
      }
      run.progress.upstreamRequests += r.value.upstreamRequests;
      if (failure === undefined) await run.observe(r.value.value, calls.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
  return failure === undefined ? ok(true) : err(failure);
}

/** Pages the site endpoint through every cursor (empty pages included) until next_cursor is null. */
export async function runSitePages(
  run: PageRun,
  plan: Extract<FetchPlan, { kind: 'site' }>,
): Promise<Result<true>> {
  const { request, progress } = run;
  let cursor: string | undefined;
  for (;;) {
    if (run.shouldStop()) return ok(true);
    if (progress.pages >= run.maxPages) return err(pageBudgetError(run.maxPages));
    const window = { startMs: request.startMs, endMs: request.endMs };
    const r = await run.send(pageCall(request.site, { ...window, pageSize: plan.pageSize, cursor }));
    if (!r.ok) return r;
    progress.upstreamRequests += r.value.upstreamRequests;
    await run.observe(r.value.value, undefined);
    const nextCursor = r.value.value.nextCursor;
    if (nextCursor === null || nextCursor === undefined) return ok(true);
    if (nextCursor === cursor) {
      run.log.warn('ace_failure', {
        route: 'paginated',
        kind: 'upstream_error',
        detail: 'cursor did not advance',
      });
      return err(upstreamError('ACE repeated a cursor'));
    }
    cursor = nextCursor;
  }
}
