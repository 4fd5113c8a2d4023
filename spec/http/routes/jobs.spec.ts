// The job path of the HTTP contract through the Worker (exports.default, the real local queue delivering to
// the Worker's own queue() handler, ACE behind msw): `Prefer: respond-async` → 202 with Location
// and Retry-After, polling to `succeeded`, the result identical to the direct read in both formats
// and layouts; an identical active request returns the same job; a request over the threshold
// becomes a job without asking, a fully cached one never does; 409 before success, 410 after
// expiry, cancellation, and another principal's job is 404 on every route.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../../fixtures/ace/catalogue.ts';
import { principalOf } from '../../../src/http/middleware/auth.ts';
import { newJobFor } from '../../../src/jobs/requests.ts';
import { createServices } from '../../../src/services.ts';
import { harness } from '../harness.ts';
import { call, freshToken, type JobBody, post, untilFinished } from '../jobs-client.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 1, 3);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 3)
  .map((p) => p.point.name);

interface Series {
  point: string;
  t: number[];
  v: number[];
}

/** A job row written straight through the store: no message, so it stays queued. */
async function storedJob(token: string, window = { start: D0, end: D0 + DAY }) {
  const services = createServices(env, createExecutionContext());
  const principal = await principalOf(token);
  const made = await services.jobStore.create(
    await newJobFor(principal, {
      site: 'demo-small',
      points: names,
      startMs: window.start,
      endMs: window.end,
      interval: 'raw',
      layout: 'columns',
      priority: 'normal',
      estimatedSamples: 10,
    }),
  );
  if (!made.ok) throw new Error(`create failed: ${made.error.kind}`);
  return { services, job: made.value.job };
}

