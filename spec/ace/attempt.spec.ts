// Specifies src/ace/attempt.ts and src/ace/calls.ts, the parts of the ACE client below its policy:
// one attempt returns ACE's definitive answers as values, with the Retry-After ACE sent (a 429's
// wait comes back with its answer, not through shared state), and throws AceFailures for answers
// that say ACE is unwell; the request builders make the URLs ACE expects and share keys per token.
// End to end (retries, breaker, sharing, fetches) is spec/ace/client.spec.ts.
import { describe, expect, it } from 'vitest';
import { type AttemptInput, attemptCall } from '../../src/ace/attempt.ts';
import { batchCall, callUrl, pageCall, pointsCall, sharingKey, siteCall } from '../../src/ace/calls.ts';
import { decodeSamplesText } from '../../src/ace/parse.ts';
import { AceFailure } from '../../src/ace/resilience.ts';
import { ScannedBody } from '../../src/ace/samples-text.ts';

const NOW = Date.UTC(2026, 0, 5, 12);
const BASE = 'https://ace.test/api';

/** One attempt at GET /sites/s against a fetch that answers `res`, with a budget of `max` bytes. */
function input(res: () => Response, max = 1_000_000): AttemptInput & { seen: Request[] } {
  const seen: Request[] = [];
  const call = siteCall('s');
  return {
    seen,
    fetch: async (url, init) => {
      seen.push(new Request(url, init));
      return res();
    },
    clock: { now: () => NOW },
    call,
    url: callUrl(BASE, call),
    token: 'tok',
    meter: { used: 0, max },
    signal: new AbortController().signal,
  };
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });

async function thrown(p: Promise<unknown>): Promise<AceFailure> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(AceFailure);
  return e as AceFailure;
}

describe('attemptCall', () => {
  it('returns a 2xx JSON body with its bytes, sends the bearer token, and no Retry-After', async () => {
    const i = input(() => json({ name: 's' }));
    const answer = await attemptCall(i);
    expect(answer).toStrictEqual({
      result: { ok: true, value: { json: { name: 's' }, bytes: 12 } },
      retryAfterMs: undefined,
    });
    expect(i.seen[0]?.headers.get('authorization')).toBe('Bearer tok');
    expect(i.meter.used).toBe(12);
  });

  it('returns a 429 as rate_limited with the Retry-After it carried, in seconds or as a date', async () => {
    for (const [header, ms] of [
      ['3', 3_000],
      [new Date(NOW + 7_000).toUTCString(), 7_000],
    ] as const) {
      const answer = await attemptCall(
        input(() => new Response('slow down', { status: 429, headers: { 'retry-after': header } })),
      );
      expect(answer.retryAfterMs).toBe(ms);
      expect(answer.result).toStrictEqual({
        ok: false,
        error: {
          kind: 'rate_limited',
          message: 'ACE is rate limiting this token',
          retryAfterSeconds: ms / 1000,
        },
      });
    }
  });

  it('returns 401, 403, 404 and other 4xx as definitive errors, never reading their bodies', async () => {
    const kinds = await Promise.all(
      [401, 403, 404, 400, 422].map(async (status) => {
        const answer = await attemptCall(input(() => new Response('<html>secret</html>', { status })));
        expect(answer.retryAfterMs).toBeUndefined();
        expect(JSON.stringify(answer)).not.toContain('secret');
        return answer.result.ok ? 'ok' : answer.result.error.kind;
      }),
    );
    expect(kinds).toStrictEqual([
      'unauthorized',
      'forbidden',
      'not_found',
      'upstream_error',
      'upstream_error',
    ]);
  });

  it('throws 408 and 5xx as retryable AceFailures carrying their Retry-After', async () => {
    const failure = await thrown(
      attemptCall(input(() => new Response('', { status: 503, headers: { 'retry-after': '2' } }))),
    );
    expect(failure.retryable).toBe(true);
    expect(failure.retryAfterMs).toBe(2_000);
    expect(failure.appError).toStrictEqual({
      kind: 'upstream_error',
      message: 'ACE answered 503',
      status: 503,
    });
    expect(
      (await thrown(attemptCall(input(() => new Response('', { status: 408 }))))).retryAfterMs,
    ).toBeUndefined();
  });

  it('throws a 2xx that is not JSON, or is truncated JSON, and a network error, as retryable failures', async () => {
    const html = new Response('<html></html>', { headers: { 'content-type': 'text/html' } });
    const truncated = new Response('{"point_samples": [', {
      headers: { 'content-type': 'application/json' },
    });
    for (const res of [html, truncated])
      expect((await thrown(attemptCall(input(() => res)))).retryable).toBe(true);
    const unreachable = input(() => json({}));
    unreachable.fetch = () => Promise.reject(new TypeError('network'));
    expect((await thrown(attemptCall(unreachable))).appError.message).toBe('ACE could not be reached');
  });

  it('decodes a body with the call’s decode: a timeseries page read in place, a broken one still a retryable failure', async () => {
    const page =
      '{"point_samples":[{"name":"p","value":"1.5","time":"2026-01-05T12:00:00.000000"}],"next_cursor":null}';
    const answer = await attemptCall({ ...input(() => json(JSON.parse(page))), decode: decodeSamplesText });
    expect(answer.result.ok && answer.result.value.json).toBeInstanceOf(ScannedBody);
    const cut = new Response(page.slice(0, 30), { headers: { 'content-type': 'application/json' } });
    const failure = await thrown(attemptCall({ ...input(() => cut), decode: decodeSamplesText }));
    expect(failure.retryable).toBe(true);
    expect(failure.appError.message).toBe('malformed ACE response: not JSON (truncated?)');
  });

  it('returns the byte budget error once a body passes it', async () => {
    const answer = await attemptCall(input(() => json({ big: 'x'.repeat(100) }), 50));
    expect(answer.result.ok ? 'ok' : answer.result.error.kind).toBe('payload_too_large');
  });
});

