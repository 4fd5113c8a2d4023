// The ACE client: typed calls for ACE's four routes, each under a timeout, retried with backoff
// and jitter, behind the isolate's circuit breaker and shared with identical in-flight calls
// (cockatiel policies; review 27, 28, 45); and the timeseries fetch that runs a plan from
// plan.ts within page and byte budgets (review 22). Parsing is parse.ts; the token is forwarded
// as a bearer and never logged. Owns no caching and no HTTP edge.

import {
  DelegateBackoff,
  handleWhen,
  type IRetryBackoffContext,
  isBrokenCircuitError,
  isTaskCancelledError,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import type { Clock } from '../clock.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { Logger } from '../obs/log.ts';
import type { Caller, SeriesWindow } from '../requests.ts';
import { type BackoffOptions, parseRetryAfter, retryAfterAllowsRetry, retryDelayMs } from './backoff.ts';
import {
  type AcePointInfo,
  type AceSiteInfo,
  type ConfiguredPointsPage,
  createSeriesAccumulator,
  type PointSeries,
  parseConfiguredPointsBody,
  parseJsonText,
  parseSamplesBody,
  parseSiteBody,
  type SamplesPage,
} from './parse.ts';
import {
  type BatchCall,
  byteBudgetError,
  MAX_NAMES_PER_CALL,
  type PageSize,
  type PlanLimits,
  pageBudgetError,
  planFetch,
} from './plan.ts';
import { AceFailure, type AceUpstream, type BreakerState } from './resilience.ts';

/** The ACE routes, as logs and the synthetic ACE's stats name them. */
export type AceRouteName = 'site' | 'configured_points' | 'get_timeseries' | 'paginated';

export interface AceClientOptions {
  /** ACE's API root, e.g. `https://flightdeck.aceiot.cloud/api` (no trailing slash). */
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  log: Logger;
  /** The isolate's breaker and in-flight map for this base URL (services.ts). */
  upstream: AceUpstream;
  /** Per-attempt timeout, covering the response body. */
  timeoutMs: number;
  /** Page budget of one fetch: ACE requests it may make (config ACE_MAX_PAGES). */
  maxPages: number;
  /** Byte budget of one fetch: response bytes it may read (config ACE_MAX_BYTES). */
  maxBytes: number;
  /** Retries after the first attempt (default 2). */
  retries?: number;
  backoff?: Partial<BackoffOptions>;
  /** Jitter source (default Math.random). */
  random?: () => number;
  /** Density assumed per point when the caller has no better estimate (config). */
  defaultSamplesPerSecond?: number;
  batchMaxPoints?: number;
  maxSamplesPerCall?: number;
  /** per_page for configured_points (default 1000, ACE's largest). */
  pointsPerPage?: number;
}

/** A call's value with what it cost. */
export interface Sent<T> {
  value: T;
  bytes: number;
  /** HTTP requests this caller made (0 when it joined an identical in-flight call). */
  upstreamRequests: number;
}

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

/** Window of a timeseries call. */
export interface AceWindow {
  startMs: number;
  endMs: number;
}

/** The client. Every method returns a Result; none throws for an upstream failure. */
export interface AceClient {
  /** `GET /sites/{site}`: the cheap proof that a token may read a site. */
  getSite(site: string, token: string): Promise<Result<Sent<AceSiteInfo>>>;
  /** One `configured_points` page. */
  configuredPoints(
    site: string,
    page: { page: number; perPage: number },
    token: string,
  ): Promise<Result<Sent<ConfiguredPointsPage>>>;
  /** Every configured point, paging until a short page (ACE's `pages` can be wrong). */
  listConfiguredPoints(
    site: string,
    token: string,
  ): Promise<Result<Sent<{ points: AcePointInfo[]; skipped: number; pages: number }>>>;
  /** `POST /points/get_timeseries` for at most 50 names. */
  getTimeseries(
    names: readonly string[],
    window: AceWindow,
    token: string,
  ): Promise<Result<Sent<SamplesPage>>>;
  /** One page of `GET /sites/{site}/timeseries/paginated` (raw_data=true). */
  paginated(
    site: string,
    page: AceWindow & { pageSize: PageSize; cursor?: string | undefined },
    token: string,
  ): Promise<Result<Sent<SamplesPage>>>;
  /** Fetches the request's samples by the plan, within the page and byte budgets. */
  fetchTimeseries(request: SeriesWindow, options: FetchOptions): Promise<Result<TimeseriesResult>>;
  /** The breaker's state, for /health. */
  breakerState(): BreakerState;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 2_000, retryAfterCapMs: 5_000 };
const MAX_CATALOGUE_PAGES = 200;

interface Call {
  route: AceRouteName;
  method: 'GET' | 'POST';
  path: string;
  query: Array<[string, string]>;
  body?: string;
}

/** Counts bytes read by one operation, live, so concurrent reads cannot jointly overrun it. */
interface ByteMeter {
  used: number;
  readonly max: number;
}

interface Outcome {
  result: Result<{ json: unknown; bytes: number }>;
  attempts: number;
}

type Progress = { pages: number; upstreamRequests: number; stopped: boolean };
type Observe = (page: SamplesPage, plannedPages: number | undefined) => Promise<void>;

const iso = (ms: number) => new Date(ms).toISOString();

const upstreamError = (message: string, status?: number): AppError =>
  status === undefined ? { kind: 'upstream_error', message } : { kind: 'upstream_error', message, status };

type Read = { kind: 'text'; text: string; bytes: number } | { kind: 'over' } | { kind: 'bad_encoding' };

/** Reads a body as UTF-8 while counting against the meter; stops reading once over. */
async function readLimited(res: Response, meter: ByteMeter): Promise<Read> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && meter.used + declared > meter.max) {
    await res.body?.cancel();
    return { kind: 'over' };
  }
  if (!res.body) return { kind: 'text', text: '', bytes: 0 };
  const reader = res.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      meter.used += value.byteLength;
      if (meter.used > meter.max) {
        await reader.cancel();
        return { kind: 'over' };
      }
      text += decoder.decode(value, { stream: true });
    }
    text += decoder.decode();
  } catch (e) {
    // A broken stream is a network failure (retryable); only a decoding error is bad encoding.
    if (e instanceof TypeError && /decode|encoding|utf/i.test(e.message)) return { kind: 'bad_encoding' };
    throw e;
  }
  return { kind: 'text', text, bytes };
}

