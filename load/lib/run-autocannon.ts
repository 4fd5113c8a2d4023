// One bounded autocannon run ("stream": N connections repeating a request list against one origin)
// as a promise, summarised into the numbers thresholds and reports read, and the merging of
// streams that ran side by side or in turn. Owns the hard caps on connections and duration and
// every response's latency and completion time; not thresholds, scenarios or the stack.
import autocannon from 'autocannon';

/** Hard caps: no scenario can ask for more (the design's largest scenario is 1000 users). */
export const MAX_CONNECTIONS = 1000;
export const MAX_DURATION_S = 300;
/** Stops a run that overruns its own bound by this much (e.g. an `amount` that never completes). */
const WATCHDOG_GRACE_MS = 30_000;
/** Per-request timeout when a stream sets none, seconds. */
export const DEFAULT_TIMEOUT_S = 10;
/** How many distinct error messages and non-2xx answers a result keeps. */
const SAMPLE_LIMIT = 5;

/** What to run. Exactly one of `durationS` and `amount` bounds it. */
export interface StreamOptions {
  /** Names the stream in tables and reports (e.g. `health`). */
  name: string;
  /** Origin to load, e.g. `http://127.0.0.1:8797`. */
  origin: string;
  connections: number;
  durationS?: number;
  amount?: number;
  /** Requests each connection sends in order, then repeats (autocannon's `requests`). */
  requests: autocannon.Request[];
  headers?: Record<string, string>;
  /** Per-request timeout, seconds (autocannon counts one as an error and a timeout). */
  timeoutS?: number;
}

/** A stream's measured numbers; latencies in milliseconds, over every response (any status). */
export interface StreamResult {
  name: string;
  origin: string;
  connections: number;
  durationS: number;
  /** Requests written to the wire (includes ones in flight when the run stopped). */
  sent: number;
  /** Responses received, any status. */
  responses: number;
  /** Responses with a 2xx status. */
  ok: number;
  /** Responses by status code, e.g. `{ "200": 3000, "503": 2 }`. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Connection errors including timeouts (no response at all). */
  errors: number;
  timeouts: number;
  /** First few distinct error messages, for the report. */
  errorSamples: string[];
  /** First few distinct non-2xx answers (`status body-prefix`), for the report. */
  non2xxSamples: string[];
  /** Responses per second over the run. */
  rps: number;
  /** Response bytes per second over the run. */
  bytesPerSec: number;
  latencyMs: LatencySummary;
  /** When the stream started (epoch ms). */
  startedAtMs: number;
  /** Every response time in ms, for merging streams; not written to reports. */
  samples: Float64Array;
  /**
   * When each response of `samples` (same index) completed, in ms since the stream started; for
   * the report's per-second timeline. Not written to reports.
   */
  completedMs: Float64Array;
  /** Set when the result merges rounds run in turn (mergeStreams 'in-turn'): each round's numbers. */
  rounds?: RoundSummary[];
}

