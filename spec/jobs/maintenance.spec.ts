// Specifies src/jobs/maintenance.ts against the real local D1, R2 and Queues: the reaper sends a
// stale running job back to retrying with a fresh signed message, marks one with no attempts left
// dead with exactly one dead letter, leaves fresh heartbeats alone; result expiry deletes the R2
// object before the job forgets it, and a failing delete forgets nothing.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createJobMaintenance, HEARTBEAT_LOST, REAPER_QUEUE } from '../../src/jobs/maintenance.ts';
import { verifyMessage } from '../../src/jobs/messages.ts';
import { createJobStore, type Job, type JobStore } from '../../src/jobs/store.ts';
import { createJobSubmitter } from '../../src/jobs/submit.ts';
import { createTaskStore } from '../../src/jobs/task-store.ts';
import { createLogger } from '../../src/obs/log.ts';
import { newJob, recordingQueue } from '../support/builders.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

const KEY = 'maintenance-spec-signing-key';
const TIMEOUT = 300_000;
const log = createLogger({}, () => {});

function setup(bucket: R2Bucket = env.CACHE) {
  // Far in the past, so the Worker's own consumer (system clock) treats these rows as foreign.
  let now = Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 1e9);
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const db = createDb({ db: env.DB, log });
  const store = createJobStore({ db, clock, ids: randomId });
  // A message this spec's key signs is refused by the Worker's own consumer (another key): harmless.
  const normal = recordingQueue(env.JOBS);
  const submitter = createJobSubmitter({
    store,
    queues: { normal: normal.queue, high: recordingQueue(env.JOBS_HIGH).queue },
    signingKey: KEY,
    clock,
    log,
  });
  const tasks = createTaskStore({ db, clock });
  const maintenance = createJobMaintenance({
    store,
    tasks,
    submitter,
    bucket,
    clock,
    log,
    heartbeatTimeoutMs: TIMEOUT,
  });
  return { store, tasks, clock, maintenance, normal };
}

async function running(store: JobStore, input = newJob({ maxAttempts: 2 })): Promise<Job> {
  const made = await store.create(input);
  if (!made.ok) throw new Error('create failed');
  const claimed = await store.claim(made.value.job.id);
  if (!claimed.ok) throw new Error('claim failed');
  return claimed.value;
}

async function statusOf(store: JobStore, job: Job) {
  const got = await store.get(job.id, job.principal);
  return got.ok ? got.value?.status : undefined;
}

describe('the reaper', () => {
  it('re-queues a stale running job with attempts left, with a fresh signed message', async () => {
    const { store, clock, maintenance, normal } = setup();
    const job = await running(store);
    clock.advance(TIMEOUT + 1);
    const report = await maintenance.reapStale();
    expect(report.ok && report.value.requeued).toBeGreaterThanOrEqual(1);
    expect(await statusOf(store, job)).toBe('retrying');
    const message = normal.sent.find((m) => (m as { job_id?: string }).job_id === job.id);
    const verified = await verifyMessage(message, KEY, clock.now());
    expect(verified.ok).toBe(true);
  });

  it('marks a stale job with no attempts left dead, with exactly one dead letter', async () => {
    const { store, clock, maintenance } = setup();
    const job = await running(store, newJob({ maxAttempts: 1 }));
    clock.advance(TIMEOUT + 1);
    const report = await maintenance.reapStale();
    expect(report.ok && report.value.dead).toBeGreaterThanOrEqual(1);
    expect(await statusOf(store, job)).toBe('dead');
    const letters = await env.DB.prepare('SELECT queue, error_code FROM dead_letters WHERE job_id = ?')
      .bind(job.id)
      .all<{ queue: string; error_code: string }>();
    expect(letters.results).toEqual([{ queue: REAPER_QUEUE, error_code: HEARTBEAT_LOST }]);
    // A second pass finds nothing more to do for it.
    await maintenance.reapStale();
    const again = await env.DB.prepare('SELECT count(*) AS n FROM dead_letters WHERE job_id = ?')
      .bind(job.id)
      .first<{ n: number }>();
    expect(again?.n).toBe(1);
  });

  it('cancels a stale job whose cancel was accepted while it ran, and sends no message', async () => {
    const { store, clock, maintenance, normal } = setup();
    const job = await running(store);
    expect((await store.requestCancel(job.id, job.principal)).ok).toBe(true);
    clock.advance(TIMEOUT + 1);
    const report = await maintenance.reapStale();
    expect(report.ok && report.value.cancelled).toBeGreaterThanOrEqual(1);
    expect(await statusOf(store, job)).toBe('cancelled');
    expect(normal.sent.some((m) => (m as { job_id?: string }).job_id === job.id)).toBe(false);
  });

  it('sends a message for a queued job whose message was never known sent, once per limit', async () => {
    const { store, clock, maintenance, normal } = setup();
    const made = await store.create(newJob());
    if (!made.ok) throw new Error('create failed');
    const job = made.value.job;
    const sentFor = () => normal.sent.filter((m) => (m as { job_id?: string }).job_id === job.id).length;
    await maintenance.reapStale();
    expect(sentFor()).toBe(0); // not stale yet
    clock.advance(TIMEOUT + 1);
    const report = await maintenance.reapStale();
    expect(report.ok && report.value.resent).toBeGreaterThanOrEqual(1);
    expect(sentFor()).toBe(1);
    const again = await maintenance.reapStale();
    expect(again.ok).toBe(true);
    expect(sentFor()).toBe(1); // recorded as sent: not sent again
  });

  it('leaves a job whose heartbeat is within the limit alone', async () => {
    const { store, clock, maintenance } = setup();
    const job = await running(store);
    clock.advance(TIMEOUT - 1);
    await maintenance.reapStale();
    expect(await statusOf(store, job)).toBe('running');
  });
});

describe('result expiry', () => {
  async function succeeded(store: JobStore, expiresAt: number) {
    const job = await running(store);
    const key = `results/${job.id}`;
    await env.CACHE.put(key, 'result bytes');
    const done = await store.succeed(job.id, { key, bytes: 12, samples: 1, expiresAt });
    if (!done.ok) throw new Error('succeed failed');
    return { job, key };
  }

  it('deletes an expired result from R2, then forgets it; an unexpired one stays', async () => {
    const { store, clock, maintenance } = setup();
    const expired = await succeeded(store, clock.now() - 1);
    const fresh = await succeeded(store, clock.now() + 60_000);
    const report = await maintenance.expireResults();
    expect(report.ok && report.value.expired).toBeGreaterThanOrEqual(1);
    expect(await env.CACHE.head(expired.key)).toBeNull();
    const got = await store.get(expired.job.id, expired.job.principal);
    expect(got.ok && got.value?.result).toBeNull();
    expect(await env.CACHE.head(fresh.key)).not.toBeNull();
  });

  it('keeps the key of a result whose delete failed, so the next pass retries it', async () => {
    const plan = createFaultPlan<R2Op>();
    const { store, clock, maintenance } = setup(faultyR2(env.CACHE, plan));
    const expired = await succeeded(store, clock.now() - 1);
    plan.set('delete', { kind: 'error' });
    const report = await maintenance.expireResults();
    expect(report.ok && report.value.failed).toBeGreaterThanOrEqual(1);
    const got = await store.get(expired.job.id, expired.job.principal);
    expect(got.ok && got.value?.result?.key).toBe(expired.key);
  });
});