/** Creates a client over the isolate's shared upstream state. */
export function createAceClient(options: AceClientOptions): AceClient {
  const { baseUrl, clock, log, upstream, timeoutMs, maxPages, maxBytes } = options;
  const fetchFn = options.fetch;
  const retries = options.retries ?? 2;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const random = options.random ?? Math.random;
  const defaultDensity = options.defaultSamplesPerSecond ?? 1 / 30;
  const pointsPerPage = options.pointsPerPage ?? 1000;
  const perAttempt = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  const planLimits: PlanLimits = {
    maxPages,
    maxBytes,
    ...(options.batchMaxPoints !== undefined ? { batchMaxPoints: options.batchMaxPoints } : {}),
    ...(options.maxSamplesPerCall !== undefined ? { maxSamplesPerCall: options.maxSamplesPerCall } : {}),
  };
  // A joiner of another request's call gives up after the longest the leader could take, since
  // in workerd a promise settled by another request's I/O may never reach it if that request dies.
  const joinLimitMs =
    (retries + 1) * timeoutMs + retries * Math.max(backoff.maxMs, backoff.retryAfterCapMs) + 1_000;

  const urlOf = (call: Call) => {
    const url = new URL(`${baseUrl}${call.path}`);
    for (const [k, v] of call.query) url.searchParams.set(k, v);
    return url.toString();
  };

  /** One HTTP attempt: definitive answers are values; health failures are thrown AceFailures. */
  async function attemptOnce(
    call: Call,
    url: string,
    caller: Caller,
    meter: ByteMeter,
    signal: AbortSignal,
    note: { retryAfterMs?: number | undefined },
  ): Promise<Result<{ json: unknown; bytes: number }>> {
    const headers = new Headers({ authorization: `Bearer ${caller.token}`, accept: 'application/json' });
    if (call.body !== undefined) headers.set('content-type', 'application/json');
    let res: Response;
    try {
      res = await fetchFn(url, { method: call.method, headers, body: call.body ?? null, signal });
    } catch (e) {
      if (signal.aborted) throw e; // the timeout policy reports it
      throw new AceFailure(upstreamError('ACE could not be reached'), { retryable: true });
    }
    const status = res.status;
    if (status >= 200 && status < 300) {
      const type = res.headers.get('content-type') ?? '';
      if (!/[/+]json\b/i.test(type)) {
        await res.body?.cancel();
        throw new AceFailure(upstreamError('ACE answered with a non-JSON body', status), { retryable: true });
      }
      const read = await readLimited(res, meter);
      if (read.kind === 'over') return err(byteBudgetError(meter.max));
      if (read.kind === 'bad_encoding') {
        throw new AceFailure(upstreamError('ACE answered with a malformed body', status), {
          retryable: true,
        });
      }
      const parsed = parseJsonText(read.text);
      if (!parsed.ok) throw new AceFailure(parsed.error, { retryable: true });
      return ok({ json: parsed.value, bytes: read.bytes });
    }
    // Error bodies are never read: nothing of ACE's text can reach a client or a log.
    await res.body?.cancel();
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), clock.now());
    note.retryAfterMs = retryAfterMs;
    switch (status) {
      case 401:
        return err({ kind: 'unauthorized', message: 'ACE rejected the token' });
      case 403:
        return err({ kind: 'forbidden', message: 'the token may not read this site' });
      case 404:
        return err({ kind: 'not_found', message: 'no such site in ACE' });
      case 429:
        return err({
          kind: 'rate_limited',
          message: 'ACE is rate limiting this token',
          retryAfterSeconds: Math.max(1, Math.ceil((retryAfterMs ?? 1_000) / 1000)),
        });
    }
    if (status === 408 || status >= 500) {
      throw new AceFailure(upstreamError(`ACE answered ${status}`, status), {
        retryable: true,
        retryAfterMs,
      });
    }
    // Other 4xx (400 included): the request we built was refused. The edge validated the
    // client's input, so this is ACE's contract drifting or our bug: a 502, not the client's 400.
    return err(upstreamError(`ACE refused the request (${status})`, status));
  }

  /** Runs one call through retry → breaker → timeout; never rejects for upstream failures. */
  async function execute(call: Call, url: string, caller: Caller, meter: ByteMeter): Promise<Outcome> {
    let attempts = 0;
    const note: { retryAfterMs?: number | undefined } = {};
    const retryAfterOf = (ctx: IRetryBackoffContext<unknown>): number | undefined => {
      const reason = ctx.result;
      if ('error' in reason)
        return reason.error instanceof AceFailure ? reason.error.retryAfterMs : undefined;
      return note.retryAfterMs;
    };
    const retryPolicy = retry(
      handleWhen(
        (e) => e instanceof AceFailure && e.retryable && retryAfterAllowsRetry(e.retryAfterMs, backoff),
      ).orWhenResult((r) => {
        const result = r as Result<unknown>;
        return (
          !result.ok &&
          result.error.kind === 'rate_limited' &&
          retryAfterAllowsRetry(note.retryAfterMs, backoff)
        );
      }),
      {
        maxAttempts: retries,
        backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) =>
          retryDelayMs(ctx.attempt, retryAfterOf(ctx), backoff, random),
        ),
      },
    );
    const listener = retryPolicy.onRetry((e) => {
      const status =
        'error' in e && e.error instanceof AceFailure && e.error.appError.kind === 'upstream_error'
          ? e.error.appError.status
          : 'value' in e
            ? 429
            : undefined;
      log.warn('ace_retry', { route: call.route, attempt: e.attempt, delay_ms: e.delay, status });
    });
    try {
      const result = await wrap(retryPolicy, upstream.breaker, perAttempt).execute(({ signal }) => {
        attempts++;
        note.retryAfterMs = undefined;
        return attemptOnce(call, url, caller, meter, signal, note);
      });
      return { result, attempts };
    } catch (e) {
      let error: AppError;
      if (e instanceof AceFailure) error = e.appError;
      else if (isBrokenCircuitError(e)) {
        // Decided: 503 `unavailable` (no upstream call was made; retry later), not a 502.
        error = {
          kind: 'unavailable',
          message: 'ACE is failing; the circuit breaker is open',
          dependency: 'ace',
        };
      } else if (isTaskCancelledError(e)) {
        error = { kind: 'upstream_timeout', message: `ACE did not answer within ${timeoutMs} ms` };
      } else throw e;
      log.warn('ace_failure', {
        route: call.route,
        kind: error.kind,
        status: error.kind === 'upstream_error' ? error.status : undefined,
        attempts,
      });
      return { result: err(error), attempts };
    } finally {
      listener.dispose();
    }
  }

  /** Sends a call, sharing an identical in-flight one (same method, URL, body and token). */
  async function send(call: Call, caller: Caller, meter: ByteMeter): Promise<Result<Sent<unknown>>> {
    const url = urlOf(call);
    const key = `${call.method} ${url}\n${call.body ?? ''}\n${caller.principal}`;
    const shared = upstream.inFlight.get(key) as Promise<Outcome> | undefined;
    if (shared) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const gaveUp = new Promise<Outcome>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              result: err({ kind: 'upstream_timeout', message: 'a shared ACE call did not finish' }),
              attempts: 0,
            }),
          joinLimitMs,
        );
      });
      const outcome = await Promise.race([shared, gaveUp]).finally(() => {
        if (timer !== undefined) clearTimeout(timer);
      });
      if (!outcome.result.ok) return outcome.result;
      // The leader's reads counted against the leader's meter; a joiner holds the bytes too.
      meter.used += outcome.result.value.bytes;
      if (meter.used > meter.max) return err(byteBudgetError(meter.max));
      return ok({ value: outcome.result.value.json, bytes: outcome.result.value.bytes, upstreamRequests: 0 });
    }
    const running = execute(call, url, caller, meter);
    upstream.inFlight.set(key, running);
    let outcome: Outcome;
    try {
      outcome = await running;
    } finally {
      if (upstream.inFlight.get(key) === running) upstream.inFlight.delete(key);
    }
    if (!outcome.result.ok) return outcome.result;
    return ok({
      value: outcome.result.value.json,
      bytes: outcome.result.value.bytes,
      upstreamRequests: outcome.attempts,
    });
  }

  // The principal keys sharing of in-flight calls: different tokens never share one.
  const callerFor = async (token: string): Promise<Caller> => ({ token, principal: await sha256Hex(token) });
  const freshMeter = (): ByteMeter => ({ used: 0, max: maxBytes });
  const sitePath = (site: string) => `/sites/${encodeURIComponent(site)}`;

  /** Sends and parses, carrying the cost along. */
  async function sendParsed<T>(
    call: Call,
    caller: Caller,
    meter: ByteMeter,
    parse: (json: unknown) => Result<T>,
  ): Promise<Result<Sent<T>>> {
    const sent = await send(call, caller, meter);
    if (!sent.ok) return sent;
    const parsed = parse(sent.value.value);
    if (!parsed.ok) {
      log.warn('ace_failure', { route: call.route, kind: parsed.error.kind, detail: 'unexpected shape' });
      return parsed;
    }
    return ok({ ...sent.value, value: parsed.value });
  }

  const siteCall = (site: string): Call => ({
    route: 'site',
    method: 'GET',
    path: sitePath(site),
    query: [],
  });
  const pointsCall = (site: string, page: number, perPage: number): Call => ({
    route: 'configured_points',
    method: 'GET',
    path: `${sitePath(site)}/configured_points`,
    query: [
      ['page', String(page)],
      ['per_page', String(perPage)],
    ],
  });
  const batchCall = (names: readonly string[], window: AceWindow): Call => ({
    route: 'get_timeseries',
    method: 'POST',
    path: '/points/get_timeseries',
    query: [
      ['start_time', iso(window.startMs)],
      ['end_time', iso(window.endMs)],
    ],
    body: JSON.stringify({ points: names.map((name) => ({ name })) }),
  });
  const pageCall = (
    site: string,
    page: AceWindow & { pageSize: PageSize; cursor?: string | undefined },
  ): Call => ({
    route: 'paginated',
    method: 'GET',
    path: `${sitePath(site)}/timeseries/paginated`,
    query: [
      ['start_time', iso(page.startMs)],
      ['end_time', iso(page.endMs)],
      ['page_size', String(page.pageSize)],
      ['raw_data', 'true'],
      ...(page.cursor ? [['cursor', page.cursor] as [string, string]] : []),
    ],
  });

  async function listPoints(site: string, caller: Caller) {
    const meter = freshMeter();
    const points: AcePointInfo[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    let bytes = 0;
    let upstreamRequests = 0;
    for (let page = 1; page <= MAX_CATALOGUE_PAGES; page++) {
      const r = await sendParsed(
        pointsCall(site, page, pointsPerPage),
        caller,
        meter,
        parseConfiguredPointsBody,
      );
      if (!r.ok) return r;
      bytes += r.value.bytes;
      upstreamRequests += r.value.upstreamRequests;
      skipped += r.value.value.skipped;
      for (const p of r.value.value.items) {
        // A listing that shifts between pages can repeat a point; the first listing wins.
        if (seen.has(p.name)) continue;
        seen.add(p.name);
        points.push(p);
      }
      // `pages` can be wrong: the last page is the first short one (ACE may cap per_page lower).
      const perPage = Math.min(pointsPerPage, r.value.value.perPage ?? pointsPerPage);
      if (r.value.value.listed < perPage || r.value.value.listed === 0) {
        return ok({ value: { points, skipped, pages: page }, bytes, upstreamRequests });
      }
    }
    return err(pageBudgetError(MAX_CATALOGUE_PAGES));
  }

  /** get_timeseries calls, at most `concurrency` in flight; the first failure ends the fetch. */
  async function runBatches(
    calls: readonly BatchCall[],
    concurrency: number,
    caller: Caller,
    meter: ByteMeter,
    progress: Progress,
    observe: Observe,
    shouldStop: () => boolean,
  ): Promise<Result<true>> {
    let next = 0;
    let failure: AppError | undefined;
    const worker = async () => {
      while (failure === undefined && !shouldStop()) {
        const call = calls[next++];
        if (!call) return;
        const r = await sendParsed(batchCall(call.names, call), caller, meter, parseSamplesBody);
        if (!r.ok) {
          failure ??= r.error;
          return;
        }
        progress.upstreamRequests += r.value.upstreamRequests;
        if (failure === undefined) await observe(r.value.value, calls.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
    return failure === undefined ? ok(true) : err(failure);
  }

  /** Pages the site endpoint through every cursor (empty pages included) until next_cursor is null. */
  async function runSitePages(
    request: SeriesWindow,
    pageSize: PageSize,
    caller: Caller,
    meter: ByteMeter,
    progress: Progress,
    observe: Observe,
    shouldStop: () => boolean,
  ): Promise<Result<true>> {
    let cursor: string | undefined;
    for (;;) {
      if (shouldStop()) return ok(true);
      if (progress.pages >= maxPages) return err(pageBudgetError(maxPages));
      const r = await sendParsed(
        pageCall(request.site, { startMs: request.startMs, endMs: request.endMs, pageSize, cursor }),
        caller,
        meter,
        parseSamplesBody,
      );
      if (!r.ok) return r;
      progress.upstreamRequests += r.value.upstreamRequests;
      await observe(r.value.value, undefined);
      const nextCursor = r.value.value.nextCursor;
      if (nextCursor === null || nextCursor === undefined) return ok(true);
      if (nextCursor === cursor) {
        log.warn('ace_failure', {
          route: 'paginated',
          kind: 'upstream_error',
          detail: 'cursor did not advance',
        });
        return err(upstreamError('ACE repeated a cursor'));
      }
      cursor = nextCursor;
    }
  }

  async function fetchTimeseries(
    request: SeriesWindow,
    options: FetchOptions,
  ): Promise<Result<TimeseriesResult>> {
    const plan = planFetch(
      {
        points: request.points,
        startMs: request.startMs,
        endMs: request.endMs,
        samplesPerSecond: options.samplesPerSecond ?? defaultDensity,
        ...(options.sitePointCount !== undefined ? { sitePointCount: options.sitePointCount } : {}),
        ...(options.strategy ? { strategy: options.strategy } : {}),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      },
      planLimits,
    );
    if (!plan.ok) return plan;
    const strategy = plan.value.kind;
    if (request.points.length === 0 || request.endMs <= request.startMs) {
      // Nothing can be in an empty window: no request (ACE would refuse end ≤ start with a 400).
      const empty = createSeriesAccumulator(request.points, 0, 0).finish();
      return ok({ ...empty, pages: 0, bytes: 0, upstreamRequests: 0, strategy, complete: true });
    }
    const caller = await callerFor(options.token);
    const meter = freshMeter();
    const acc = createSeriesAccumulator(request.points, request.startMs, request.endMs);
    const progress: Progress = { pages: 0, upstreamRequests: 0, stopped: false };

    const observe: Observe = async (page, plannedPages) => {
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
    };
    const shouldStop = () => progress.stopped || options.signal?.aborted === true;

    const fetched =
      plan.value.kind === 'batches'
        ? await runBatches(
            plan.value.calls,
            plan.value.concurrency,
            caller,
            meter,
            progress,
            observe,
            shouldStop,
          )
        : await runSitePages(request, plan.value.pageSize, caller, meter, progress, observe, shouldStop);
    if (!fetched.ok) return fetched;
    const { series, dropped } = acc.finish();
    return ok({
      series,
      dropped,
      pages: progress.pages,
      bytes: meter.used,
      upstreamRequests: progress.upstreamRequests,
      strategy,
      complete: !shouldStop(),
    });
  }

  return {
    async getSite(site, token) {
      return sendParsed(siteCall(site), await callerFor(token), freshMeter(), (j) => parseSiteBody(j, site));
    },
    async configuredPoints(site, page, token) {
      return sendParsed(
        pointsCall(site, page.page, page.perPage),
        await callerFor(token),
        freshMeter(),
        parseConfiguredPointsBody,
      );
    },
    async listConfiguredPoints(site, token) {
      return listPoints(site, await callerFor(token));
    },
    async getTimeseries(names, window, token) {
      if (names.length > MAX_NAMES_PER_CALL) {
        return err({
          kind: 'invalid_input',
          message: `at most ${MAX_NAMES_PER_CALL} names per get_timeseries call`,
          issues: [{ path: 'points', message: `at most ${MAX_NAMES_PER_CALL}` }],
        });
      }
      return sendParsed(batchCall(names, window), await callerFor(token), freshMeter(), parseSamplesBody);
    },
    async paginated(site, page, token) {
      return sendParsed(pageCall(site, page), await callerFor(token), freshMeter(), parseSamplesBody);
    },
    fetchTimeseries,
    breakerState: () => upstream.state(),
  };
}
