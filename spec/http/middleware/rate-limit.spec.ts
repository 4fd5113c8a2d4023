// http/middleware/rate-limit.ts (review 40, architecture A1): per-principal limits through the
// real RATE_LIMITER and JOB_RATE_LIMITER bindings. 429 `rate_limited` with Retry-After (the
// binding's period), one caller's budget never spends another's, job submission draws on the
// stricter budget, and a limiter that throws or hangs lets the request through (logged).
// Small limits come from a wrapper that asks the REAL local binding for a smaller limit.
import { env } from 'cloudflare:workers';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../../src/http/context.ts';
import { createRateLimits, enforceRateLimit, rateLimit } from '../../../src/http/middleware/rate-limit.ts';
import { prefersRespondAsync } from '../../../src/http/negotiate.ts';
import { createFaultPlan, type Fault } from '../../support/faults.ts';
import { withinOneWindow } from '../../support/rate-window.ts';
import { bearer, type ErrorJson, harness } from '../harness.ts';

/**
 * The real local binding with a smaller limit. Miniflare's binding takes `limit` and `period`
 * per call (production takes them from wrangler.toml); everything else is the real counter.
 */
function tightLimiter(binding: RateLimit, limit: number): RateLimit {
  return {
    limit: ({ key }) => {
      const options = { key, limit, period: 60 };
      return binding.limit(options);
    },
  };
}

/** The real binding, unless a fault is set: then it throws or hangs instead. */
function faultyLimiter(binding: RateLimit, fault: () => Fault | undefined): RateLimit {
  return {
    limit: async (options) => {
      const f = fault();
      if (f?.kind === 'error') throw new Error(f.message ?? 'injected limiter fault');
      if (f?.kind === 'hang') return new Promise(() => {});
      return binding.limit(options);
    },
  };
}

const unique = () => `rl-${crypto.randomUUID()}`;

/** An /api route that answers 200, and a job-submission route limited by JOB_RATE_LIMITER. */
function mountRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get('/api/spec/ping', (c) => c.json({ ok: true }));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/spec/jobs',
      middleware: [rateLimit('jobs', { when: (c) => prefersRespondAsync(c.req.header('prefer')) })],
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({}) } } } },
    }),
    (c) => c.json({}, 200),
  );
  app.post('/api/spec/late-job', async (c) => {
    await enforceRateLimit(c, 'jobs');
    return c.json({ queued: true });
  });
}

async function expect429(res: Response, retryAfter: string, message?: string): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe(retryAfter);
  const body = await res.json<ErrorJson>();
  expect(body.error.code).toBe('rate_limited');
  if (message) expect(body.error.message).toBe(message);
  expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
}

describe('the per-caller limit on /api/*', () => {
  it('answers 429 rate_limited with Retry-After once the budget is spent', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({ env: { RATE_LIMITER: tightLimiter(env.RATE_LIMITER, 3) }, mount: mountRoutes });
    const token = unique();
    for (let i = 0; i < 3; i++)
      expect((await h.fetch('/api/spec/ping', { headers: bearer(token) })).status).toBe(200);
    await expect429(await h.fetch('/api/spec/ping', { headers: bearer(token) }), '60', 'too many requests');
  });

  it('limits before routing: an unknown /api path also spends the budget', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({ env: { RATE_LIMITER: tightLimiter(env.RATE_LIMITER, 1) }, mount: mountRoutes });
    const token = unique();
    expect((await h.fetch('/api/nope', { headers: bearer(token) })).status).toBe(404);
    await expect429(await h.fetch('/api/spec/ping', { headers: bearer(token) }), '60');
  });

  it('keeps callers apart: one caller over its limit does not limit another', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({ env: { RATE_LIMITER: tightLimiter(env.RATE_LIMITER, 2) }, mount: mountRoutes });
    const [a, b] = [unique(), unique()];
    for (let i = 0; i < 2; i++) await h.fetch('/api/spec/ping', { headers: bearer(a) });
    expect((await h.fetch('/api/spec/ping', { headers: bearer(a) })).status).toBe(429);
    expect((await h.fetch('/api/spec/ping', { headers: bearer(b) })).status).toBe(200);
    // Same token through the other header: the same caller, the same spent budget.
    expect((await h.fetch('/api/spec/ping', { headers: { 'x-ace-token': a } })).status).toBe(429);
  });

  it('says the configured period in Retry-After (RATE_LIMIT_PERIOD_S)', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({
      env: { RATE_LIMITER: tightLimiter(env.RATE_LIMITER, 1), RATE_LIMIT_PERIOD_S: '10' } as Partial<Env>,
      mount: mountRoutes,
    });
    const token = unique();
    await h.fetch('/api/spec/ping', { headers: bearer(token) });
    await expect429(await h.fetch('/api/spec/ping', { headers: bearer(token) }), '10');
  });

  it('does not touch routes outside /api (no principal there)', async () => {
    const h = harness({ env: { RATE_LIMITER: tightLimiter(env.RATE_LIMITER, 0) }, mount: mountRoutes });
    expect((await h.fetch('/health')).status).toBe(200);
    expect((await h.fetch('/openapi.json')).status).toBe(200);
  });

  it('lets a real-config caller through (the binding of wrangler.toml, 600 a minute)', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({ mount: mountRoutes });
    const token = unique();
    for (let i = 0; i < 20; i++)
      expect((await h.fetch('/api/spec/ping', { headers: bearer(token) })).status).toBe(200);
  });
});