describe('request builders', () => {
  it('make the URLs ACE expects', () => {
    const window = { startMs: NOW, endMs: NOW + 3_600_000 };
    expect(callUrl(BASE, siteCall('a b/c'))).toBe(`${BASE}/sites/a%20b%2Fc`);
    expect(callUrl(BASE, pointsCall('s', 2, 500))).toBe(
      `${BASE}/sites/s/configured_points?page=2&per_page=500`,
    );
    expect(callUrl(BASE, pageCall('s', { ...window, pageSize: 1000, cursor: 'c1' }))).toBe(
      `${BASE}/sites/s/timeseries/paginated?start_time=2026-01-05T12%3A00%3A00.000Z&end_time=2026-01-05T13%3A00%3A00.000Z&page_size=1000&raw_data=true&cursor=c1`,
    );
    const batch = batchCall(['p1', 'p2'], window);
    expect(batch.method).toBe('POST');
    expect(batch.body).toBe('{"points":[{"name":"p1"},{"name":"p2"}]}');
  });

  it('key shared calls by method, URL, body and principal', () => {
    const window = { startMs: NOW, endMs: NOW + 1 };
    const a = batchCall(['p1'], window);
    const b = batchCall(['p2'], window);
    const url = callUrl(BASE, a);
    expect(sharingKey(a, url, 'alice')).toBe(sharingKey(batchCall(['p1'], window), url, 'alice'));
    expect(sharingKey(a, url, 'alice')).not.toBe(sharingKey(a, url, 'bob'));
    expect(sharingKey(a, url, 'alice')).not.toBe(sharingKey(b, callUrl(BASE, b), 'alice'));
    expect(sharingKey(siteCall('s'), url, 'alice')).not.toBe(sharingKey(a, url, 'alice'));
  });
});
