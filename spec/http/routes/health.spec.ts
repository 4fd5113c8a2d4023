// GET /health through the Worker's real fetch handler: ok with every check, 503 when D1 or R2
// is down (fault-injecting wrappers around the real bindings), degraded when ACE is unreachable.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index.ts';
import { aceMock, aceServer } from '../../support/ace.ts';
import { createFaultPlan, type D1Op, faultyD1, faultyR2, type R2Op } from '../../support/faults.ts';

interface HealthBody {
  status: string;
  version: string;
  checks: Record<'d1' | 'r2' | 'queue' | 'ace', { ok: boolean; latency_ms?: number; detail?: string }>;
}

async function health(overrides: Partial<Env> = {}): Promise<{ res: Response; body: HealthBody }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request('https://vitals.test/health'), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return { res, body: await res.json<HealthBody>() };
}

describe('GET /health', () => {
  it('answers ok with a timed check per dependency, a version and a request id', async () => {
    const res = await exports.default.fetch('https://vitals.test/health');
    const body = await res.json<HealthBody>();
    expect(res.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const name of ['d1', 'r2', 'ace'] as const) {
      expect(body.checks[name].ok).toBe(true);
      expect(body.checks[name].latency_ms).toBeGreaterThanOrEqual(0);
    }
    expect(body.checks.queue.ok).toBe(true);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('is 503 unavailable when D1 fails', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('first', { kind: 'error', message: 'D1_ERROR: no such table: secret_table' });
    const { res, body } = await health({ DB: faultyD1(env.DB, plan) });
    expect(res.status).toBe(503);
    expect(body.status).toBe('unavailable');
    expect(body.checks.d1.ok).toBe(false);
    expect(JSON.stringify(body)).not.toContain('secret_table');
  });

  it('is 503 unavailable when R2 hangs past the check timeout', async () => {
    const plan = createFaultPlan<R2Op>();
    plan.set('head', { kind: 'hang' });
    const { res, body } = await health({ CACHE: faultyR2(env.CACHE, plan) });
    expect(res.status).toBe(503);
    expect(body.checks.r2).toMatchObject({ ok: false, detail: expect.stringContaining('timed out') });
    expect(body.checks.d1.ok).toBe(true);
  });

  it('is 200 degraded when ACE is unreachable', async () => {
    aceServer.use(http.all('https://unreachable.test/*', () => HttpResponse.error()));
    const { res, body } = await health({ ACE_BASE_URL: 'https://unreachable.test/api' });
    expect(res.status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.ace.ok).toBe(false);
    expect(body.checks.d1.ok && body.checks.r2.ok).toBe(true);
  });
});

describe('GET /health and the ACE circuit breaker', () => {
  // Last in this file: it leaves the isolate's breaker open for its half-open delay.
  it('is degraded with "circuit open" once ACE has failed enough, without calling ACE', async () => {
    aceMock.setFaults({ status: 500 });
    for (let i = 0; i < 3; i++) {
      const res = await exports.default.fetch('https://vitals.test/api/sites/demo-small/points', {
        headers: { authorization: 'Bearer breaker-spec-token' },
      });
      expect([502, 503]).toContain(res.status);
    }
    aceMock.clearFaults();
    aceMock.resetStats();
    const res = await exports.default.fetch('https://vitals.test/health');
    const body = await res.json<HealthBody>();
    expect(res.status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.ace).toEqual({ ok: false, detail: 'circuit open' });
    expect(aceMock.stats().total).toBe(0);
  });
});
