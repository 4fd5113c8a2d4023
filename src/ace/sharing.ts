// Identical in-flight ACE calls share one request (review 28, 45). The first caller leads: its run
// is kept in the isolate's in-flight map until it settles. A caller asking for the same key (method,
// URL, body and principal: calls.ts) meanwhile joins it and gets its answer, its bytes counted
// against the joiner's own budget, with no upstream request of its own. Owns no HTTP and no policy.
import { err, ok, type Result } from '../errors.ts';
import type { ByteMeter } from './attempt.ts';
import type { BackoffOptions } from './backoff.ts';
import { byteBudgetError } from './plan.ts';
import type { Outcome } from './policy.ts';

/** A call's value with what it cost. */
export interface Sent<T> {
  value: T;
  bytes: number;
  /** HTTP requests this caller made (0 when it joined an identical in-flight call). */
  upstreamRequests: number;
}

/** One caller's share of a call: its key, its byte budget, and how to run it if no one else is. */
export interface SharedCall {
  key: string;
  meter: ByteMeter;
  run: () => Promise<Outcome>;
}

/**
 * How long a joiner waits: the longest the leader could take (every attempt timing out after the
 * longest wait between them), and a second. In workerd a promise settled by another request's I/O
 * may never reach this one if that request dies, so a joiner must not wait for it unbounded.
 */
export function joinLimitMs(retries: number, timeoutMs: number, backoff: BackoffOptions): number {
  return (retries + 1) * timeoutMs + retries * Math.max(backoff.maxMs, backoff.retryAfterCapMs) + 1_000;
}

/** Waits for the leader's outcome (or gives up at the limit); the bytes count against this caller too. */
async function join(
  leader: Promise<Outcome>,
  meter: ByteMeter,
  limitMs: number,
): Promise<Result<Sent<unknown>>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<Outcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          result: err({ kind: 'upstream_timeout', message: 'a shared ACE call did not finish' }),
          attempts: 0,
        }),
      limitMs,
    );
  });
  const outcome = await Promise.race([leader, gaveUp]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
  if (!outcome.result.ok) return outcome.result;
  // The leader's reads counted against the leader's meter; a joiner holds the bytes too.
  meter.used += outcome.result.value.bytes;
  if (meter.used > meter.max) return err(byteBudgetError(meter.max));
  return ok({ value: outcome.result.value.json, bytes: outcome.result.value.bytes, upstreamRequests: 0 });
}

/** Runs the call as the leader, visible to joiners until it settles. */
async function lead(
  inFlight: Map<string, Promise<unknown>>,
  call: SharedCall,
): Promise<Result<Sent<unknown>>> {
  const running = call.run();
  inFlight.set(call.key, running);
  let outcome: Outcome;
  try {
    outcome = await running;
  } finally {
    if (inFlight.get(call.key) === running) inFlight.delete(call.key);
  }
  if (!outcome.result.ok) return outcome.result;
  return ok({
    value: outcome.result.value.json,
    bytes: outcome.result.value.bytes,
    upstreamRequests: outcome.attempts,
  });
}

/** Joins an identical call in flight under `inFlight`, or leads one. */
export function sendShared(
  inFlight: Map<string, Promise<unknown>>,
  joinLimit: number,
  call: SharedCall,
): Promise<Result<Sent<unknown>>> {
  const leader = inFlight.get(call.key) as Promise<Outcome> | undefined;
  return leader ? join(leader, call.meter, joinLimit) : lead(inFlight, call);
}
