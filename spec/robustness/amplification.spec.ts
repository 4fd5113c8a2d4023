// Made-up tokens must not drive ACE (OWASP API4): N requests with N distinct invented tokens from
// one address, through the Worker's app with the deployed budget (SPEC_VERIFY_LIMITER: 20 a minute
// per address), counted at the synthetic ACE. ACE sees at most the budget's verifications and one
// catalogue listing per site; every answer past the budget is 429 in the contract's shape with
// Retry-After; a repeated refused token costs one call; and a proven caller is unaffected.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { resetIsolateState } from '../../src/isolate.ts';
import { type ErrorJson, harness } from '../http/harness.ts';
import { aceMock } from '../support/ace.ts';
import { withinOneWindow } from '../support/rate-window.ts';

const BUDGET = 20;
const D0 = Date.UTC(2025, 10, 3);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 2)
  .map((p) => p.point.name);
const timeseries = `/api/sites/demo-small/timeseries?${new URLSearchParams({ points: names.join(','), start: String(D0), end: String(D0 + 86_400_000) })}`;
const points = '/api/sites/demo-small/points?limit=1';

let seq = 0;
/** A fresh client address per spec: the limiter's counts are per address and outlive a spec. */
const address = () => `203.0.113.${++seq}`;
const h = harness({ env: { VERIFY_RATE_LIMITER: env.SPEC_VERIFY_LIMITER } });

async function send(path: string, token: string, from: string) {
  const res = await h.fetch(path, {
    headers: { authorization: `Bearer ${token}`, 'cf-connecting-ip': from },
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

const requests = () => aceMock.stats().requests;

describe('made-up tokens from one address', () => {
  // Each spec spends a whole budget; it must do so inside one of the limiter's minute windows.
  beforeEach(() => withinOneWindow(60, 5000));

  it.each([
    ['the points route', points],
    ['the timeseries route', timeseries],
  ])(
    '100 distinct valid-looking tokens on %s: ACE sees at most the budget of verifications and one listing',
    async (_, path) => {
      resetIsolateState();
      aceMock.resetStats();
      const from = address();
      const answers = [];
      for (let i = 0; i < 100; i++)
        answers.push(await send(path, `made-up-${seq}-${i}-${crypto.randomUUID()}`, from));
      expect(requests().site).toBe(BUDGET);
      expect(requests().configured_points).toBe(1);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(BUDGET);
      const refused = answers.slice(BUDGET);
      expect(refused.every((a) => a.status === 429 && a.retryAfter === '60')).toBe(true);
      for (const a of refused) {
        const body = JSON.parse(a.body) as ErrorJson;
        expect(body.error.code).toBe('rate_limited');
        expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'request_id']);
      }
      // Another address has its own budget.
      expect((await send(path, `made-up-other-${crypto.randomUUID()}`, address())).status).toBe(200);
    },
  );

  it('60 distinct tokens ACE refuses: at most the budget of calls, refusals then 429s', async () => {
    aceMock.resetStats();
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++)
      statuses.push((await send(points, `invalid-${seq}-${i}-${crypto.randomUUID()}`, from)).status);
    expect(requests().site).toBe(BUDGET);
    expect(requests().configured_points ?? 0).toBe(0);
    expect(statuses.slice(0, BUDGET)).toEqual(Array(BUDGET).fill(401));
    expect(statuses.slice(BUDGET)).toEqual(Array(60 - BUDGET).fill(429));
  });

  it('the same refused token 100 times: one call to ACE, every answer its refusal', async () => {
    aceMock.resetStats();
    const from = address();
    const token = `invalid-repeated-${crypto.randomUUID()}`;
    const statuses = new Set<number>();
    for (let i = 0; i < 100; i++) statuses.add((await send(points, token, from)).status);
    expect(requests().site).toBe(1);
    expect([...statuses]).toEqual([401]);
    const forbidden = `forbidden-repeated-${crypto.randomUUID()}`;
    for (let i = 0; i < 50; i++) statuses.add((await send(timeseries, forbidden, from)).status);
    expect(requests().site).toBe(2);
    expect([...statuses].sort()).toEqual([401, 403]);
  });

  it('a proven caller reading cached data meanwhile: every answer 200, no ACE call of its own', async () => {
    const reader = `proven-${crypto.randomUUID()}`;
    const from = address();
    expect((await send(timeseries, reader, from)).status).toBe(200);
    aceMock.resetStats();
    const attacker = address();
    const theirs: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < 60; i++) {
      theirs.push((await send(timeseries, `made-up-${i}-${crypto.randomUUID()}`, attacker)).status);
      ours.push((await send(timeseries, reader, attacker)).status);
    }
    expect(ours.every((s) => s === 200)).toBe(true);
    expect(theirs.filter((s) => s === 429)).toHaveLength(60 - BUDGET);
    // ACE saw the attacker's budget of verifications and nothing for the reader (its data is cached).
    expect(requests().site).toBe(BUDGET);
    expect((requests().get_timeseries ?? 0) + (requests().paginated ?? 0)).toBe(0);
  });
});

describe('verifications in flight', () => {
  it('holds one isolate to VERIFY_MAX_IN_FLIGHT concurrent verifications; the rest are 429 with Retry-After 1', async () => {
    resetIsolateState();
    aceMock.resetStats();
    aceMock.setFaults({ delay_ms: 300, routes: ['site'] });
    const capped = harness({ env: { VERIFY_MAX_IN_FLIGHT: '4' } });
    const from = address();
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await capped.fetch(points, {
          headers: {
            authorization: `Bearer concurrent-${i}-${crypto.randomUUID()}`,
            'cf-connecting-ip': from,
          },
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      }),
    );
    aceMock.clearFaults();
    expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
    expect(answers.filter((a) => a.status === 429 && a.retryAfter === '1')).toHaveLength(8);
    expect(requests().site).toBe(4);
  });
});