describe('Prefer: respond-async', () => {
  it('answers 202 with the job, Location and Retry-After; the job succeeds with the direct data', async () => {
    const token = freshToken();
    const body = { points: names, start: D0, end: D0 + DAY };
    const accepted = await post(token, body, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as {
      job: { id: string; status: string; status_url: string; result_url: string };
    };
    expect(job).toMatchObject({
      status: 'queued',
      status_url: `/api/jobs/${job.id}`,
      result_url: `/api/jobs/${job.id}/result`,
    });
    expect(accepted.headers.get('location')).toBe(`/api/jobs/${job.id}`);
    expect(Number(accepted.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(accepted.headers.get('preference-applied')).toBe('respond-async');

    const finished = await untilFinished(job.id, token);
    expect(finished).toMatchObject({ status: 'succeeded', attempts: 1, error: null });
    expect(finished.progress.samples).toBeGreaterThan(0);

    const result = await call('GET', `/api/jobs/${job.id}/result`, token);
    expect(result.status).toBe(200);
    const fromJob = (await result.json()) as { series: Series[]; meta: { samples: number } };
    const direct = (await (await post(token, body)).json()) as { series: Series[] };
    expect(fromJob.series.map((s) => s.point)).toEqual(names);
    expect(fromJob.series).toEqual(direct.series);
    expect(fromJob.meta.samples).toBe(finished.progress.samples);

    const packed = await call('GET', `/api/jobs/${job.id}/result?layout=rows`, token, {
      headers: { accept: 'application/msgpack' },
    });
    expect(packed.headers.get('content-type')).toMatch(/msgpack/);
    const rows = decode(new Uint8Array(await packed.arrayBuffer())) as {
      series: { point: string; data: [number, number][] }[];
    };
    expect(
      rows.series.map((s) => ({ point: s.point, t: s.data.map((d) => d[0]), v: s.data.map((d) => d[1]) })),
    ).toEqual(direct.series);
  });

  it('returns the identical active job for an identical request instead of a second one', async () => {
    const token = freshToken();
    const { job } = await storedJob(token, { start: D0 + 2 * DAY, end: D0 + 3 * DAY });
    const again = await post(
      token,
      { points: names, start: D0 + 2 * DAY, end: D0 + 3 * DAY },
      { prefer: 'respond-async' },
    );
    expect(again.status).toBe(202);
    expect(((await again.json()) as { job: { id: string } }).job.id).toBe(job.id);
  });
});

describe('routing by size', () => {
  it('makes a job of a request whose estimate exceeds DIRECT_MAX_SAMPLES, without asking', async () => {
    const h = harness({ env: { DIRECT_MAX_SAMPLES: '100' } });
    const res = await h.fetch('/api/sites/demo-small/timeseries', {
      method: 'POST',
      headers: { authorization: `Bearer ${freshToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ points: names, start: D0 + 10 * DAY, end: D0 + 12 * DAY }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBeNull();
    const routed = h.logs.find((l) => l.line.event === 'timeseries.routed');
    expect(routed?.line).toMatchObject({ route: 'job', reason: 'over_threshold' });
  });

  it('serves a fully cached request directly, however large its estimate', async () => {
    const token = freshToken();
    const body = { points: names, start: D0 + 20 * DAY, end: D0 + 21 * DAY };
    expect((await post(token, body)).status).toBe(200); // caches the day
    const h = harness({ env: { DIRECT_MAX_SAMPLES: '1' } });
    const res = await h.fetch('/api/sites/demo-small/timeseries', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('HIT');
  });

  it('takes on as a job what no direct answer may hold (JOB_MAX_SAMPLES), asked for a job or not', async () => {
    const h = harness({ env: { JOB_MAX_SAMPLES: '1000' } });
    for (const prefer of [{}, { prefer: 'respond-async' }] as Record<string, string>[]) {
      const res = await h.fetch('/api/sites/demo-small/timeseries', {
        method: 'POST',
        headers: { authorization: `Bearer ${freshToken()}`, 'content-type': 'application/json', ...prefer },
        body: JSON.stringify({ points: names, start: D0 + 60 * DAY, end: D0 + 90 * DAY }),
      });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { job: { id: string; status: string } };
      expect(body.job.status).toBe('queued');
    }
  });

  it('makes a job of a rows request over the rows cap, as of a columns one', async () => {
    const h = harness({ env: { JOB_MAX_SAMPLES: '100000000' } });
    const request = (layout: string) =>
      h.fetch('/api/sites/demo-small/timeseries', {
        method: 'POST',
        headers: { authorization: `Bearer ${freshToken()}`, 'content-type': 'application/json' },
        // Three points over 366 days: over ROWS_MAX_SAMPLES by any estimate.
        body: JSON.stringify({ points: names, start: D0 - 300 * DAY, end: D0 + 66 * DAY, layout }),
      });
    expect((await request('rows')).status).toBe(202);
    expect((await request('columns')).status).toBe(202);
  });

  it('refuses only a result whose several points were read together past twice the task limit, in any layout', async () => {
    // One part of all three points (a job of one task): read whole to be written series by series.
    const limit = 2 * Number(env.JOB_TASK_MAX_SAMPLES);
    for (const [samples, status] of [
      [limit + 1, 413],
      // Within the bound it is not refused for its size (this row's object does not exist: 410).
      [limit, 410],
    ] as const) {
      const token = freshToken();
      const { services, job } = await storedJob(token, { start: D0 + 48 * DAY, end: D0 + 49 * DAY });
      expect((await services.jobStore.claim(job.id)).ok).toBe(true);
      const done = await services.jobStore.succeed(job.id, {
        key: `results/${job.id}-absent`,
        bytes: 1,
        samples,
        expiresAt: Date.now() + 60_000,
      });
      expect(done.ok).toBe(true);
      for (const layout of ['rows', 'columns', 'compact']) {
        const res = await call('GET', `/api/jobs/${job.id}/result?layout=${layout}`, token);
        expect(res.status).toBe(status);
        if (status === 413) {
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe('payload_too_large');
          expect(body.error.message).toMatch(/ndjson, csv or parquet/);
        } else await res.body?.cancel();
      }
    }
  });

  it('reports the estimate of the uncached part in meta, next to the actual samples', async () => {
    const token = freshToken();
    const body = { points: names, start: D0 + 30 * DAY, end: D0 + 31 * DAY };
    const cold = (await (await post(token, body)).json()) as {
      meta: { samples: number; estimated_samples: number };
    };
    expect(cold.meta.estimated_samples).toBeGreaterThan(0);
    expect(cold.meta.samples).toBeGreaterThan(0);
    // Cached now: nothing left to estimate.
    const warm = (await (await post(token, body)).json()) as {
      meta: { samples: number; estimated_samples: number };
    };
    expect(warm.meta).toMatchObject({ estimated_samples: 0, samples: cold.meta.samples });
  });
});

describe('status, result, cancel', () => {
  it('answers 409 for the result of a job that has not succeeded', async () => {
    const token = freshToken();
    const { job } = await storedJob(token, { start: D0 + 40 * DAY, end: D0 + 41 * DAY });
    const res = await call('GET', `/api/jobs/${job.id}/result`, token);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('conflict');
  });

  it('answers 410 once the result has expired', async () => {
    const token = freshToken();
    const { services, job } = await storedJob(token, { start: D0 + 42 * DAY, end: D0 + 43 * DAY });
    expect((await services.jobStore.claim(job.id)).ok).toBe(true);
    const done = await services.jobStore.succeed(job.id, {
      key: `results/${job.id}`,
      bytes: 1,
      samples: 1,
      expiresAt: Date.now() - 1,
    });
    expect(done.ok).toBe(true);
    const res = await call('GET', `/api/jobs/${job.id}/result`, token);
    expect(res.status).toBe(410);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('gone');
  });

  it('cancels a waiting job at once and refuses to cancel a finished one', async () => {
    const token = freshToken();
    const { job } = await storedJob(token, { start: D0 + 44 * DAY, end: D0 + 45 * DAY });
    const cancelled = await call('DELETE', `/api/jobs/${job.id}`, token);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toEqual({ id: job.id, status: 'cancelled', pending: false });
    const status = (await (await call('GET', `/api/jobs/${job.id}`, token)).json()) as JobBody;
    expect(status.status).toBe('cancelled');
    const again = await call('DELETE', `/api/jobs/${job.id}`, token);
    expect(again.status).toBe(409);
  });

  it("is 404 on every route for another principal's job, and for an unknown id", async () => {
    const owner = freshToken();
    const { job } = await storedJob(owner, { start: D0 + 46 * DAY, end: D0 + 47 * DAY });
    const other = freshToken();
    for (const [method, path] of [
      ['GET', `/api/jobs/${job.id}`],
      ['GET', `/api/jobs/${job.id}/result`],
      ['DELETE', `/api/jobs/${job.id}`],
      ['GET', `/api/jobs/${crypto.randomUUID()}`],
    ] as const) {
      const res = await call(method, path, other);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    // The owner's job is untouched by the other principal's cancel.
    const mine = (await (await call('GET', `/api/jobs/${job.id}`, owner)).json()) as JobBody;
    expect(mine.status).toBe('queued');
  });

  it('refuses a malformed job id with 400 before any query', async () => {
    const res = await call('GET', '/api/jobs/not a job id', freshToken());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });
});