/** One round of a stream run in turn with others, as the merged result keeps it. */
export interface RoundSummary {
  round: number;
  /** Where the round begins on the merged stream's own clock (rounds are laid end to end), s. */
  offsetS: number;
  durationS: number;
  responses: number;
  rps: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface LatencySummary {
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (0 for an empty one). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Summarises response times (ms) into the percentiles the thresholds read. */
export function summariseLatency(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    min: round(sorted[0] ?? 0),
    avg: round(sorted.length ? sum / sorted.length : 0),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

/** Throws (a bug in a scenario, not a measured failure) when a stream asks for an unbounded run. */
export function assertBounded(options: StreamOptions): void {
  const { name, connections, durationS, amount } = options;
  if (!Number.isInteger(connections) || connections < 1 || connections > MAX_CONNECTIONS) {
    throw new Error(`stream ${name}: connections must be 1..${MAX_CONNECTIONS}, got ${connections}`);
  }
  if ((durationS === undefined) === (amount === undefined)) {
    throw new Error(`stream ${name}: set exactly one of durationS and amount`);
  }
  if (durationS !== undefined && !(durationS > 0 && durationS <= MAX_DURATION_S)) {
    throw new Error(`stream ${name}: durationS must be in (0, ${MAX_DURATION_S}], got ${durationS}`);
  }
  if (amount !== undefined && !(Number.isInteger(amount) && amount >= connections)) {
    throw new Error(`stream ${name}: amount must be an integer >= connections, got ${amount}`);
  }
  if (options.requests.length === 0) throw new Error(`stream ${name}: no requests`);
}

/** Runs one stream to completion; resolves with its summary. Rejects only if autocannon cannot start. */
export function runStream(options: StreamOptions): Promise<StreamResult> {
  assertBounded(options);
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  const non2xxSamples = new Set<string>();
  const requests = options.requests.map((request): autocannon.Request => {
    const own = request.onResponse;
    return {
      ...request,
      onResponse(status, body, context, headers) {
        if ((status < 200 || status > 299) && non2xxSamples.size < SAMPLE_LIMIT) {
          non2xxSamples.add(`${status} ${body.slice(0, 200)}`);
        }
        if (typeof own === 'function') own(status, body, context, headers);
      },
    };
  });
  const completions: number[] = [];
  const startedAtMs = Date.now();
  const started = performance.now();
  let lastResponseAt = started;

  return new Promise<StreamResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.origin,
        connections: options.connections,
        ...(options.amount === undefined ? { duration: options.durationS } : { amount: options.amount }),
        timeout: options.timeoutS ?? DEFAULT_TIMEOUT_S,
        headers: options.headers ?? {},
        requests,
        title: options.name,
      },
      (err: unknown, result: autocannon.Result) => {
        clearTimeout(watchdog);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        resolve(
          toStreamResult(options, result, {
            latencies,
            completions,
            errorSamples: [...errorSamples],
            non2xxSamples: [...non2xxSamples],
            startedAtMs,
            activeMs: lastResponseAt - started,
          }),
        );
      },
    );
    const boundMs = (options.durationS ?? MAX_DURATION_S) * 1000 + WATCHDOG_GRACE_MS;
    const watchdog = setTimeout(() => instance.stop(), boundMs);
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      latencies.push(responseTime);
      completions.push(lastResponseAt - started);
    });
    instance.on('reqError', (error: unknown) => {
      if (errorSamples.size < SAMPLE_LIMIT)
        errorSamples.add(error instanceof Error ? error.message : String(error));
    });
  });
}

/** What runStream collected beside autocannon's own result. */
interface Collected {
  latencies: number[];
  completions: number[];
  errorSamples: string[];
  non2xxSamples: string[];
  startedAtMs: number;
  activeMs: number;
}

function toStreamResult(options: StreamOptions, result: autocannon.Result, c: Collected): StreamResult {
  const { activeMs } = c;
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const samples = Float64Array.from(c.latencies);
  // autocannon stops on a 1 s tick, so its own duration overstates short `amount` runs; the time
  // from start to the last response is the span the responses really took.
  const durationS = activeMs > 0 ? Math.round(activeMs) / 1000 : result.duration;
  return {
    name: options.name,
    origin: options.origin,
    connections: options.connections,
    durationS,
    sent: result.requests.sent,
    responses: samples.length,
    ok: result['2xx'],
    statuses,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    errorSamples: c.errorSamples,
    non2xxSamples: c.non2xxSamples,
    rps: round(samples.length / durationS),
    bytesPerSec: Math.round(result.throughput.total / durationS),
    latencyMs: summariseLatency(samples),
    startedAtMs: c.startedAtMs,
    samples,
    completedMs: Float64Array.from(c.completions),
  };
}

/**
 * How streams combine: `side-by-side` (they ran at the same time: connections add up, the
 * duration is the longest, completion times keep their real offsets) or `in-turn` (they ran one
 * after another, e.g. rounds of one stream: connections are the most at once, durations add up,
 * and the rounds are laid end to end on the merged stream's clock, each kept in `rounds`).
 */
