// The ACE client: typed calls for ACE's four routes and the timeseries fetch, assembled from their
// parts: request builders (calls.ts), one attempt (attempt.ts) under the resilience policy
// (policy.ts: timeout, breaker, retries; review 27, 28, 45), shared with identical in-flight calls
// (sharing.ts), and the fetch that runs a plan's pages within page and byte budgets
// (fetch-timeseries.ts, page-runners.ts; review 22). Parsing is parse.ts; the token is forwarded
// as a bearer and never logged. Owns no caching and no HTTP edge.
import type { Clock } from '../clock.ts';
import { err, ok, type Result } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { Logger } from '../obs/log.ts';
import type { Caller, SeriesWindow } from '../requests.ts';
import { attemptCall, type ByteMeter } from './attempt.ts';
import type { BackoffOptions } from './backoff.ts';
import {
  type AceWindow,
  batchCall,
  type Call,
  callUrl,
  pageCall,
  pointsCall,
  type SitePageRequest,
  sharingKey,
  siteCall,
} from './calls.ts';
import {
  type FetchContext,
  type FetchOptions,
  fetchTimeseries,
  type TimeseriesResult,
} from './fetch-timeseries.ts';
import {
  type AcePointInfo,
  type AceSiteInfo,
  type ConfiguredPointsPage,
  decodeSamplesText,
  parseConfiguredPointsBody,
  parseSamplesBody,
  parseSiteBody,
  type SamplesPage,
} from './parse.ts';
import { MAX_NAMES_PER_CALL, type PlanLimits, pageBudgetError } from './plan.ts';
import { createCallPolicy } from './policy.ts';
import type { AceUpstream, BreakerState } from './resilience.ts';
import { joinLimitMs, type Sent, sendShared } from './sharing.ts';

export type { AceRouteName, AceWindow } from './calls.ts';
export type { AcePageEvent, FetchOptions, PageVerdict, TimeseriesResult } from './fetch-timeseries.ts';
export type { Sent } from './sharing.ts';

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
  paginated(site: string, page: SitePageRequest, token: string): Promise<Result<Sent<SamplesPage>>>;
  /** Fetches the request's samples by the plan, within the page and byte budgets. */
  fetchTimeseries(request: SeriesWindow, options: FetchOptions): Promise<Result<TimeseriesResult>>;
  /** The breaker's state, for /health. */
  breakerState(): BreakerState;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 2_000, retryAfterCapMs: 5_000 };
const MAX_CATALOGUE_PAGES = 200;

/**
 * Sends a call as a caller against a byte budget and parses the answer, carrying the cost along;
 * `decode` turns the body's text into what `parse` checks (JSON.parse unless given).
 */
type SendParsed = <T>(
  call: Call,
  caller: Caller,
  meter: ByteMeter,
  parse: (json: unknown) => Result<T>,
  decode?: (text: string) => Result<unknown>,
) => Promise<Result<Sent<T>>>;

/** One call end to end: URL and key, sharing, the policy, attempts; then the answer's shape. */
function createSender(options: AceClientOptions, backoff: BackoffOptions): SendParsed {
  const { baseUrl, clock, log, upstream, timeoutMs } = options;
  const retries = options.retries ?? 2;
  const random = options.random ?? Math.random;
  const runCall = createCallPolicy({ upstream, timeoutMs, retries, backoff, random, log });
  const joinLimit = joinLimitMs(retries, timeoutMs, backoff);
  return async (call, caller, meter, parse, decode) => {
    const url = callUrl(baseUrl, call);
    const sent = await sendShared(upstream.inFlight, joinLimit, {
      key: sharingKey(call, url, caller.principal),
      meter,
      run: () =>
        runCall(call.route, (signal) =>
          attemptCall({
            fetch: options.fetch,
            clock,
            call,
            url,
            token: caller.token,
            meter,
            signal,
            ...(decode ? { decode } : {}),
          }),
        ),
    });
    if (!sent.ok) return sent;
    const parsed = parse(sent.value.value);
    if (!parsed.ok) {
      log.warn('ace_failure', { route: call.route, kind: parsed.error.kind, detail: 'unexpected shape' });
      return parsed;
    }
    return ok({ ...sent.value, value: parsed.value });
  };
}

/** Every configured point: pages until the first short one (ACE's `pages` can be wrong). */
async function listPoints(
  send: SendParsed,
  site: string,
  caller: Caller,
  meter: ByteMeter,
  pointsPerPage: number,
): Promise<Result<Sent<{ points: AcePointInfo[]; skipped: number; pages: number }>>> {
  const points: AcePointInfo[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  let bytes = 0;
  let upstreamRequests = 0;
  for (let page = 1; page <= MAX_CATALOGUE_PAGES; page++) {
    const r = await send(pointsCall(site, page, pointsPerPage), caller, meter, parseConfiguredPointsBody);
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

const planLimitsOf = (options: AceClientOptions): PlanLimits => ({
  maxPages: options.maxPages,
  maxBytes: options.maxBytes,
  ...(options.batchMaxPoints !== undefined ? { batchMaxPoints: options.batchMaxPoints } : {}),
  ...(options.maxSamplesPerCall !== undefined ? { maxSamplesPerCall: options.maxSamplesPerCall } : {}),
});

// The principal keys sharing of in-flight calls: different tokens never share one.
const callerFor = async (token: string): Promise<Caller> => ({ token, principal: await sha256Hex(token) });

/** Creates a client over the isolate's shared upstream state. */
export function createAceClient(options: AceClientOptions): AceClient {
  const send = createSender(options, { ...DEFAULT_BACKOFF, ...options.backoff });
  const pointsPerPage = options.pointsPerPage ?? 1000;
  const freshMeter = (): ByteMeter => ({ used: 0, max: options.maxBytes });
  const fetchContext: FetchContext = {
    planLimits: planLimitsOf(options),
    defaultDensity: options.defaultSamplesPerSecond ?? 1 / 30,
    maxPages: options.maxPages,
    maxBytes: options.maxBytes,
    log: options.log,
    callerFor,
    sendSamples: (call, caller, meter) => send(call, caller, meter, parseSamplesBody, decodeSamplesText),
  };
  return {
    async getSite(site, token) {
      return send(siteCall(site), await callerFor(token), freshMeter(), (j) => parseSiteBody(j, site));
    },
    async configuredPoints(site, page, token) {
      const call = pointsCall(site, page.page, page.perPage);
      return send(call, await callerFor(token), freshMeter(), parseConfiguredPointsBody);
    },
    async listConfiguredPoints(site, token) {
      return listPoints(send, site, await callerFor(token), freshMeter(), pointsPerPage);
    },
    async getTimeseries(names, window, token) {
      if (names.length > MAX_NAMES_PER_CALL) {
        return err({
          kind: 'invalid_input',
          message: `at most ${MAX_NAMES_PER_CALL} names per get_timeseries call`,
          issues: [{ path: 'points', message: `at most ${MAX_NAMES_PER_CALL}` }],
        });
      }
      const call = batchCall(names, window);
      return send(call, await callerFor(token), freshMeter(), parseSamplesBody, decodeSamplesText);
    },
    async paginated(site, page, token) {
      const call = pageCall(site, page);
      return send(call, await callerFor(token), freshMeter(), parseSamplesBody, decodeSamplesText);
    },
    fetchTimeseries: (request, fetchOptions) => fetchTimeseries(fetchContext, request, fetchOptions),
    breakerState: () => options.upstream.state(),
  };
}
