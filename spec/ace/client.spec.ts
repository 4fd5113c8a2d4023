// Specifies src/ace/client.ts against the synthetic ACE (msw, in workerd): the timeseries fetch
// returns exactly the generator's samples through both plans; every upstream failure class is
// retried or mapped as designed (counted with /_mock/stats); Retry-After is honoured; the
// breaker fails fast without an upstream call and recovers half-open; identical in-flight calls
// share one request (never across tokens); page and byte budgets end a fetch with a typed error.
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../fixtures/ace/catalogue.ts';
import type { AceFaultSpec } from '../../fixtures/ace/faults.ts';
import { formatAceTime, pointSamples, samplesFor } from '../../fixtures/ace/generator.ts';
import type { AceMockStats } from '../../fixtures/ace/stats.ts';
import { type AceClientOptions, createAceClient } from '../../src/ace/client.ts';
import type { PointSeries } from '../../src/ace/parse.ts';
import type { PageSize } from '../../src/ace/plan.ts';
import { createAceUpstream } from '../../src/ace/resilience.ts';
import { ScannedSamples } from '../../src/ace/samples-text.ts';
import type { Clock } from '../../src/clock.ts';
import { createLogger } from '../../src/obs/log.ts';
import { ACE_TEST_BASE, ACE_TEST_TOKEN, aceFetch, aceMock, aceServer, aceTruth } from '../support/ace.ts';
import { pagedWindowArb, sitePointNamesArb, windowArb } from '../support/arbitraries.ts';
import { servedSeries } from '../support/served.ts';

const MiB = 1024 ** 2;
const T0 = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;

/** A clock specs move by hand. */
function manualClock(start = T0): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

function setup(
  options: Partial<AceClientOptions> & { breakerThreshold?: number; halfOpenAfterMs?: number } = {},
) {
  const { breakerThreshold, halfOpenAfterMs, ...rest } = options;
  const clock = manualClock();
  const lines: Array<Record<string, unknown>> = [];
  const upstream = createAceUpstream({
    clock: rest.clock ?? clock,
    breakerThreshold: breakerThreshold ?? 1_000,
    ...(halfOpenAfterMs === undefined ? {} : { halfOpenAfterMs }),
  });
  const client = createAceClient({
    baseUrl: ACE_TEST_BASE,
    fetch: (input, init) => fetch(input, init),
    clock,
    log: createLogger({}, (_level, line) => lines.push(line)),
    upstream,
    timeoutMs: 5_000,
    maxPages: 100_000,
    maxBytes: 512 * MiB,
    retries: 2,
    backoff: { baseMs: 1, maxMs: 4, retryAfterCapMs: 5_000 },
    random: () => 0.5,
    ...rest,
  });
  return { client, clock, lines, upstream };
}

async function injectFaults(spec: AceFaultSpec): Promise<void> {
  const res = await aceFetch('/_mock/faults', { method: 'POST', token: null, body: JSON.stringify(spec) });
  expect(res.status).toBe(200);
}

async function mockStats(): Promise<AceMockStats> {
  return (await aceFetch('/_mock/stats', { token: null })).json<AceMockStats>();
}

async function resetStats(): Promise<void> {
  await aceFetch('/_mock/stats/reset', { method: 'POST', token: null });
}

/** The truth: the generator's samples per point as the Worker serves them (spec/support/served.ts). */
function truth(site: string, names: readonly string[], startMs: number, endMs: number) {
  let dropped = 0;
  const series = [...new Set(names)].map((point) => {
    const served = servedSeries(samplesFor(site, point, startMs, endMs));
    dropped += served.dropped;
    return { point, t: served.t, v: served.v };
  });
  return { series, dropped };
}

