// Specifies src/jobs/submit.ts with the real local D1 and the real local queue bindings (JOBS,
// JOBS_HIGH), each behind a recording wrapper that can make send throw: row first, a signed
// message to the priority's queue, no second message for an identical job, enqueue_failed on error.
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { verifyMessage } from '../../src/jobs/messages.ts';
import { createJobStore, type NewJob } from '../../src/jobs/store.ts';
import { createJobSubmitter, ENQUEUE_FAILED } from '../../src/jobs/submit.ts';
import { createLogger, type LogLevel } from '../../src/obs/log.ts';
import { drainRejections, newJob, recordingQueue } from '../support/builders.ts';

const T0 = Date.UTC(2026, 10, 1);
const KEY = 'spec-submit-signing-key';

/** Every message really sent by this file: the Worker's queue() handler receives them too. */
let sentInFile = 0;
const tally = () => {
  sentInFile++;
};

// The real local queue delivers these messages to the Worker's queue() handler, which refuses them
// (signed with this file's key, dated T0) and records a rejection: wait for that before the file's
// runtime is torn down, so no delivery is still logging when vitest closes it.
afterAll(() => drainRejections(() => sentInFile), 30_000);

function setup() {
  const clock: Clock = { now: () => T0 };
  const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
  const store = createJobStore({ db, clock, ids: randomId });
  const normal = recordingQueue(env.JOBS, tally);
  const high = recordingQueue(env.JOBS_HIGH, tally);
  const lines: { level: LogLevel; line: Record<string, unknown> }[] = [];
  const log = createLogger({}, (level, line) => lines.push({ level, line }));
  const submitter = createJobSubmitter({
    store,
    queues: { normal: normal.queue, high: high.queue },
    signingKey: KEY,
    clock,
    log,
  });
  return { store, normal, high, submitter, lines };
}

/** A job of this file: an estimate large enough for a job (the submitter does not route). */
const jobOf = (overrides: Partial<NewJob> = {}): NewJob =>
  newJob({ estimatedSamples: 5_000_000, ...overrides });

describe('job submitter', () => {
  it('writes a queued job and sends one signed message to the normal queue', async () => {
    const { submitter, store, normal, high } = setup();
    const input = jobOf();
    const result = await submitter.submit(input);
    if (!result.ok) throw new Error(result.error.kind);
    expect(result.value.created).toBe(true);
    expect(result.value.job.status).toBe('queued');
    expect(high.sent).toHaveLength(0);
    expect(normal.sent).toHaveLength(1);
    const verified = await verifyMessage(normal.sent[0], KEY, T0);
    expect(verified).toMatchObject({ ok: true, message: { job_id: result.value.job.id, issued_at: T0 } });
    // Only ids and a signature: no request, no principal.
    expect(Object.keys(normal.sent[0] as object).sort()).toEqual(['issued_at', 'job_id', 'sig', 'v']);
    const stored = await store.get(result.value.job.id, input.principal);
    expect(stored.ok ? stored.value?.status : null).toBe('queued');
  });

  it('sends high-priority jobs to JOBS_HIGH', async () => {
    const { submitter, normal, high } = setup();
    const result = await submitter.submit(jobOf({ priority: 'high' }));
    expect(result.ok).toBe(true);
    expect(normal.sent).toHaveLength(0);
    expect(high.sent).toHaveLength(1);
  });

  it('an identical active request returns the existing job without sending again', async () => {
    const { submitter, normal } = setup();
    const input = jobOf();
    const first = await submitter.submit(input);
    const second = await submitter.submit(input);
    if (!first.ok || !second.ok) throw new Error('submit failed');
    expect(second.value).toEqual({ job: first.value.job, created: false });
    expect(normal.sent).toHaveLength(1);
  });

  it('a failed send marks the job failed (enqueue_failed) and returns unavailable', async () => {
    const { submitter, store, normal, lines } = setup();
    normal.failing = true;
    const input = jobOf();
    const result = await submitter.submit(input);
    expect(result.ok ? null : result.error).toEqual({
      kind: 'unavailable',
      message: 'the job queue is unavailable',
      dependency: 'queue',
    });
    expect(lines.some((l) => l.level === 'error' && l.line.event === 'jobs.enqueue_failed')).toBe(true);
    // Never left queued, and the request can be submitted again once the queue is back.
    normal.failing = false;
    const retried = await submitter.submit(input);
    if (!retried.ok) throw new Error(retried.error.kind);
    expect(retried.value.created).toBe(true);
    const stored = await store.get(retried.value.job.id, input.principal);
    expect(stored.ok ? stored.value?.status : null).toBe('queued');
    expect(normal.sent).toHaveLength(1);
  });

  it('the failed job records why', async () => {
    const { submitter, store, high } = setup();
    high.failing = true;
    const input = jobOf({ priority: 'high' });
    const result = await submitter.submit(input);
    expect(result.ok).toBe(false);
    // The failed row is no longer active, so an identical request makes a new job beside it.
    const again = await store.create(input);
    if (!again.ok) throw new Error(again.error.kind);
    expect(again.value.created).toBe(true);
    const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
    const failed = await db.first<{ status: string; error_code: string }>('spec.failed', {
      sql: 'SELECT status, error_code FROM queue_jobs WHERE principal = ? AND id <> ?',
      params: [input.principal, again.value.job.id],
    });
    expect(failed.ok ? failed.value : null).toEqual({ status: 'failed', error_code: ENQUEUE_FAILED });
  });
});

describe('job submitter: replay', () => {
  async function deadJob(store: ReturnType<typeof setup>['store'], input: NewJob) {
    const made = await store.create(input);
    if (!made.ok) throw new Error(made.error.kind);
    const dead = await store.markDead(made.value.job.id, {
      code: 'x',
      message: 'x',
      queue: 'vitals-edge-jobs-dlq',
    });
    if (!dead.ok) throw new Error(dead.error.kind);
    return dead.value;
  }

  it('re-queues a dead job and sends a fresh signed message to its priority queue', async () => {
    const { submitter, store, high, normal } = setup();
    const job = await deadJob(store, jobOf({ priority: 'high' }));
    const replayed = await submitter.replay(job.id);
    expect(replayed.ok ? replayed.value.status : replayed.error).toBe('queued');
    expect(normal.sent).toHaveLength(0);
    expect(high.sent).toHaveLength(1);
    expect(await verifyMessage(high.sent[0], KEY, T0)).toMatchObject({
      ok: true,
      message: { job_id: job.id },
    });
  });

  it('a job that is not dead is a conflict and sends nothing', async () => {
    const { submitter, normal } = setup();
    const submitted = await submitter.submit(jobOf());
    if (!submitted.ok) throw new Error(submitted.error.kind);
    const replayed = await submitter.replay(submitted.value.job.id);
    expect(replayed.ok ? null : replayed.error.kind).toBe('conflict');
    expect(normal.sent).toHaveLength(1);
  });

  it('a failed send leaves the replayed job failed, not queued', async () => {
    const { submitter, store, normal } = setup();
    const input = jobOf();
    const job = await deadJob(store, input);
    normal.failing = true;
    const replayed = await submitter.replay(job.id);
    expect(replayed.ok ? null : replayed.error.kind).toBe('unavailable');
    const stored = await store.get(job.id, input.principal);
    expect(stored.ok ? stored.value?.error?.code : null).toBe(ENQUEUE_FAILED);
    expect(stored.ok ? stored.value?.status : null).toBe('failed');
  });
});