export type MergeMode = 'side-by-side' | 'in-turn';

/** Where each stream's responses go on the merged clock, and the merged duration (s). */
function mergeClock(
  streams: readonly StreamResult[],
  mode: MergeMode,
): { offsetsMs: number[]; durationS: number } {
  if (mode === 'in-turn') {
    const offsetsMs: number[] = [];
    let at = 0;
    for (const s of streams) {
      offsetsMs.push(at);
      at += s.durationS * 1000;
    }
    return { offsetsMs, durationS: Math.round(at) / 1000 };
  }
  const t0 = Math.min(...streams.map((s) => s.startedAtMs));
  return {
    offsetsMs: streams.map((s) => s.startedAtMs - t0),
    durationS: Math.max(0, ...streams.map((s) => s.durationS)),
  };
}

function roundSummary(s: StreamResult, round: number, offsetMs: number): RoundSummary {
  const { p50, p95, p99 } = s.latencyMs;
  const { durationS, responses, rps, errors } = s;
  return { round, offsetS: Math.round(offsetMs) / 1000, durationS, responses, rps, errors, p50, p95, p99 };
}

/** Combines streams into one (`name`), for thresholds over several (see MergeMode). */
export function mergeStreams(
  name: string,
  streams: readonly StreamResult[],
  mode: MergeMode = 'side-by-side',
): StreamResult {
  const statuses: Record<string, number> = {};
  for (const s of streams) {
    for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  const total = streams.reduce((n, s) => n + s.samples.length, 0);
  const { offsetsMs, durationS } = streams.length
    ? mergeClock(streams, mode)
    : { offsetsMs: [], durationS: 0 };
  const samples = new Float64Array(total);
  const completedMs = new Float64Array(total);
  let at = 0;
  streams.forEach((s, i) => {
    samples.set(s.samples, at);
    const offset = offsetsMs[i] ?? 0;
    for (let j = 0; j < s.completedMs.length; j++) completedMs[at + j] = (s.completedMs[j] ?? 0) + offset;
    at += s.samples.length;
  });
  const sum = (pick: (s: StreamResult) => number) => streams.reduce((n, s) => n + pick(s), 0);
  const inTurn = mode === 'in-turn';
  return {
    name,
    origin: [...new Set(streams.map((s) => s.origin))].join(' '),
    connections: inTurn ? Math.max(0, ...streams.map((s) => s.connections)) : sum((s) => s.connections),
    durationS,
    sent: sum((s) => s.sent),
    responses: total,
    ok: sum((s) => s.ok),
    statuses,
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    errorSamples: [...new Set(streams.flatMap((s) => s.errorSamples))].slice(0, SAMPLE_LIMIT),
    non2xxSamples: [...new Set(streams.flatMap((s) => s.non2xxSamples))].slice(0, SAMPLE_LIMIT),
    rps: durationS > 0 ? round(total / durationS) : 0,
    bytesPerSec: inTurn
      ? durationS > 0
        ? Math.round(sum((s) => s.bytesPerSec * s.durationS) / durationS)
        : 0
      : sum((s) => s.bytesPerSec),
    latencyMs: summariseLatency(samples),
    startedAtMs: streams.length ? Math.min(...streams.map((s) => s.startedAtMs)) : 0,
    samples,
    completedMs,
    ...(inTurn ? { rounds: streams.map((s, i) => roundSummary(s, i + 1, offsetsMs[i] ?? 0)) } : {}),
  };
}

/** Runs streams side by side (their connections add up) and resolves when all have finished. */
export function runStreams(streams: readonly StreamOptions[]): Promise<StreamResult[]> {
  for (const s of streams) assertBounded(s);
  const total = streams.reduce((n, s) => n + s.connections, 0);
  if (total > MAX_CONNECTIONS)
    throw new Error(`streams ask for ${total} connections; the cap is ${MAX_CONNECTIONS}`);
  return Promise.all(streams.map(runStream));
}