describe('the stricter job-submission limit', () => {
  it('counts only submissions that ask for a job (Prefer: respond-async)', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({
      env: { JOB_RATE_LIMITER: tightLimiter(env.JOB_RATE_LIMITER, 2) },
      mount: mountRoutes,
    });
    const token = unique();
    const submit = (prefer?: string) =>
      h.fetch('/api/spec/jobs', {
        method: 'POST',
        headers: { ...bearer(token), ...(prefer ? { prefer } : {}) },
      });
    for (let i = 0; i < 5; i++) expect((await submit()).status).toBe(200);
    expect((await submit('respond-async')).status).toBe(200);
    expect((await submit('respond-async, wait=5')).status).toBe(200);
    await expect429(await submit('respond-async'), '60', 'too many job submissions');
    expect((await submit()).status).toBe(200); // the /api budget is separate
  });

  it('enforceRateLimit draws on it from a handler that decides late', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({
      env: { JOB_RATE_LIMITER: tightLimiter(env.JOB_RATE_LIMITER, 1) },
      mount: mountRoutes,
    });
    const token = unique();
    expect((await h.fetch('/api/spec/late-job', { method: 'POST', headers: bearer(token) })).status).toBe(
      200,
    );
    await expect429(await h.fetch('/api/spec/late-job', { method: 'POST', headers: bearer(token) }), '60');
  });

  it('is the JOB_RATE_LIMITER binding of wrangler.toml (30 a minute), not the /api one', async () => {
    await withinOneWindow(60, 8_000);
    const h = harness({ mount: mountRoutes });
    const token = unique();
    for (let i = 0; i < 30; i++) {
      expect((await h.fetch('/api/spec/late-job', { method: 'POST', headers: bearer(token) })).status).toBe(
        200,
      );
    }
    await expect429(await h.fetch('/api/spec/late-job', { method: 'POST', headers: bearer(token) }), '60');
    expect((await h.fetch('/api/spec/ping', { headers: bearer(token) })).status).toBe(200);
  });
});

describe('a failing limiter never fails a request', () => {
  it('a limiter that throws: the request goes ahead and the failure is logged', async () => {
    const plan = createFaultPlan<'limit'>();
    plan.set('limit', { kind: 'error', message: 'limiter exploded' });
    const h = harness({
      env: { RATE_LIMITER: faultyLimiter(env.RATE_LIMITER, () => plan.get('limit')) },
      mount: mountRoutes,
    });
    const res = await h.fetch('/api/spec/ping', { headers: bearer(unique()) });
    expect(res.status).toBe(200);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        line: expect.objectContaining({
          event: 'rate_limiter_failed',
          scope: 'api',
          error_message: 'limiter exploded',
        }),
      }),
    );
  });

  it('a limiter that hangs: the request goes ahead after the limiter timeout', async () => {
    const h = harness({
      env: { JOB_RATE_LIMITER: faultyLimiter(env.JOB_RATE_LIMITER, () => ({ kind: 'hang' })) },
      mount: mountRoutes,
    });
    const started = Date.now();
    const res = await h.fetch('/api/spec/late-job', { method: 'POST', headers: bearer(unique()) });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.logs.some((l) => l.line.event === 'rate_limiter_failed' && l.line.scope === 'jobs')).toBe(true);
  });
});

describe('createRateLimits', () => {
  const limiters = (api: RateLimit, jobs: RateLimit = env.JOB_RATE_LIMITER) => ({ api, jobs });

  it("says allowed, then limited with the scope's period", async () => {
    await withinOneWindow(60, 8_000);
    const limits = createRateLimits({
      limiters: limiters(tightLimiter(env.RATE_LIMITER, 1)),
      periodSeconds: { api: 60, jobs: 10 },
    });
    const key = unique();
    expect(await limits.check('api', key)).toEqual({ outcome: 'allowed' });
    expect(await limits.check('api', key)).toEqual({ outcome: 'limited', retryAfterSeconds: 60 });
  });

  it('reports a timeout as a limiter failure, not as limited', async () => {
    const limits = createRateLimits({
      limiters: limiters(faultyLimiter(env.RATE_LIMITER, () => ({ kind: 'hang' }))),
      periodSeconds: { api: 60, jobs: 60 },
      timeoutMs: 20,
    });
    const decision = await limits.check('api', unique());
    expect(decision.outcome).toBe('limiter_failed');
  });
});
