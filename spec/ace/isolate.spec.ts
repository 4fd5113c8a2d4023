// Specifies the wiring in src/services.ts: every invocation's ACE client in an isolate shares one
// circuit breaker and one in-flight map per ACE base URL (a breaker per request would never see
// consecutive failures; coalescing per request would never coalesce). Each spec uses its own
// base URL so the isolate's state for the suite's ACE is left alone.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aceHandlers } from '../../fixtures/ace/msw.ts';
import { createServices } from '../../src/services.ts';
import { ACE_TEST_TOKEN, aceMock, aceServer } from '../support/ace.ts';

/** Two invocations' services, as two requests in one isolate would build them. */
function twoInvocations(base: string) {
  aceServer.use(...aceHandlers(aceMock, base));
  const bindings = { ...env, ACE_BASE_URL: base };
  const quiet = { logSink: () => {} };
  return [
    createServices(bindings, createExecutionContext(), quiet),
    createServices(bindings, createExecutionContext(), quiet),
  ] as const;
}

describe('isolate-level ACE state', () => {
  it('one invocation’s failures open the breaker every invocation of the isolate sees', async () => {
    const [first, second] = twoInvocations('https://ace-breaker.test/api');
    aceMock.setFaults({ status: 503 });
    // Default policy: 3 attempts a call, breaker at 5 consecutive failures.
    await first.ace.getSite('demo-small', ACE_TEST_TOKEN);
    await first.ace.getSite('demo-small', ACE_TEST_TOKEN);
    expect(second.ace.breakerState()).toBe('open');
    const before = aceMock.stats().total;
    expect(await second.ace.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({
      ok: false,
      error: { kind: 'unavailable' },
    });
    expect(aceMock.stats().total).toBe(before);
  });

  it('keeps one breaker per base URL', async () => {
    const [other] = twoInvocations('https://ace-other.test/api');
    expect(other.ace.breakerState()).toBe('closed');
    expect(await other.ace.getSite('demo-small', ACE_TEST_TOKEN)).toMatchObject({ ok: true });
  });

  it('coalesces identical calls made by different invocations', async () => {
    const [first, second] = twoInvocations('https://ace-coalesce.test/api');
    aceMock.setFaults({ delay_ms: 50, count: 1 });
    const [a, b] = await Promise.all([
      first.ace.getSite('demo-small', ACE_TEST_TOKEN),
      second.ace.getSite('demo-small', ACE_TEST_TOKEN),
    ]);
    expect(a.ok && b.ok).toBe(true);
    expect(aceMock.stats().requests.site).toBe(1);
  });
});
