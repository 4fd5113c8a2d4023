// One bounded autocannon run ("stream": N connections repeating a request list against one origin)
// as a promise, summarised into the numbers thresholds and reports read. Owns the hard caps on
// connections and duration and exact percentiles from every response time; not thresholds,
// scenarios or the stack.
import autocannon from 'autocannon';

/** Hard caps: no scenario can ask for more (the design's largest scenario is 1000 users). */
export const MAX_CONNECTIONS = 1000;
export const MAX_DURATION_S = 300;
/** Stops a run that overruns its own bound by this much (e.g. an `amount` that never completes). */
const WATCHDOG_GRACE_MS = 30_000;
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
  /** Every response time in ms, for merging streams; not written to reports. */
  samples: Float64Array;
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
  const started = performance.now();
  let lastResponseAt = started;

  return new Promise<StreamResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.origin,
        connections: options.connections,
        ...(options.amount === undefined ? { duration: options.durationS } : { amount: options.amount }),
        timeout: options.timeoutS ?? 10,
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
          toStreamResult(
            options,
            result,
            latencies,
            [...errorSamples],
            [...non2xxSamples],
            lastResponseAt - started,
          ),
        );
      },
    );
    const boundMs = (options.durationS ?? MAX_DURATION_S) * 1000 + WATCHDOG_GRACE_MS;
    const watchdog = setTimeout(() => instance.stop(), boundMs);
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponseAt = performance.now();
    });
    instance.on('reqError', (error: unknown) => {
      if (errorSamples.size < SAMPLE_LIMIT)
        errorSamples.add(error instanceof Error ? error.message : String(error));
    });
  });
}

function toStreamResult(
  options: StreamOptions,
  result: autocannon.Result,
  latencies: number[],
  errorSamples: string[],
  non2xxSamples: string[],
  activeMs: number,
): StreamResult {
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const samples = Float64Array.from(latencies);
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
    errorSamples,
    non2xxSamples,
    rps: round(samples.length / durationS),
    bytesPerSec: Math.round(result.throughput.total / durationS),
    latencyMs: summariseLatency(samples),
    samples,
  };
}

/** Combines streams that ran side by side into one (`name`), for scenario-wide thresholds. */
export function mergeStreams(name: string, streams: readonly StreamResult[]): StreamResult {
  const statuses: Record<string, number> = {};
  for (const s of streams) {
    for (const [code, n] of Object.entries(s.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  const total = streams.reduce((n, s) => n + s.samples.length, 0);
  const samples = new Float64Array(total);
  let at = 0;
  for (const s of streams) {
    samples.set(s.samples, at);
    at += s.samples.length;
  }
  const durationS = Math.max(0, ...streams.map((s) => s.durationS));
  const sum = (pick: (s: StreamResult) => number) => streams.reduce((n, s) => n + pick(s), 0);
  return {
    name,
    origin: [...new Set(streams.map((s) => s.origin))].join(' '),
    connections: sum((s) => s.connections),
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
    bytesPerSec: sum((s) => s.bytesPerSec),
    latencyMs: summariseLatency(samples),
    samples,
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
