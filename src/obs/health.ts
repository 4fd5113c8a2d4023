// Dependency health for GET /health: D1 (a trivial query), R2 (a head of a sentinel), the queue
// binding, and ACE reachability, each timed and under a short timeout (architecture:
// "missing health checks"). Owns the ok/degraded/unavailable rule; not the HTTP shape.
import type { Clock } from '../clock.ts';

/** One dependency's check result. */
export interface CheckResult {
  ok: boolean;
  latency_ms?: number;
  detail?: string;
}

export type HealthStatus = 'ok' | 'degraded' | 'unavailable';

export interface HealthReport {
  status: HealthStatus;
  checks: { d1: CheckResult; r2: CheckResult; queue: CheckResult; ace: CheckResult };
}

/** Reports whether ACE is reachable (later: the circuit breaker's state). */
export type AceProbe = () => Promise<CheckResult>;

export interface HealthCheckerOptions {
  db: D1Database;
  bucket: R2Bucket;
  queue: Queue;
  aceProbe: AceProbe;
  clock: Clock;
  timeoutMs?: number;
}

export interface HealthChecker {
  check(): Promise<HealthReport>;
}

export const HEALTH_SENTINEL_KEY = 'health/sentinel';
const DEFAULT_TIMEOUT_MS = 2_000;

/** Creates the checker. D1 or R2 down → unavailable; only ACE down → degraded. */
export function createHealthChecker(options: HealthCheckerOptions): HealthChecker {
  const { db, bucket, queue, aceProbe, clock } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const timed = async (probe: () => Promise<string | undefined>): Promise<CheckResult> => {
    const started = clock.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const detail = await Promise.race([
        probe(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { ok: true, latency_ms: clock.now() - started, ...(detail ? { detail } : {}) };
    } catch (e) {
      const detail = e instanceof Error && e.message.startsWith('timed out') ? e.message : 'check failed';
      return { ok: false, latency_ms: clock.now() - started, detail };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };

  return {
    async check() {
      const [d1, r2, ace] = await Promise.all([
        timed(async () => {
          await db.prepare('SELECT 1 AS one').first();
          return undefined;
        }),
        timed(async () => {
          const head = await bucket.head(HEALTH_SENTINEL_KEY);
          if (!head) await bucket.put(HEALTH_SENTINEL_KEY, 'ok');
          return undefined;
        }),
        (async () => {
          try {
            return await aceProbe();
          } catch {
            return { ok: false, detail: 'probe failed' };
          }
        })(),
      ]);
      const queueCheck: CheckResult =
        typeof queue?.send === 'function' ? { ok: true } : { ok: false, detail: 'queue binding missing' };
      const status: HealthStatus =
        !d1.ok || !r2.ok ? 'unavailable' : !ace.ok || !queueCheck.ok ? 'degraded' : 'ok';
      return { status, checks: { d1, r2, queue: queueCheck, ace } };
    },
  };
}

export interface AceReachabilityOptions {
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs?: number;
  /** How long one probe's answer is reused, so /health under load does not hammer ACE. */
  cacheMs?: number;
}

/** A probe that counts any HTTP answer from ACE as reachable, and remembers it briefly. */
export function createAceReachabilityProbe(options: AceReachabilityOptions): AceProbe {
  const { baseUrl, clock } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cacheMs = options.cacheMs ?? 10_000;
  let last: { at: number; result: CheckResult } | undefined;
  let inFlight: Promise<CheckResult> | undefined;

  const probe = async (): Promise<CheckResult> => {
    const started = clock.now();
    try {
      const res = await options.fetch(`${baseUrl}/`, {
        method: 'GET',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      return { ok: true, latency_ms: clock.now() - started };
    } catch {
      return { ok: false, latency_ms: clock.now() - started, detail: 'ACE unreachable' };
    }
  };

  return async () => {
    if (last && clock.now() - last.at < cacheMs) return last.result;
    inFlight ??= probe().then((result) => {
      last = { at: clock.now(), result };
      inFlight = undefined;
      return result;
    });
    return inFlight;
  };
}

/**
 * The ACE check /health reports: an open circuit breaker is "not ok" without calling ACE (the
 * breaker already knows ACE is failing); otherwise the reachability probe, labelled with the
 * breaker's state.
 */
export function aceCheckWithBreaker(
  probe: AceProbe,
  breakerState: () => 'closed' | 'open' | 'half-open',
): AceProbe {
  return async () => {
    const state = breakerState();
    if (state === 'open') return { ok: false, detail: 'circuit open' };
    const result = await probe();
    return { ...result, detail: result.detail ?? `circuit ${state}` };
  };
}
