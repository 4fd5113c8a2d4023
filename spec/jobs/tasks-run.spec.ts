// Jobs of any size (issue 15): a job larger than one task runs as a chain of tasks, each its own
// signed queue message and invocation, each resuming where the last ended and writing its own
// part; the parts read back, in order, as exactly the direct data. Real D1, R2 and Queues; the
// real submitter sends each next task's message; only ACE is mocked.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { type AceClient, createAceClient } from '../../src/ace/client.ts';
import { createAceUpstream } from '../../src/ace/resilience.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { FORMATS } from '../../src/encoding/codec.ts';
import { LAYOUTS } from '../../src/encoding/layout.ts';
import { err } from '../../src/errors.ts';
import { createJobConsumer, resultPrefix } from '../../src/jobs/consumer.ts';
import { createJobMaintenance } from '../../src/jobs/maintenance.ts';
import { signMessage } from '../../src/jobs/messages.ts';
import { createJobResults } from '../../src/jobs/results.ts';
import { createJobStore, type Job } from '../../src/jobs/store.ts';
import { createJobSubmitter } from '../../src/jobs/submit.ts';
import { createTaskStore, type TaskStore } from '../../src/jobs/task-store.ts';
import { createLogger } from '../../src/obs/log.ts';
import { ACE_TEST_BASE, ACE_TEST_TOKEN, aceMock } from '../support/ace.ts';
import { drainRejections, newJob, recordingQueue } from '../support/builders.ts';
import { expectResultsConsistent } from '../support/consistency.ts';
import { answerOf, readResult } from '../support/job-results.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 0, 12);
const NOW = Date.UTC(2026, 1, 10, 15, 30);
const KEY = 'spec-tasks-signing-key';
const QUEUE = 'vitals-edge-jobs';
const clock: Clock = { now: () => NOW };
const log = createLogger({}, () => {});
const db = createDb({ db: env.DB, log });
const store = createJobStore({ db, clock, ids: randomId });
const tasks = createTaskStore({ db, clock });
const POINTS = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 12)
  .map((p) => p.point.name);

let sentTotal = 0;
const normal = recordingQueue(env.JOBS, () => sentTotal++);
const submitter = createJobSubmitter({
  store,
  queues: { normal: normal.queue, high: recordingQueue(env.JOBS_HIGH, () => sentTotal++).queue },
  signingKey: KEY,
  clock,
  log,
});
// The messages this file's key signed also reach the Worker's own consumer, which refuses them.
afterAll(() => drainRejections(() => sentTotal));

function aceClient(): AceClient {
  return createAceClient({
    baseUrl: ACE_TEST_BASE,
    fetch: (input, init) => fetch(input, init),
    clock,
    log,
    upstream: createAceUpstream({ clock, breakerThreshold: 1_000 }),
    timeoutMs: 5_000,
    maxPages: 10_000,
    maxBytes: 64 * 1024 * 1024,
    retries: 0,
  });
}

/** Consumer of one-day slices and tasks of `taskDays` days (30,000 samples over 3 days: 10,000 a day). */
function consumer(taskDays: number, onFetched?: (startMs: number) => void, taskStore: TaskStore = tasks) {
  return createJobConsumer({
    store,
    tasks: taskStore,
    continueJob: (job) => submitter.continue(job),
    ace: aceClient(),
    bucket: env.CACHE,
    signingKey: KEY,
    serviceToken: ACE_TEST_TOKEN,
    clock,
    log,
    // Readable long past this file's fixed clock: the consistency check reads with the real one.
    resultTtlMs: 3_650 * DAY,
    random: () => 0.5,
    sliceMaxSamples: 10_000,
    taskMaxSamples: taskDays * 10_000,
    ...(onFetched ? { onFetched: (o: { startMs: number }) => onFetched(o.startMs) } : {}),
  });
}

/** A job over `days` days estimated at 10,000 samples a day (by default over the 12 points). */
async function created(days: number, points: string[] = POINTS, densities?: number[]): Promise<Job> {
  const made = await store.create(
    newJob({
      request: {
        points,
        start: D0,
        end: D0 + days * DAY,
        interval: 'raw',
        layout: 'columns',
        ...(densities ? { densities } : {}),
      },
      estimatedSamples: days * 10_000,
      maxAttempts: 3,
    }),
  );
  if (!made.ok) throw new Error(made.error.kind);
  return made.value.job;
}

