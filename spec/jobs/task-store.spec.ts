// The task store (src/jobs/task-store.ts) against real D1: a part is recorded, and the job moved
// past its task, only by the attempt that owns the task — never by a lost attempt, a stale task,
// a job not running or one whose cancel was requested — and the last part's success sums them all.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createJobStore, type Job } from '../../src/jobs/store.ts';
import { createTaskStore, type TaskOwner } from '../../src/jobs/task-store.ts';
import { createLogger } from '../../src/obs/log.ts';
import { newJob } from '../support/builders.ts';

const NOW = Date.UTC(2026, 1, 10);
const clock: Clock = { now: () => NOW };
const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
const store = createJobStore({ db, clock, ids: randomId });
const tasks = createTaskStore({ db, clock });
const progress = { pages: 3, samples: 100, bytes: 2_000, percent: 50 };
const part = (key: string, samples = 100, points = { from: 0, count: 2 }) => ({
  key,
  points,
  bytes: 10,
  samples,
  pages: 3,
  upstreamBytes: 1_000,
});

/** A job claimed once: running, attempts 1, task 0. */
async function running(): Promise<Job> {
  const made = await store.create(newJob({ maxAttempts: 3 }));
  if (!made.ok) throw new Error(made.error.kind);
  const claimed = await store.claim(made.value.job.id);
  if (!claimed.ok) throw new Error(claimed.error.kind);
  return claimed.value;
}

const ownerOf = (job: Job): TaskOwner => ({ id: job.id, attempts: job.attempts, task: job.tasks.done });
const rows = async (jobId: string) =>
  (
    await env.DB.prepare('SELECT task, result_key FROM job_task_results WHERE job_id = ? ORDER BY task')
      .bind(jobId)
      .all<{ task: number; result_key: string }>()
  ).results;

describe('task store', () => {
  it('records the owner’s part and yields the job to its next task', async () => {
    const job = await running();
    const moved = await tasks.advance(ownerOf(job), part('p0'), {
      resume: { point: 2, ms: null },
      tasksTotal: 4,
      progress,
    });
    expect(moved.ok && moved.value).toMatchObject({
      status: 'queued',
      attempts: 0,
      tasks: { done: 1, total: 4 },
      resume: { point: 2, ms: null },
      enqueuedAt: null,
      progress,
    });
    expect(await rows(job.id)).toEqual([{ task: 0, result_key: 'p0' }]);
  });

  it.each<[string, (job: Job) => TaskOwner]>([
    ['a lost attempt', (job) => ({ ...ownerOf(job), attempts: job.attempts + 1 })],
    ['a task already done', (job) => ({ ...ownerOf(job), task: job.tasks.done + 1 })],
  ])('records nothing for %s', async (_, owner) => {
    const job = await running();
    const moved = await tasks.advance(owner(job), part('lost'), {
      resume: { point: 2, ms: null },
      tasksTotal: 2,
      progress,
    });
    expect(moved).toEqual({ ok: true, value: null });
    const finished = await tasks.finish(owner(job), part('lost'), {
      resultKey: 'r/',
      expiresAt: NOW,
    });
    expect(finished).toEqual({ ok: true, value: null });
    expect(await rows(job.id)).toEqual([]);
    expect((await store.get(job.id, job.principal)).ok).toBe(true);
    const after = await store.get(job.id, job.principal);
    expect(after.ok && after.value?.status).toBe('running');
  });

  it('records nothing once a cancel was requested, nor for a job that is not running', async () => {
    const job = await running();
    await store.requestCancel(job.id, job.principal);
    expect(
      await tasks.advance(ownerOf(job), part('x'), {
        resume: { point: 2, ms: null },
        tasksTotal: 2,
        progress,
      }),
    ).toEqual({
      ok: true,
      value: null,
    });
    const queued = await store.create(newJob({ maxAttempts: 3 }));
    if (!queued.ok) throw new Error(queued.error.kind);
    const q = queued.value.job;
    expect(
      await tasks.advance(ownerOf(q), part('y'), { resume: { point: 2, ms: null }, tasksTotal: 2, progress }),
    ).toEqual({
      ok: true,
      value: null,
    });
    expect([...(await rows(job.id)), ...(await rows(q.id))]).toEqual([]);
  });

  it('finishes with every part: samples and bytes summed, the parts listed in task order', async () => {
    let job = await running();
    const moved = await tasks.advance(ownerOf(job), part('p0', 40), {
      resume: { point: 2, ms: null },
      tasksTotal: 2,
      progress,
    });
    if (!moved.ok || moved.value === null) throw new Error('advance refused');
    const again = await store.claim(job.id);
    if (!again.ok) throw new Error(again.error.kind);
    job = again.value;
    expect(job).toMatchObject({ attempts: 1, tasks: { done: 1, total: 2 } });
    const done = await tasks.finish(ownerOf(job), part('p1', 60, { from: 2, count: 1 }), {
      resultKey: 'r/',
      expiresAt: NOW + 1,
    });
    expect(done.ok && done.value).toMatchObject({
      status: 'succeeded',
      tasks: { done: 2, total: 2 },
      result: { key: 'r/', bytes: 20, samples: 100, expiresAt: NOW + 1 },
      // Progress counts what was read from ACE; the result, what is stored.
      progress: { samples: 100, bytes: 2_000, pages: 6, percent: 100 },
    });
    expect(await tasks.parts(job.id, 2)).toEqual({
      ok: true,
      value: [
        { key: 'p0', points: { from: 0, count: 2 }, samples: 40 },
        { key: 'p1', points: { from: 2, count: 1 }, samples: 60 },
      ],
    });
    expect(await tasks.totals(job.id)).toEqual({ ok: true, value: { samples: 100, bytes: 2_000, pages: 6 } });
    // A part missing below the count is refused, never read as a shorter result.
    expect((await tasks.parts(job.id, 3)).ok).toBe(false);
  });

  it('says which task ran out of deliveries when the DLQ buries a job of several tasks', async () => {
    const job = await running();
    await tasks.advance(ownerOf(job), part('p0'), {
      resume: { point: 2, ms: null },
      tasksTotal: 3,
      progress,
    });
    const dead = await store.markDead(job.id, {
      code: 'retries_exhausted',
      message: 'out of deliveries',
      queue: 'dlq',
    });
    expect(dead.ok && dead.value.error).toEqual({
      code: 'retries_exhausted',
      message: 'out of deliveries (task 2 of 3)',
    });
    const single = await running();
    const buried = await store.markDead(single.id, {
      code: 'retries_exhausted',
      message: 'out',
      queue: 'dlq',
    });
    expect(buried.ok && buried.value.error?.message).toBe('out');
  });
});
