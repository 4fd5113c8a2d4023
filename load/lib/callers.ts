// The callers (ACE tokens, hence principals) a scenario's load is spread over, and the autocannon
// request that rotates through a list of requests and callers, so 1000 connections neither ask
// the same thing in lock-step nor spend one principal's rate limit (600 requests a minute).
// Owns who asks and in which order; not what is measured (run-autocannon.ts).
import type autocannon from 'autocannon';
import type { LoadTarget } from './env.ts';
import { warmUp } from './http.ts';
import { forEachLimited } from './recorder.ts';

/** One request as scenarios describe it; the caller's token is added when it is sent. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * `count` callers for this target. Locally each is its own synthetic token (the synthetic ACE
 * accepts any token not starting `invalid` or `forbidden`); against staging they are the real
 * tokens of LOAD_ACE_TOKENS (or LOAD_ACE_TOKEN), repeated as needed. Throws when staging has none.
 */
export function callerTokens(target: LoadTarget, count: number, tag: string): string[] {
  if (target.kind === 'local') {
    return Array.from({ length: count }, (_, i) => `${target.token ?? 'load'}-${tag}-${i}`);
  }
  const real = target.tokens.length > 0 ? target.tokens : target.token ? [target.token] : [];
  if (real.length === 0) throw new Error('a staging run needs LOAD_ACE_TOKEN or LOAD_ACE_TOKENS');
  return Array.from({ length: Math.min(count, real.length) }, (_, i) => real[i] as string);
}

const WARM_TIMEOUT_MS = 60_000;

/**
 * The client address a caller claims (`CF-Connecting-IP`), one per token in the benchmarking range
 * 198.18.0.0/15: each synthetic dashboard is its own client, as in production, so the Worker's
 * budget of new tokens per address (20 a minute) applies per caller, not to the whole run. A local
 * stack passes the header through; Cloudflare replaces it with the real address.
 */
export function callerAddress(token: string): string {
  let h = 2166136261;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 16777619) >>> 0;
  return `198.${18 + (h & 1)}.${(h >>> 8) & 255}.${(h >>> 16) & 255}`;
}

/** `Authorization` header for a caller, with its client address. */
export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'cf-connecting-ip': callerAddress(token),
});

/**
 * One autocannon request that becomes, each time it is sent, the next of `specs` (round robin
 * across every connection of the stream, from a shared counter) with the next caller's token.
 * `pick` may choose the spec from the counter instead (e.g. a unique window per request).
 */
export function rotatingRequest(
  specs: readonly RequestSpec[] | ((n: number) => RequestSpec),
  tokens: readonly string[],
  onResponse?: autocannon.Request['onResponse'],
): autocannon.Request {
  if (tokens.length === 0) throw new Error('rotatingRequest needs at least one caller');
  const pick = typeof specs === 'function' ? specs : (n: number) => specs[n % specs.length] as RequestSpec;
  if (typeof specs !== 'function' && specs.length === 0) throw new Error('rotatingRequest needs requests');
  let n = 0;
  const first = pick(0);
  return {
    method: first.method,
    path: first.path,
    setupRequest(request) {
      const i = n++;
      const spec = pick(i);
      const token = tokens[i % tokens.length] as string;
      return {
        ...request,
        method: spec.method,
        path: spec.path,
        headers: { ...request.headers, ...spec.headers, ...bearer(token) },
        ...(spec.body !== undefined ? { body: spec.body } : {}),
      };
    },
    ...(onResponse ? { onResponse } : {}),
  };
}

/**
 * Sends `path` once per caller (`concurrency` at a time) so each proves its access to the site
 * (one ACE call per new principal) and has the site's catalogue in the isolate's cache before
 * the measured load; returns the statuses seen. The Worker keeps a catalogue per principal for
 * 60 s only: warm again before a later phase, or every caller refetches it under load.
 */
export async function warmCallers(
  baseUrl: string,
  tokens: readonly string[],
  path: string,
  concurrency = 16,
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  await forEachLimited(tokens, concurrency, async (token) => {
    // Generous: right after a 1000-connection wave the Worker is still finishing deferred work.
    const status = await warmUp(`${baseUrl}${path}`, { headers: bearer(token) }, 1, WARM_TIMEOUT_MS).then(
      ([s]) => String(s),
      (e: unknown) => (e instanceof Error ? e.name : 'error'),
    );
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  return statuses;
}