async function reload(job: Job): Promise<Job> {
  const got = await store.get(job.id, job.principal);
  if (!got.ok || got.value === null) throw new Error('job vanished');
  return got.value;
}

/** Delivers one message; whether it was acked (else retried). */
async function deliver(
  c: ReturnType<typeof consumer>,
  body: unknown,
  attempts = 1,
): Promise<'ack' | 'retry'> {
  const batch = createMessageBatch(QUEUE, [{ id: randomId(), timestamp: new Date(NOW), attempts, body }]);
  const ctx = createExecutionContext();
  await c.handleBatch(batch);
  const result = await getQueueResult(batch, ctx);
  return result.explicitAcks.length === 1 ? 'ack' : 'retry';
}

/** The next-task messages sent since `from` (the index of the first), for `job`. */
const sentFor = (job: Job, from: number) =>
  normal.sent.slice(from).filter((b) => (b as { job_id: string }).job_id === job.id);

async function direct(days: number, points: string[] = POINTS) {
  const got = await aceClient().fetchTimeseries(
    { site: 'demo-small', points, startMs: D0, endMs: D0 + days * DAY },
    { token: ACE_TEST_TOKEN },
  );
  if (!got.ok) throw new Error(got.error.kind);
  return got.value.series;
}

const results = createJobResults({ store, tasks, bucket: env.CACHE, clock, log });
const parts = async (job: Job) => (await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects.length;

describe('a job of several tasks', () => {
  it('runs as one message per batch of points, each resuming at the next; the parts read back as the direct data', async () => {
    // 30,000 samples over 12 points: 2,500 a point, 4 points to a task of 10,000 over the 3 days.
    const job = await created(3);
    const fetched: number[] = [];
    const c = consumer(1, (startMs) => fetched.push(startMs));
    const mark = normal.sent.length;
    expect(await deliver(c, await signMessage(job.id, NOW, KEY))).toBe('ack');
    const first = await reload(job);
    expect(first).toMatchObject({
      status: 'queued',
      attempts: 0,
      tasks: { done: 1, total: 3 },
      resume: { point: 4, ms: null },
    });
    expect(first.progress.percent).toBeCloseTo(100 / 3, 5);

    let next = sentFor(job, mark);
    expect(next).toHaveLength(1);
    expect(await deliver(c, next[0])).toBe('ack');
    expect((await reload(job)).tasks).toEqual({ done: 2, total: 3 });
    next = sentFor(job, mark);
    expect(next).toHaveLength(2);
    expect(await deliver(c, next[1])).toBe('ack');

    const done = await reload(job);
    expect(done).toMatchObject({ status: 'succeeded', tasks: { done: 3, total: 3 } });
    expect(done.result?.key).toBe(resultPrefix(job.id));
    expect(fetched).toEqual([D0, D0, D0]);
    expect(sentFor(job, mark)).toHaveLength(2);
    expect(await parts(job)).toBe(3);

    const truth = await direct(3);
    const read = await readResult(results, job);
    if (!read.ok) throw new Error(read.error.kind);
    expect(read.value).toEqual(truth);
    const samples = truth.reduce((n, s) => n + s.t.length, 0);
    expect(done.result?.samples).toBe(samples);
    expect(done.progress.samples).toBe(samples);
    await expectResultsConsistent();
  });

  it('batches by the densities the job keeps: fewer dense points to a task, more sparse ones', async () => {
    // 30,000 samples shared 2:2:2:1:…:1 (15 parts of 2,000): 4,000 for each of the first three
    // points, 2,000 for the nine others. Tasks of ≤ 10,000: [p0 p1], [p2 … p5], [p6 … p10], [p11].
    const job = await created(3, POINTS, [2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const c = consumer(1);
    const mark = normal.sent.length;
    const resumes: unknown[] = [];
    let body: unknown = await signMessage(job.id, NOW, KEY);
    for (let task = 0; task < 4; task++) {
      expect(await deliver(c, body)).toBe('ack');
      const now = await reload(job);
      resumes.push(now.status === 'succeeded' ? 'succeeded' : now.resume);
      body = sentFor(job, mark)[task];
    }
    expect(resumes).toEqual([
      { point: 2, ms: null },
      { point: 6, ms: null },
      { point: 11, ms: null },
      'succeeded',
    ]);
    const read = await readResult(results, await reload(job));
    if (!read.ok) throw new Error(read.error.kind);
    expect(read.value).toEqual(await direct(3));
    await expectResultsConsistent();
  });

  it('runs each task once when messages are duplicated: extra ones find nothing left to claim', async () => {
    const job = await created(3);
    const fetched: number[] = [];
    const c = consumer(1, (startMs) => fetched.push(startMs));
    const mark = normal.sent.length;
    const original = await signMessage(job.id, NOW, KEY);
    // Every message ever sent for the job is delivered twice, until none is left.
    const pending: unknown[] = [original, original];
    let seen = 0;
    let delivered = 0;
    while (pending.length > 0) {
      expect(await deliver(c, pending.shift())).toBe('ack');
      delivered++;
      const all = sentFor(job, mark);
      for (const body of all.slice(seen)) pending.push(body, body);
      seen = all.length;
      expect(delivered).toBeLessThan(20);
    }
    expect((await reload(job)).status).toBe('succeeded');
    expect(fetched).toEqual([D0, D0, D0]);
    const read = await readResult(results, job);
    expect(read.ok && read.value).toEqual(await direct(3));
  });

  it('retries a failed task on its own, never redoing the tasks done, and says which task failed', async () => {
    const job = await created(3);
    const fetched: number[] = [];
    const c = consumer(1, (startMs) => fetched.push(startMs));
    const mark = normal.sent.length;
    expect(await deliver(c, await signMessage(job.id, NOW, KEY))).toBe('ack');
    const second = sentFor(job, mark)[0];
    aceMock.setFaults({ status: 503 });
    expect(await deliver(c, second)).toBe('retry');
    aceMock.clearFaults();
    const retrying = await reload(job);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, tasks: { done: 1, total: 3 } });
    expect(retrying.error?.message).toMatch(/^task 2 of 3: /);
    // Queues redelivers the same message: it claims the job again and runs task 2.
    expect(await deliver(c, second, 2)).toBe('ack');
    expect((await reload(job)).tasks.done).toBe(2);
    expect(await deliver(c, sentFor(job, mark)[1])).toBe('ack');
    expect((await reload(job)).status).toBe('succeeded');
    expect(fetched).toEqual([D0, D0, D0]);
    await expectResultsConsistent();
  });

  it('splits a point whose window alone is over the task limit in time, point after point', async () => {
    // 2 points at 5,000 samples a day each, 15,000 over the window, over a task's 10,000: each is
    // read alone, in slices of 2 days (10,000) and then 1, each slice a task.
    const two = POINTS.slice(0, 2);
    const job = await created(3, two);
    const fetched: number[] = [];
    const c = consumer(1, (startMs) => fetched.push(startMs));
    const mark = normal.sent.length;
    expect(await deliver(c, await signMessage(job.id, NOW, KEY))).toBe('ack');
    const first = await reload(job);
    expect(first).toMatchObject({ tasks: { done: 1, total: 4 }, resume: { point: 0, ms: D0 + 2 * DAY } });
    for (let i = 0; i < 3; i++) expect(await deliver(c, sentFor(job, mark)[i])).toBe('ack');
    expect(await reload(job)).toMatchObject({ status: 'succeeded', tasks: { done: 4, total: 4 } });
    expect(fetched).toEqual([D0, D0 + 2 * DAY, D0, D0 + 2 * DAY]);
    // Every layout and format, written series by series from the four parts: the direct data.
    const truth = await direct(3, two);
    for (const layout of LAYOUTS) {
      for (const format of FORMATS) {
        const answer = await answerOf(results, job, layout, format);
        expect(answer.ok && answer.value.filter((s) => s.t.length > 0)).toEqual(truth);
      }
    }
    await expectResultsConsistent();
  });
});

describe('a part D1 cannot record', () => {
  it('is deleted, and the task retried like any transient failure', async () => {
    const job = await created(3);
    const failing: TaskStore = {
      ...tasks,
      advance: async () => err({ kind: 'db_error', message: 'injected' }),
    };
    expect(await deliver(consumer(1, undefined, failing), await signMessage(job.id, NOW, KEY))).toBe('retry');
    const retrying = await reload(job);
    expect(retrying).toMatchObject({ status: 'retrying', tasks: { done: 0 } });
    expect(retrying.error?.message).toMatch(/^task 1 of 3: /);
    expect(await parts(job)).toBe(0);
  });
});

describe('a dead job of several tasks, replayed', () => {
  it('resumes at the task that died, keeping the parts done, and ends with the direct data', async () => {
    const job = await created(3);
    const fetched: number[] = [];
    const c = consumer(1, (startMs) => fetched.push(startMs));
    const mark = normal.sent.length;
    expect(await deliver(c, await signMessage(job.id, NOW, KEY))).toBe('ack');
    // Task 2's message runs out of deliveries: the DLQ buries the job, naming the task.
    const dlq = createMessageBatch('vitals-edge-jobs-dlq', [
      { id: randomId(), timestamp: new Date(NOW), attempts: 1, body: sentFor(job, mark)[0] },
    ]);
    await c.handleBatch(dlq);
    const dead = await reload(job);
    expect(dead.status).toBe('dead');
    expect(dead.error?.message).toMatch(/\(task 2 of 3\)$/);
    expect(await parts(job)).toBe(1);

    const replayed = await submitter.replay(job.id);
    expect(replayed.ok && replayed.value).toMatchObject({ status: 'queued', tasks: { done: 1, total: 3 } });
    // The replay's message runs task 2, whose end sends task 3's.
    expect(await deliver(c, sentFor(job, mark).at(-1))).toBe('ack');
    expect((await reload(job)).tasks.done).toBe(2);
    expect(await deliver(c, sentFor(job, mark).at(-1))).toBe('ack');
    const done = await reload(job);
    expect(done.status).toBe('succeeded');
    expect(fetched).toEqual([D0, D0, D0]);
    const read = await readResult(results, job);
    expect(read.ok && read.value).toEqual(await direct(3));
    await expectResultsConsistent();
  });
});

describe('cancelling a job of several tasks', () => {
  it('between tasks: cancelled at once, the next message runs nothing, the maintenance pass deletes its parts', async () => {
    const job = await created(3);
    const fetched: number[] = [];
    const c = consumer(1, (startMs) => fetched.push(startMs));
    const mark = normal.sent.length;
    expect(await deliver(c, await signMessage(job.id, NOW, KEY))).toBe('ack');
    const cancelled = await store.requestCancel(job.id, job.principal);
    expect(cancelled.ok && cancelled.value.status).toBe('cancelled');
    expect(await deliver(c, sentFor(job, mark)[0])).toBe('ack');
    expect(fetched).toEqual([D0]);
    expect(await parts(job)).toBe(1);
    const maintenance = createJobMaintenance({
      store,
      tasks,
      submitter,
      bucket: env.CACHE,
      clock,
      log,
      heartbeatTimeoutMs: 300_000,
    });
    const report = await maintenance.expireResults();
    expect(report.ok && report.value.discarded).toBeGreaterThanOrEqual(1);
    expect(await parts(job)).toBe(0);
    expect(await tasks.totals(job.id)).toEqual({ ok: true, value: { samples: 0, bytes: 0, pages: 0 } });
    const read = await readResult(results, job);
    expect(read.ok ? 'read' : read.error.kind).toBe('conflict');
  });

  it('while a task runs: it stops at its next page boundary, and no part of the job stays', async () => {
    // One point at 10,000 samples a day: tasks of two one-day slices; the cancel comes when the
    // second task's first slice is in.
    const job = await created(4, POINTS.slice(0, 1));
    const fetched: number[] = [];
    const c = consumer(2, (startMs) => {
      fetched.push(startMs);
      if (startMs === D0 + 2 * DAY) void store.requestCancel(job.id, job.principal);
    });
    const mark = normal.sent.length;
    expect(await deliver(c, await signMessage(job.id, NOW, KEY))).toBe('ack');
    expect((await reload(job)).tasks).toEqual({ done: 1, total: 2 });
    expect(await parts(job)).toBe(1);
    expect(await deliver(c, sentFor(job, mark)[0])).toBe('ack');
    const done = await reload(job);
    expect(done.status).toBe('cancelled');
    expect(done.result).toBeNull();
    // The fourth day was asked for (its first page is the boundary where the cancel is seen) but
    // never completed, and the part of the first task was deleted with the cancel.
    expect(fetched).toEqual([D0, D0 + DAY, D0 + 2 * DAY]);
    expect(await parts(job)).toBe(0);
    await expectResultsConsistent();
  });
});