/** Fast equality for long series, reporting the first difference. */
function expectSameSeries(actual: readonly PointSeries[], expected: readonly PointSeries[]): void {
  expect(actual.map((s) => s.point)).toEqual(expected.map((s) => s.point));
  actual.forEach((a, k) => {
    const e = expected[k];
    if (!e) return;
    let i = 0;
    while (i < a.t.length && i < e.t.length && a.t[i] === e.t[i] && Object.is(a.v[i], e.v[i])) i++;
    if (i === a.t.length && i === e.t.length) return;
    expect({ point: a.point, at: i, t: a.t.slice(i, i + 2), v: a.v.slice(i, i + 2), n: a.t.length }).toEqual({
      point: e.point,
      at: i,
      t: e.t.slice(i, i + 2),
      v: e.v.slice(i, i + 2),
      n: e.t.length,
    });
  });
}

describe('fetchTimeseries returns exactly the generator’s samples', () => {
  it('by paging the site endpoint, for random windows, point sets and page sizes', async () => {
    const { client } = setup();
    await fc.assert(
      fc.asyncProperty(sitePointNamesArb('demo-small', 15), pagedWindowArb, async (points, w) => {
        const r = await client.fetchTimeseries(
          { site: 'demo-small', points, startMs: w.startMs, endMs: w.endMs },
          { token: ACE_TEST_TOKEN, strategy: 'site', pageSize: w.pageSize as PageSize },
        );
        if (!r.ok) throw new Error(`fetch failed: ${r.error.kind}`);
        const expected = truth('demo-small', points, w.startMs, w.endMs);
        expectSameSeries(r.value.series, expected.series);
        expect(r.value.dropped).toBe(expected.dropped);
      }),
      { numRuns: 20 },
    );
  });

  it('by get_timeseries batches (sliced in time), for random windows and point sets', async () => {
    await fc.assert(
      fc.asyncProperty(
        sitePointNamesArb('demo-large', 130),
        windowArb(60_000, 2 * 86_400_000),
        fc.integer({ min: 2_000, max: 200_000 }),
        async (points, w, maxSamplesPerCall) => {
          const { client } = setup({ maxSamplesPerCall });
          const r = await client.fetchTimeseries(
            { site: 'demo-large', points, startMs: w.startMs, endMs: w.endMs },
            { token: ACE_TEST_TOKEN, strategy: 'batches' },
          );
          if (!r.ok) throw new Error(`fetch failed: ${r.error.kind}`);
          const expected = truth('demo-large', points, w.startMs, w.endMs);
          expectSameSeries(r.value.series, expected.series);
          expect(r.value.dropped).toBe(expected.dropped);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('counts non-finite values as dropped (a window known to hold some)', async () => {
    const { client } = setup();
    const site = CATALOGUE.get('demo-small');
    const points = site?.points.map((p) => p.point.name) ?? [];
    const [start, end] = [T0, T0 + 2 * 86_400_000];
    const expected = truth('demo-small', points, start, end);
    expect(expected.dropped).toBeGreaterThan(0);
    for (const strategy of ['site', 'batches'] as const) {
      const r = await client.fetchTimeseries(
        { site: 'demo-small', points, startMs: start, endMs: end },
        {
          token: ACE_TEST_TOKEN,
          strategy,
        },
      );
      expect(r.ok && r.value.dropped).toBe(expected.dropped);
    }
  });

  it('keeps of a duplicated timestamp the first sample ACE sent, through either plan, split across pages or not', async () => {
    const site = CATALOGUE.get('demo-large')?.points ?? [];
    const real = site.filter((p) => p.timing.kind !== 'grid' && p.point.collect_enabled);
    // Duplicated timestamps of the real-site wing, each with where its first sample falls among the
    // site's samples of a 10 s window: a page of `size` ends between the two when (j + 1) % size = 0.
    const dups = real.flatMap((p) =>
      pointSamples(p, T0, T0 + 86_400_000).flatMap((s, k, all) => {
        if (k === 0 || all[k - 1]?.t !== s.t) return [];
        const [startMs, endMs] = [s.t - 5_000, s.t + 5_000];
        const j = aceTruth(site, startMs, endMs).findIndex((w) => w.name === p.point.name);
        const first = aceTruth([p], startMs, endMs).findIndex((w) => w.time === formatAceTime(s.t));
        return [{ p, startMs, endMs, j: j + first }];
      }),
    );
    const pick = (size: number, d = dups.find((x) => (x.j + 1) % size === 0)) => {
      if (!d) throw new Error(`no duplicate split by pages of ${size}`);
      return { ...d, size: size as PageSize };
    };
    // Pages of 3 and 10 end between the pair; a page of 50 holds the whole window.
    const cases = [pick(3), pick(10), pick(50, dups[0])];
    const { client } = setup();
    for (const { p, startMs, endMs, size } of cases) {
      const points = [p.point.name, (real[0] ?? p).point.name];
      const expected = truth('demo-large', points, startMs, endMs);
      expect(new Set(pointSamples(p, startMs, endMs).map((s) => s.t)).size).toBeLessThan(
        pointSamples(p, startMs, endMs).length,
      );
      for (const strategy of ['site', 'batches'] as const) {
        const r = await client.fetchTimeseries(
          { site: 'demo-large', points, startMs, endMs },
          { token: ACE_TEST_TOKEN, strategy, pageSize: size },
        );
        if (!r.ok) throw new Error(r.error.kind);
        expectSameSeries(r.value.series, expected.series);
      }
    }
  });

  it('reports the upstream requests, pages and bytes it caused, as the mock counts them', async () => {
    const { client } = setup();
    for (const strategy of ['site', 'batches'] as const) {
      await resetStats();
      const r = await client.fetchTimeseries(
        {
          site: 'demo-small',
          points: ['AHU-01-ZoneTemp', 'BOILER-1-Enable'],
          startMs: T0,
          endMs: T0 + 6 * HOUR,
        },
        { token: ACE_TEST_TOKEN, strategy, pageSize: 500 },
      );
      if (!r.ok) throw new Error(r.error.kind);
      const stats = await mockStats();
      expect(r.value.strategy).toBe(strategy);
      expect(r.value.upstreamRequests).toBe(stats.total);
      expect(r.value.pages).toBe(stats.total);
      expect(r.value.bytes).toBeGreaterThan(0);
      expect(r.value.complete).toBe(true);
    }
  });

  it('answers an empty window or point list without asking ACE', async () => {
    const { client } = setup();
    for (const request of [
      { site: 'demo-small', points: ['AHU-01-ZoneTemp'], startMs: T0, endMs: T0 },
      { site: 'demo-small', points: ['AHU-01-ZoneTemp'], startMs: T0 + 1, endMs: T0 },
      { site: 'demo-small', points: [], startMs: T0, endMs: T0 + HOUR },
    ]) {
      const r = await client.fetchTimeseries(request, { token: ACE_TEST_TOKEN });
      expect(r).toMatchObject({ ok: true, value: { upstreamRequests: 0, dropped: 0, complete: true } });
      expect(r.ok && r.value.series.every((s) => s.t.length === 0)).toBe(true);
    }
    expect((await mockStats()).total).toBe(0);
  });

  it('sends at most 6 get_timeseries calls at once', async () => {
    let inFlight = 0;
    let most = 0;
    aceServer.use(
      http.post(`${ACE_TEST_BASE}/points/get_timeseries`, async ({ request }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        const res = await aceMock.handle(request);
        inFlight--;
        return res;
      }),
    );
    const { client } = setup({ maxSamplesPerCall: 2_000 });
    const points =
      CATALOGUE.get('demo-large')
        ?.points.slice(0, 200)
        .map((p) => p.point.name) ?? [];
    const r = await client.fetchTimeseries(
      { site: 'demo-large', points, startMs: T0, endMs: T0 + 6 * HOUR },
      {
        token: ACE_TEST_TOKEN,
        strategy: 'batches',
      },
    );
    expect(r.ok && r.value.pages).toBeGreaterThan(6);
    expect(most).toBe(6);
  });
});

describe('page observers', () => {
  const request = { site: 'demo-small', points: ['AHU-01-ZoneTemp'], startMs: T0, endMs: T0 + 6 * HOUR };

  it('see every page in order, with running totals', async () => {
    const { client } = setup();
    const seen: number[] = [];
    const r = await client.fetchTimeseries(request, {
      token: ACE_TEST_TOKEN,
      strategy: 'site',
      pageSize: 500,
      onPage: (e) => {
        seen.push(e.pages);
        return undefined;
      },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(seen).toEqual(Array.from({ length: r.value.pages }, (_, i) => i + 1));
    expect(r.value.pages).toBeGreaterThan(3);
  });

  it('can stop the fetch at a page boundary: a partial result, no further request', async () => {
    const { client } = setup();
    const r = await client.fetchTimeseries(request, {
      token: ACE_TEST_TOKEN,
      strategy: 'site',
      pageSize: 500,
      onPage: async (e) => (e.pages === 2 ? 'stop' : undefined),
    });
    expect(r).toMatchObject({ ok: true, value: { complete: false, pages: 2 } });
    expect((await mockStats()).total).toBe(2);
  });

  it('stop when the signal aborts', async () => {
    const { client } = setup();
    const abort = new AbortController();
    const r = await client.fetchTimeseries(request, {
      token: ACE_TEST_TOKEN,
      strategy: 'batches',
      signal: abort.signal,
      onPage: () => {
        abort.abort();
        return undefined;
      },
    });
    expect(r).toMatchObject({ ok: true, value: { complete: false, pages: 1 } });
  });
});

describe('budgets (review 22)', () => {
  it('the page budget ends a site fetch with payload_too_large after exactly that many requests', async () => {
    const { client } = setup({ maxPages: 3 });
    const r = await client.fetchTimeseries(
      { site: 'demo-small', points: ['AHU-01-ZoneTemp'], startMs: T0, endMs: T0 + 86_400_000 },
      { token: ACE_TEST_TOKEN, strategy: 'site', pageSize: 100 },
    );
    expect(r).toMatchObject({ ok: false, error: { kind: 'payload_too_large' } });
    expect((await mockStats()).total).toBe(3);
  });

  it('a batch plan over the page budget fails before any request', async () => {
    const { client } = setup({ maxPages: 2 });
    const points =
      CATALOGUE.get('demo-large')
        ?.points.slice(0, 120)
        .map((p) => p.point.name) ?? [];
    const r = await client.fetchTimeseries(
      { site: 'demo-large', points, startMs: T0, endMs: T0 + HOUR },
      {
        token: ACE_TEST_TOKEN,
        strategy: 'batches',
      },
    );
    expect(r).toMatchObject({ ok: false, error: { kind: 'payload_too_large' } });
    expect((await mockStats()).total).toBe(0);
  });

  it('the byte budget ends a fetch with payload_too_large, for either plan', async () => {
    const { client } = setup({ maxBytes: 40_000 });
    for (const strategy of ['site', 'batches'] as const) {
      const r = await client.fetchTimeseries(
        {
          site: 'demo-small',
          points: ['AHU-01-ZoneTemp', 'AHU-01-SupplyFanStatus'],
          startMs: T0,
          endMs: T0 + 86_400_000,
        },
        { token: ACE_TEST_TOKEN, strategy, pageSize: 100 },
      );
      expect(r).toMatchObject({
        ok: false,
        error: { kind: 'payload_too_large', message: expect.stringContaining('bytes') },
      });
    }
  });

  it('stops reading a body as soon as it passes the byte budget', async () => {
    const { client } = setup({ maxBytes: 10_000 });
    aceServer.use(
      http.get(`${ACE_TEST_BASE}/sites/huge/timeseries/paginated`, () => {
        // An endless body: only a reader that stops at the budget can finish this call.
        const chunk = new TextEncoder().encode(
          `${'{"name":"x","value":"1","time":"2026-01-05T00:00:00.000000"},'.repeat(50)}`,
        );
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"point_samples":['));
          },
          pull(c) {
            c.enqueue(chunk);
          },
        });
        return new HttpResponse(stream, { headers: { 'content-type': 'application/json' } });
      }),
    );
    const r = await client.paginated(
      'huge',
      { startMs: T0, endMs: T0 + HOUR, pageSize: 100 },
      ACE_TEST_TOKEN,
    );
    expect(r).toMatchObject({ ok: false, error: { kind: 'payload_too_large' } });
  });
});

describe('upstream failures', () => {
  const site = (client: ReturnType<typeof setup>['client'], token = ACE_TEST_TOKEN) =>
    client.getSite('demo-small', token);

  it.each([500, 502, 503, 504, 520])('retries a %i twice, then answers upstream_error', async (status) => {
    const { client, lines } = setup();
    await injectFaults({ status });
    const r = await site(client);
    expect(r).toMatchObject({ ok: false, error: { kind: 'upstream_error', status } });
    expect((await mockStats()).requests.site).toBe(3);
    expect(lines.filter((l) => l.event === 'ace_retry')).toHaveLength(2);
  });

  it.each([500, 502, 503, 504, 520])('recovers from a transient %i by retrying', async (status) => {
    const { client } = setup();
    await injectFaults({ status, count: 2 });
    const r = await site(client);
    expect(r).toMatchObject({ ok: true, value: { value: { name: 'demo-small' }, upstreamRequests: 3 } });
    expect((await mockStats()).requests.site).toBe(3);
  });

  it('retries a network error', async () => {
    let calls = 0;
    aceServer.use(
      http.get(`${ACE_TEST_BASE}/sites/demo-small`, () => {
        calls++;
        return HttpResponse.error();
      }),
    );
    const { client } = setup();
    expect(await site(client)).toMatchObject({ ok: false, error: { kind: 'upstream_error' } });
    expect(calls).toBe(3);
  });

  it('honours Retry-After on a 429: waits exactly that long, then retries', async () => {
    const { client, lines } = setup({ retries: 1 });
    await injectFaults({ status: 429, count: 1 });
    const r = await site(client);
    expect(r.ok).toBe(true);
    expect((await mockStats()).requests.site).toBe(2);
    expect(lines.find((l) => l.event === 'ace_retry')).toMatchObject({ status: 429, delay_ms: 1_000 });
  });

  it('answers rate_limited with Retry-After when 429s persist', async () => {
    const { client } = setup({ retries: 1 });
    await injectFaults({ status: 429 });
    expect(await site(client)).toEqual({
      ok: false,
      error: { kind: 'rate_limited', message: expect.any(String), retryAfterSeconds: 1 },
    });
    expect((await mockStats()).requests.site).toBe(2);
  });

  it('does not retry when Retry-After exceeds the cap', async () => {
    const { client, lines } = setup({ backoff: { baseMs: 1, maxMs: 4, retryAfterCapMs: 500 } });
    await injectFaults({ status: 429 });
    expect(await site(client)).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', retryAfterSeconds: 1 },
    });
    expect((await mockStats()).requests.site).toBe(1);
    expect(lines.some((l) => l.event === 'ace_retry')).toBe(false);
  });

  it('times out a slow answer as upstream_timeout, without retrying it', async () => {
    const { client } = setup({ timeoutMs: 100 });
    await injectFaults({ delay_ms: 1_000, count: 1 });
    expect(await site(client)).toMatchObject({ ok: false, error: { kind: 'upstream_timeout' } });
    expect((await mockStats()).requests.site).toBe(1);
  });

  it('lets a slow answer within the timeout through', async () => {
    const { client } = setup({ timeoutMs: 2_000 });
    await injectFaults({ delay_ms: 30, count: 1 });
    expect(await site(client)).toMatchObject({ ok: true });
  });

  it('treats an HTML error page as a clean upstream_error (retried like any 5xx)', async () => {
    const { client } = setup();
    await injectFaults({ html: true });
    const r = await site(client);
    expect(r).toMatchObject({ ok: false, error: { kind: 'upstream_error', status: 502 } });
    expect(JSON.stringify(r)).not.toMatch(/html|cloudflare/i);
    expect((await mockStats()).requests.site).toBe(3);
  });

  it('treats an HTML 404 page as not_found', async () => {
    const { client } = setup();
    await injectFaults({ html: true, status: 404 });
    expect(await site(client)).toMatchObject({ ok: false, error: { kind: 'not_found' } });
  });

  it('never parses a 200 with a non-JSON content type', async () => {
    aceServer.use(
      http.get(
        `${ACE_TEST_BASE}/sites/demo-small`,
        () =>
          new HttpResponse('<html><body>{"name":"demo-small"}</body></html>', {
            headers: { 'content-type': 'text/html' },
          }),
      ),
    );
    const { client } = setup({ retries: 0 });
    expect(await site(client)).toMatchObject({ ok: false, error: { kind: 'upstream_error', status: 200 } });
  });

  it('treats a truncated body as a clean upstream_error, and recovers when a retry gets it whole', async () => {
    const { client } = setup();
    const request = { site: 'demo-small', points: ['AHU-01-ZoneTemp'], startMs: T0, endMs: T0 + HOUR };
    await injectFaults({ truncate: true });
    const r = await client.fetchTimeseries(request, { token: ACE_TEST_TOKEN, strategy: 'batches' });
    expect(r).toMatchObject({ ok: false, error: { kind: 'upstream_error' } });
    expect((await mockStats()).requests.get_timeseries).toBe(3);

    await injectFaults({ truncate: true, count: 1 });
    const healed = await client.fetchTimeseries(request, { token: ACE_TEST_TOKEN, strategy: 'batches' });
    expect(healed).toMatchObject({ ok: true, value: { upstreamRequests: 2 } });
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [400, 'upstream_error'],
    [409, 'upstream_error'],
  ])('maps a %i to %s without retrying', async (status, kind) => {
    const { client } = setup();
    await injectFaults({ status, count: 1 });
    expect(await site(client)).toMatchObject({ ok: false, error: { kind } });
    expect((await mockStats()).requests.site).toBe(1);
  });

  it('maps what ACE says about tokens and sites: invalid → unauthorized, forbidden → forbidden, unknown → not_found', async () => {
    const { client } = setup();
    expect(await site(client, 'invalid-token')).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    expect(await site(client, 'forbidden-token')).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    expect(await client.getSite('no-such-site', ACE_TEST_TOKEN)).toMatchObject({
      ok: false,
      error: { kind: 'not_found' },
    });
  });

  it('never puts ACE’s body text in an error, nor the token in a log line', async () => {
    const { client, lines } = setup();
    const results = [await site(client, 'invalid-secret-token')];
    await injectFaults({ status: 500, count: 3 });
    results.push(await site(client, 'secret-token-123'));
    const errors = JSON.stringify(results);
    expect(errors).not.toMatch(/JWT Signature Invalid|Internal Server Error/);
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
    expect(lines.length).toBeGreaterThan(0);
  });
});

describe('circuit breaker (review 27)', () => {
  it('opens after consecutive failures and then fails fast without an upstream call', async () => {
    const { client } = setup({ retries: 0, breakerThreshold: 3 });
    await injectFaults({ status: 503 });
    for (let i = 0; i < 3; i++)
      expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({ ok: false });
    expect(client.breakerState()).toBe('open');
    const before = (await mockStats()).total;
    expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({
      ok: false,
      error: { kind: 'unavailable', dependency: 'ace' },
    });
    expect((await mockStats()).total).toBe(before);
  });

  it('counts retried attempts, so one failing call with retries can open it', async () => {
    const { client } = setup({ retries: 2, breakerThreshold: 3 });
    await injectFaults({ status: 502 });
    expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({
      error: { kind: 'upstream_error' },
    });
    expect(client.breakerState()).toBe('open');
  });

  it('half-opens after the delay (injected clock): a good probe closes it, a bad one reopens it', async () => {
    const { client, clock } = setup({ retries: 0, breakerThreshold: 2, halfOpenAfterMs: 10_000 });
    await injectFaults({ status: 500 });
    await client.getSite('demo-small', ACE_TEST_TOKEN);
    await client.getSite('demo-small', ACE_TEST_TOKEN);
    expect(client.breakerState()).toBe('open');

    clock.advance(9_999);
    expect(client.breakerState()).toBe('open');
    await resetStats();
    expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({
      error: { kind: 'unavailable' },
    });
    expect((await mockStats()).total).toBe(0);

    clock.advance(1);
    expect(client.breakerState()).toBe('half-open');
    expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({
      error: { kind: 'upstream_error' },
    });
    expect((await mockStats()).total).toBe(1);
    expect(client.breakerState()).toBe('open');

    clock.advance(10_000);
    await injectFaults({ status: 500, count: 0 });
    expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({ ok: true });
    expect(client.breakerState()).toBe('closed');
    expect(await client.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({ ok: true });
  });

  it('is not opened by definitive answers (401, 403, 404, 429)', async () => {
    const { client } = setup({
      retries: 0,
      breakerThreshold: 2,
      backoff: { baseMs: 1, maxMs: 1, retryAfterCapMs: 0 },
    });
    for (let i = 0; i < 3; i++) {
      await client.getSite('demo-small', 'invalid-token');
      await client.getSite('demo-small', 'forbidden-token');
      await client.getSite('nowhere', ACE_TEST_TOKEN);
    }
    await injectFaults({ status: 429, count: 3 });
    for (let i = 0; i < 3; i++) await client.getSite('demo-small', ACE_TEST_TOKEN);
    expect(client.breakerState()).toBe('closed');
  });

  it('is shared by every client over the same upstream state (one per isolate and base URL)', async () => {
    const first = setup({ retries: 0, breakerThreshold: 1 });
    const second = createAceClient({
      baseUrl: ACE_TEST_BASE,
      fetch: (input, init) => fetch(input, init),
      clock: first.clock,
      log: createLogger({}, () => {}),
      upstream: first.upstream,
      timeoutMs: 5_000,
      maxPages: 10,
      maxBytes: MiB,
    });
    await injectFaults({ status: 500, count: 1 });
    await first.client.getSite('demo-small', ACE_TEST_TOKEN);
    expect(await second.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({
      error: { kind: 'unavailable' },
    });
  });
});

describe('coalescing (review 28, 45)', () => {
  it('N concurrent identical calls make one upstream request and all get its answer', async () => {
    const { client } = setup();
    await injectFaults({ delay_ms: 50, count: 1 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => client.getSite('demo-small', ACE_TEST_TOKEN)),
    );
    expect((await mockStats()).requests.site).toBe(1);
    expect(results.every((r) => r.ok && r.value.value.name === 'demo-small')).toBe(true);
    expect(results.map((r) => r.ok && r.value.upstreamRequests).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('never shares a call between different tokens', async () => {
    const { client } = setup();
    await injectFaults({ delay_ms: 50 });
    const results = await Promise.all([
      client.getSite('demo-small', ACE_TEST_TOKEN),
      client.getSite('demo-small', 'forbidden-token'),
      client.getSite('demo-small', ACE_TEST_TOKEN),
    ]);
    expect((await mockStats()).requests.site).toBe(2);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
  });

  it('does not share calls that differ in URL or body', async () => {
    const { client } = setup();
    await injectFaults({ delay_ms: 30 });
    await Promise.all([
      client.getTimeseries(['AHU-01-ZoneTemp'], { startMs: T0, endMs: T0 + HOUR }, ACE_TEST_TOKEN),
      client.getTimeseries(['AHU-01-SupplyAirTemp'], { startMs: T0, endMs: T0 + HOUR }, ACE_TEST_TOKEN),
      client.getTimeseries(['AHU-01-ZoneTemp'], { startMs: T0, endMs: T0 + 2 * HOUR }, ACE_TEST_TOKEN),
    ]);
    expect((await mockStats()).requests.get_timeseries).toBe(3);
  });

  it('concurrent identical fetches page the site once between them', async () => {
    const { client } = setup();
    const request = { site: 'demo-small', points: ['AHU-01-ZoneTemp'], startMs: T0, endMs: T0 + 6 * HOUR };
    const options = { token: ACE_TEST_TOKEN, strategy: 'site' as const, pageSize: 500 as const };
    const alone = await client.fetchTimeseries(request, options);
    if (!alone.ok) throw new Error(alone.error.kind);
    await resetStats();
    const together = await Promise.all(
      Array.from({ length: 4 }, () => client.fetchTimeseries(request, options)),
    );
    expect((await mockStats()).total).toBe(alone.value.pages);
    for (const r of together) expect(r.ok && r.value.series).toEqual(alone.value.series);
  });
});

describe('typed calls', () => {
  it('lists every configured point, paging until a short page (ACE’s `pages` is wrong)', async () => {
    const { client } = setup({ pointsPerPage: 1000 });
    const r = await client.listConfiguredPoints('demo-large', ACE_TEST_TOKEN);
    const names = CATALOGUE.get('demo-large')?.points.map((p) => p.point.name);
    expect(r.ok && r.value.value.points.map((p) => p.name)).toEqual(names);
    const pages = Math.ceil((names?.length ?? 0) / 1000);
    expect(pages).toBeGreaterThan(1);
    expect(r.ok && r.value.value.pages).toBe(pages);
    expect((await mockStats()).requests.configured_points).toBe(pages);
  });

  it('reads one more, empty page when the last full page ends the listing', async () => {
    const { client } = setup({ pointsPerPage: 26 });
    const r = await client.listConfiguredPoints('demo-small', ACE_TEST_TOKEN);
    expect(r.ok && r.value.value.points).toHaveLength(52);
    expect((await mockStats()).requests.configured_points).toBe(3);
  });

  it('reads timeseries pages from their text in place, not through JSON.parse’s tree', async () => {
    const { client } = setup();
    const window = { startMs: T0, endMs: T0 + HOUR };
    const batch = await client.getTimeseries(['AHU-01-ZoneTemp'], window, ACE_TEST_TOKEN);
    const page = await client.paginated('demo-small', { ...window, pageSize: 500 }, ACE_TEST_TOKEN);
    for (const r of [batch, page]) expect(r.ok && r.value.value.samples).toBeInstanceOf(ScannedSamples);
  });

  it('reads one configured-points page and refuses more than 50 names a get_timeseries call', async () => {
    const { client } = setup();
    expect(
      await client.configuredPoints('demo-small', { page: 2, perPage: 10 }, ACE_TEST_TOKEN),
    ).toMatchObject({
      ok: true,
      value: { value: { listed: 10 } },
    });
    const names = Array.from({ length: 51 }, (_, i) => `p${i}`);
    expect(
      await client.getTimeseries(names, { startMs: T0, endMs: T0 + HOUR }, ACE_TEST_TOKEN),
    ).toMatchObject({
      ok: false,
      error: { kind: 'invalid_input' },
    });
    expect((await mockStats()).requests.get_timeseries).toBe(0);
  });

  it('follows cursors through empty pages (a site-wide outage) to the end', async () => {
    const { client } = setup();
    const request = {
      site: 'demo-small',
      points: ['AHU-01-ZoneTemp'],
      startMs: T0,
      endMs: T0 + 2 * 86_400_000,
    };
    // Pages span at most an hour of the site; a two-day window always holds an outage hour.
    let empty = 0;
    const r = await client.fetchTimeseries(request, {
      token: ACE_TEST_TOKEN,
      strategy: 'site',
      pageSize: 50_000,
      onPage: (e) => {
        if (e.samples === 0 && e.dropped === 0) empty++;
        return undefined;
      },
    });
    if (!r.ok) throw new Error(r.error.kind);
    expect(empty).toBeGreaterThan(0);
    expectSameSeries(
      r.value.series,
      truth('demo-small', request.points, request.startMs, request.endMs).series,
    );
  });

  it('refuses a cursor that does not advance', async () => {
    aceServer.use(
      http.get(`${ACE_TEST_BASE}/sites/loop/timeseries/paginated`, () =>
        HttpResponse.json({ point_samples: [], next_cursor: 'same', has_more: true }),
      ),
    );
    const { client } = setup();
    const r = await client.fetchTimeseries(
      { site: 'loop', points: ['x'], startMs: T0, endMs: T0 + HOUR },
      { token: ACE_TEST_TOKEN, strategy: 'site' },
    );
    expect(r).toMatchObject({ ok: false, error: { kind: 'upstream_error' } });
  });
});
