// Fault matrix, double faults (docs/RELIABILITY.md): the recovery step of a failure fails too. A
// job must still never be silently dropped: either something will run it again, or its row says
// why it stopped. Covers the submitter (send fails, then recording the failure fails) and the
// consumer (a permanent failure whose `failed` write fails: the reaper must pick the job up).
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { CRONS, runScheduled } from '../../src/cron/scheduled.ts';
import { principalOf } from '../../src/http/middleware/auth.ts';
import { signMessage } from '../../src/jobs/messages.ts';
import { createServices } from '../../src/services.ts';
import { harness } from '../http/harness.ts';
import {
  createFaultPlan,
  type D1Op,
  faultyD1Matching,
  faultyQueue,
  type QueueOp,
} from '../support/faults.ts';

const HOUR = 3_600_000;
const D0 = Date.UTC(2025, 4, 1);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 3)
  .map((p) => p.point.name);

/** The real queue, recording what was sent through it. */
function recording(real: Queue) {
  const sent: unknown[] = [];
  const queue = new Proxy(real, {
    get(target, prop) {
      if (prop === 'send') {
        return async (body: unknown, options?: QueueSendOptions) => {
          const r = await target.send(body, options);
          sent.push(body);
          return r;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { queue, sent };
}

const failWrites = () => {
  const plan = createFaultPlan<D1Op>();
  for (const op of ['first', 'run', 'all', 'batch'] as const)
    plan.set(op, { kind: 'error', message: 'injected' });
  return faultyD1Matching(env.DB, plan, /status = 'failed'/);
};

afterAll(async () => {
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM queue_jobs WHERE status = 'running'").first<{
      n: number;
    }>();
    if ((row?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

describe('double faults: the job is never silently dropped', () => {
  it('Queue send fails and recording enqueue_failed fails: a later identical submit still gets the job run', async () => {
    const token = `stuck-${crypto.randomUUID()}`;
    const body = JSON.stringify({ points: names, start: D0, end: D0 + 6 * HOUR });
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      prefer: 'respond-async',
    };
    const plan = createFaultPlan<QueueOp>();
    plan.set('send', { kind: 'error', message: 'injected queue fault' });
    const broken = harness({ env: { JOBS: faultyQueue(env.JOBS, plan), DB: failWrites() } });
    const first = await broken.fetch('/api/sites/demo-small/timeseries', { method: 'POST', headers, body });
    expect(first.status).toBe(503);

    // The client retries once everything is healthy again.
    const jobs = recording(env.JOBS);
    const healthy = harness({ env: { JOBS: jobs.queue } });
    const second = await healthy.fetch('/api/sites/demo-small/timeseries', { method: 'POST', headers, body });
    expect(second.status).toBe(202);
    const { job } = (await second.json()) as { job: { id: string } };
    // Either a message for that job was sent now, or nothing else will ever run it.
    const ids = jobs.sent.map((m) => (m as { job_id: string }).job_id);
    expect(ids).toContain(job.id);
  });

  it('a permanent failure whose `failed` write fails is acked, and the reaper takes the job back', async () => {
    const services = createServices(env, createExecutionContext());
    const made = await services.jobStore.create({
      principal: await principalOf(`stuck-${crypto.randomUUID()}`),
      site: 'demo-small',
      requestKey: crypto.randomUUID().replace(/-/g, ''),
      request: { points: names, start: D0, end: D0 + 6 * HOUR, interval: 'raw', layout: 'columns' },
      priority: 'normal',
      maxAttempts: 6,
      estimatedSamples: 2_000,
    });
    if (!made.ok) throw new Error('create failed');
    const id = made.value.job.id;
    // ACE refuses the service token (403: permanent), and the job's `failed` write fails.
    const ctx = createExecutionContext();
    const faulted = createServices(
      { ...env, ACE_SERVICE_TOKEN: 'forbidden-service-token', DB: failWrites() },
      ctx,
      {
        clock: { now: () => Date.now() },
        logSink: () => {},
      },
    );
    const message = await signMessage(id, Date.now(), services.config.queueSigningKey);
    const batch = createMessageBatch('vitals-edge-jobs', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: message },
    ]);
    await faulted.jobConsumer.handleBatch(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m1']);
    expect((await services.jobStore.get(id, made.value.job.principal)).ok).toBe(true);
    const row = () =>
      env.DB.prepare('SELECT status, error_code FROM queue_jobs WHERE id = ?')
        .bind(id)
        .first<{ status: string; error_code: string | null }>();
    expect((await row())?.status).toBe('running');

    // Past the heartbeat limit the reaper sends it back to retrying with a fresh message.
    await env.DB.prepare('UPDATE queue_jobs SET heartbeat_at = ? WHERE id = ?')
      .bind(Date.now() - HOUR, id)
      .run();
    const jobs = recording(env.JOBS);
    await runScheduled(
      CRONS.maintenance,
      createServices({ ...env, JOBS: jobs.queue }, createExecutionContext(), { logSink: () => {} }),
    );
    expect((await row())?.status).not.toBe('running');
    expect(jobs.sent.map((m) => (m as { job_id: string }).job_id)).toContain(id);
  });
});
