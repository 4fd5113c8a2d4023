// One HTTP attempt at an ACE call: the caller's token as a bearer, a 2xx JSON body read within the
// fetch's byte budget, and every other answer sorted. Definitive answers (401, 403, 404, 429, any
// other 4xx, an exhausted budget) come back as values, so the breaker counts them as ACE being up;
// answers that say something about ACE's health (network error, 408, 5xx, a body that is not JSON
// or is malformed) are thrown as AceFailures for the policy (policy.ts) to count and retry. The
// Retry-After ACE sent comes back with the answer. ACE's error bodies are never read.
import type { Clock } from '../clock.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { parseRetryAfter } from './backoff.ts';
import type { Call } from './calls.ts';
import { parseJsonText } from './parse.ts';
import { byteBudgetError } from './plan.ts';
import { AceFailure } from './resilience.ts';

/** Counts bytes read by one operation, live, so concurrent reads cannot jointly overrun it. */
export interface ByteMeter {
  used: number;
  readonly max: number;
}

/** A 2xx answer's JSON (or what the call's decode made of its text) and the bytes it took. */
export interface Body {
  json: unknown;
  bytes: number;
}

/** What one attempt came to, with the Retry-After (ms from now) ACE sent with a refusal. */
export interface Attempted {
  result: Result<Body>;
  retryAfterMs: number | undefined;
}

/** One attempt: the call, its URL, whose token, whose byte budget, and the policy's abort signal. */
export interface AttemptInput {
  fetch: typeof fetch;
  clock: Clock;
  call: Call;
  url: string;
  token: string;
  meter: ByteMeter;
  signal: AbortSignal;
  /** The body's text to a value: JSON.parse by default; timeseries pages are read in place (parse.ts). */
  decode?: (text: string) => Result<unknown>;
}

export const upstreamError = (message: string, status?: number): AppError =>
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

/** A 2xx answer's body decoded, or the byte budget's error; anything unreadable is an AceFailure. */
async function readJsonBody(
  res: Response,
  meter: ByteMeter,
  decode: (text: string) => Result<unknown>,
): Promise<Result<Body>> {
  const status = res.status;
  const type = res.headers.get('content-type') ?? '';
  if (!/[/+]json\b/i.test(type)) {
    await res.body?.cancel();
    throw new AceFailure(upstreamError('ACE answered with a non-JSON body', status), { retryable: true });
  }
  const read = await readLimited(res, meter);
  if (read.kind === 'over') return err(byteBudgetError(meter.max));
  if (read.kind === 'bad_encoding') {
    throw new AceFailure(upstreamError('ACE answered with a malformed body', status), { retryable: true });
  }
  const parsed = decode(read.text);
  if (!parsed.ok) throw new AceFailure(parsed.error, { retryable: true });
  return ok({ json: parsed.value, bytes: read.bytes });
}

/** What a non-2xx status means: a definitive error, or (408, 5xx) a thrown AceFailure. */
function refusal(status: number, retryAfterMs: number | undefined): Result<Body> {
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
    throw new AceFailure(upstreamError(`ACE answered ${status}`, status), { retryable: true, retryAfterMs });
  }
  // Other 4xx (400 included): the request we built was refused. The edge validated the
  // client's input, so this is ACE's contract drifting or our bug: a 502, not the client's 400.
  return err(upstreamError(`ACE refused the request (${status})`, status));
}

/** Makes one attempt; resolves with definitive answers, rejects with AceFailures (and aborts). */
export async function attemptCall(input: AttemptInput): Promise<Attempted> {
  const { call, signal } = input;
  const headers = new Headers({ authorization: `Bearer ${input.token}`, accept: 'application/json' });
  if (call.body !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await input.fetch(input.url, { method: call.method, headers, body: call.body ?? null, signal });
  } catch (e) {
    if (signal.aborted) throw e; // the timeout policy reports it
    throw new AceFailure(upstreamError('ACE could not be reached'), { retryable: true });
  }
  if (res.status >= 200 && res.status < 300) {
    const decode = input.decode ?? parseJsonText;
    return { result: await readJsonBody(res, input.meter, decode), retryAfterMs: undefined };
  }
  // Error bodies are never read: nothing of ACE's text can reach a client or a log.
  await res.body?.cancel();
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), input.clock.now());
  return { result: refusal(res.status, retryAfterMs), retryAfterMs };
}
