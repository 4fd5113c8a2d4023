// A job through the REAL local queue and the Worker's own queue() handler: submitted (row first,
// then a signed message on JOBS), delivered by miniflare, claimed, fetched from the synthetic ACE,
// stored in R2 and marked succeeded; the stored result equals the direct read path's data.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { resultKey } from '../../src/jobs/consumer.ts';
import { decodeFrames, RESULT_ENCODING } from '../../src/jobs/result-format.ts';
import { createJobSubmitter } from '../../src/jobs/submit.ts';
import { createServices } from '../../src/services.ts';

const D0 = Date.UTC(2026, 0, 20);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 2)
  .map((p) => p.point.name);

describe('a job through the local queue', () => {
  it('is delivered to queue(), runs once and stores the same data the read path serves', async () => {
    const services = createServices(env, createExecutionContext());
    const submitter = createJobSubmitter({
      store: services.jobStore,
      queues: { normal: env.JOBS, high: env.JOBS_HIGH },
      signingKey: services.config.queueSigningKey,
      clock: services.clock,
      log: services.log,
    });
    const request = { points: names, start: D0, end: D0 + 6 * 3_600_000 };
    const submitted = await submitter.submit({
      principal: 'e'.repeat(64),
      site: 'demo-small',
      requestKey: `e2e-${crypto.randomUUID()}`,
      request,
      priority: 'normal',
      maxAttempts: 6,
      estimatedSamples: null,
    });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.error.kind}`);
    const id = submitted.value.job.id;

    let status = submitted.value.job.status as string;
    for (let i = 0; i < 100 && !['succeeded', 'failed', 'dead', 'cancelled'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const job = await services.jobStore.get(id, 'e'.repeat(64));
      status = job.ok && job.value ? job.value.status : status;
    }
    expect(status).toBe('succeeded');

    const object = await env.CACHE.get(resultKey(id, 1));
    expect(object?.customMetadata?.encoding).toBe(RESULT_ENCODING);
    const stored = await decodeFrames(new Uint8Array(await (object as R2ObjectBody).arrayBuffer()));
    const direct = await services.ace.fetchTimeseries(
      { site: 'demo-small', points: [...names].sort(), startMs: request.start, endMs: request.end },
      { token: 'spec-direct-token' },
    );
    if (!direct.ok) throw new Error('direct fetch failed');
    const byPoint = (s: { point: string; t: number[]; v: number[] }[]) =>
      Object.fromEntries(s.map((x) => [x.point, { t: x.t, v: x.v }]));
    expect(byPoint(stored ?? [])).toEqual(byPoint(direct.value.series));
  });
});
