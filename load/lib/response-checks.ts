// Per-response assertions made while the load runs (autocannon's onResponse): which statuses are
// allowed, that every error is the contract's JSON shape with the code its status maps to
// (API.md), and how the cache answered (X-Cache). Turns the tally into named checks.
// Owns these checks only; latency and error-rate limits are thresholds.ts.
import type autocannon from 'autocannon';
import type { CheckResult } from './scenario.ts';

/** The error code API.md pairs with each status a read may answer. */
export const ERROR_CODE_FOR_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'upstream_error',
  503: 'unavailable',
  504: 'upstream_timeout',
};

const SAMPLE_LIMIT = 5;

/** Counts responses as they arrive; `onResponse` goes on the stream's requests. */
export class ResponseTally {
  readonly statuses: Record<string, number> = {};
  readonly xCache: Record<string, number> = {};
  /** Responses whose status is not in `allowed`. */
  unexpected = 0;
  /** Non-2xx responses that are not `{"error": {"code", "message", "request_id"}}` with the mapped code. */
  badShape = 0;
  readonly samples: string[] = [];
  private readonly allowed: ReadonlySet<number>;

  /** `allowed`: the statuses this stream may answer (default: 200 only). */
  constructor(allowed: readonly number[] = [200]) {
    this.allowed = new Set(allowed);
  }

  readonly onResponse: NonNullable<autocannon.Request['onResponse']> = (status, body, _context, headers) => {
    this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
    const cache = headerValue(headers, 'x-cache');
    if (cache) this.xCache[cache] = (this.xCache[cache] ?? 0) + 1;
    if (!this.allowed.has(status)) {
      this.unexpected++;
      this.sample(`unexpected ${status}: ${body.slice(0, 160)}`);
    }
    if (status >= 400 && !isErrorShape(status, body)) {
      this.badShape++;
      this.sample(`bad error shape ${status}: ${body.slice(0, 160)}`);
    }
  };

  private sample(text: string): void {
    if (this.samples.length < SAMPLE_LIMIT) this.samples.push(text);
  }

  /** Share of responses with `X-Cache: HIT` among those that carried the header. */
  hitRate(): number {
    const total = Object.values(this.xCache).reduce((a, b) => a + b, 0);
    return total === 0 ? Number.NaN : (this.xCache.HIT ?? 0) / total;
  }

  /** Two checks: statuses within `allowed`, and every error in the contract's shape. */
  checks(name: string): CheckResult[] {
    const seen = Object.entries(this.statuses)
      .map(([code, n]) => `${code}:${n}`)
      .join(' ');
    const more = this.samples.length ? `; e.g. ${this.samples.join(' | ')}` : '';
    return [
      {
        name: `${name}-statuses`,
        status: this.unexpected === 0 && seen !== '' ? 'pass' : 'fail',
        detail: `allowed ${[...this.allowed].join('/')}; saw ${seen || 'nothing'}${this.unexpected ? more : ''}`,
      },
      {
        name: `${name}-error-shape`,
        status: this.badShape === 0 ? 'pass' : 'fail',
        detail: `${this.badShape} error responses not {"error": {code (mapped from the status), message, request_id}}${this.badShape ? more : ''}`,
      },
    ];
  }
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

/** Whether a body is the contract's error shape with the code its status maps to. */
export function isErrorShape(status: number, body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  const error = (parsed as { error?: Record<string, unknown> } | null)?.error;
  if (typeof error !== 'object' || error === null) return false;
  const expected = ERROR_CODE_FOR_STATUS[status];
  return (
    typeof error.message === 'string' &&
    typeof error.request_id === 'string' &&
    (expected === undefined ? typeof error.code === 'string' : error.code === expected)
  );
}
