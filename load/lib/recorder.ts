// Measures workflow requests sent with plain fetch (job submissions and polls, probes) as a
// StreamResult, so the same thresholds and reports apply to them as to autocannon streams.
// Owns the timing and tallying of those requests; not what they are for.
import { type StreamResult, summariseLatency } from './run-autocannon.ts';

const SAMPLE_LIMIT = 5;

export interface RecordedResponse {
  status: number;
  body: unknown;
  headers: Headers;
  ms: number;
}

/** Collects fetches into one stream's numbers; `fetch` never rejects (errors become `status` 0). */
export class FetchRecorder {
  readonly name: string;
  readonly origin: string;
  private connections: number;
  private readonly latencies: number[] = [];
  private readonly completions: number[] = [];
  private readonly statuses: Record<string, number> = {};
  private readonly errorSamples = new Set<string>();
  private readonly non2xxSamples = new Set<string>();
  private errors = 0;
  private timeouts = 0;
  private bytes = 0;
  private sent = 0;
  private readonly startedAtMs = Date.now();
  private readonly started = performance.now();
  private lastAt = this.started;

  constructor(name: string, origin: string, connections: number) {
    this.name = name;
    this.origin = origin;
    this.connections = connections;
  }

  /** Sends one request under a timeout; the body is parsed as JSON when it is JSON. */
  async fetch(path: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<RecordedResponse> {
    const t0 = performance.now();
    this.sent++;
    try {
      const res = await fetch(`${this.origin}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      const ms = performance.now() - t0;
      this.latencies.push(ms);
      this.lastAt = performance.now();
      this.completions.push(this.lastAt - this.started);
      this.bytes += text.length;
      this.statuses[String(res.status)] = (this.statuses[String(res.status)] ?? 0) + 1;
      if ((res.status < 200 || res.status > 299) && this.non2xxSamples.size < SAMPLE_LIMIT)
        this.non2xxSamples.add(`${res.status} ${text.slice(0, 200)}`);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, headers: res.headers, ms };
    } catch (e) {
      this.errors++;
      const name = e instanceof Error ? e.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') this.timeouts++;
      if (this.errorSamples.size < SAMPLE_LIMIT)
        this.errorSamples.add(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      return { status: 0, body: undefined, headers: new Headers(), ms: performance.now() - t0 };
    }
  }

  /** The numbers so far, as a stream result. */
  result(): StreamResult {
    const samples = Float64Array.from(this.latencies);
    const activeMs = this.lastAt - this.started;
    const durationS = activeMs > 0 ? Math.round(activeMs) / 1000 : 0;
    let ok = 0;
    let non2xx = 0;
    for (const [code, n] of Object.entries(this.statuses)) {
      if (Number(code) >= 200 && Number(code) <= 299) ok += n;
      else non2xx += n;
    }
    return {
      name: this.name,
      origin: this.origin,
      connections: this.connections,
      durationS,
      sent: this.sent,
      responses: samples.length,
      ok,
      statuses: { ...this.statuses },
      non2xx,
      errors: this.errors,
      timeouts: this.timeouts,
      errorSamples: [...this.errorSamples],
      non2xxSamples: [...this.non2xxSamples],
      rps: durationS > 0 ? Math.round((samples.length / durationS) * 100) / 100 : 0,
      bytesPerSec: durationS > 0 ? Math.round(this.bytes / durationS) : 0,
      latencyMs: summariseLatency(samples),
      startedAtMs: this.startedAtMs,
      samples,
      completedMs: Float64Array.from(this.completions),
    };
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight; resolves when all are done. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
