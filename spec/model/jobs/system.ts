// The real system the job model is compared with (spec/model/jobs.model.spec.ts): the REAL D1
// store, submitter, consumer and reaper, with Queues simulated as Cloudflare runs it (each delivery
// a createMessageBatch through handleBatch, acks and retries read back with getQueueResult) and
// only ACE mocked (msw); the invariants checked after every command, and the drain to terminal.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { type AceClient, createAceClient } from '../../../src/ace/client.ts';
import { createAceUpstream } from '../../../src/ace/resilience.ts';
import { type Clock, randomId } from '../../../src/clock.ts';
import { createDb } from '../../../src/db/d1.ts';
import { createJobConsumer, type JobConsumer } from '../../../src/jobs/consumer.ts';
import { createJobMaintenance, type JobMaintenance } from '../../../src/jobs/maintenance.ts';
import type { SignedJobMessage } from '../../../src/jobs/messages.ts';
import { isTerminal, type JobStatus } from '../../../src/jobs/state.ts';
import { createJobStore, type JobPriority, type JobStore } from '../../../src/jobs/store.ts';
import { createJobSubmitter, type JobSubmitter } from '../../../src/jobs/submit.ts';
import { createTaskStore } from '../../../src/jobs/task-store.ts';
import { createLogger } from '../../../src/obs/log.ts';
import { ACE_TEST_BASE, ACE_TEST_TOKEN, aceMock } from '../../support/ace.ts';
import { recordingQueue } from '../../support/builders.ts';
import {
  type AceOutcome,
  type Decision,
  DLQ,
  HEARTBEAT_TIMEOUT_MS,
  HOUR,
  type InFlight,
  type JobsModel,
  jobOf,
  MAX_ATTEMPTS,
  MAX_RETRIES,
  type ModelJob,
  modelBury,
  modelConsume,
  platformSettle,
  QUEUE_OF,
  T0,
  TASKS,
} from './model.ts';

/** Not the Worker's key: the real queues also deliver these sends to the Worker, which refuses them. */
const KEY = 'spec-model-signing-key';
const silent = createLogger({}, () => {});
const db = createDb({ db: env.DB, log: silent });

/** How many messages this module's runs sent to the real queues: the Worker's queue() refuses each. */
let sentToQueues = 0;
export const sentSoFar = () => sentToQueues;

// ---- The real system ---------------------------------------------------------------------------

export interface JobsReal {
  clock: Clock & { advance(ms: number): void };
  store: JobStore;
  submitter: JobSubmitter;
  consumer: JobConsumer;
  /** A consumer whose invocation dies after the first ACE page: the job's heartbeat stops. */
  crashing: JobConsumer;
  /** The cron's job passes: the reaper. */
  maintenance: JobMaintenance;
  /** Every message the submitter sent in this run, in order. */
  sent: { priority: JobPriority; body: SignedJobMessage }[];
}

export function aceClientFor(clock: Clock): AceClient {
  return createAceClient({
    baseUrl: ACE_TEST_BASE,
    fetch: (input, init) => fetch(input, init),
    clock,
    log: silent,
    upstream: createAceUpstream({ clock, breakerThreshold: 1_000_000 }),
    timeoutMs: 5_000,
    maxPages: 10_000,
    maxBytes: 64 * 1024 * 1024,
    retries: 0,
  });
}

/** The real store, except that a heartbeat kills the invocation (as an eviction or a CPU limit would). */
export function dyingAtHeartbeat(store: JobStore): JobStore {
  return {
    ...store,
    heartbeat: () => Promise.reject(new Error('the invocation died mid-run')),
  };
}

export function consumerOf(
  store: JobStore,
  clock: Clock,
  ace: AceClient,
  submitter: JobSubmitter,
): JobConsumer {
  return createJobConsumer({
    store,
    tasks: createTaskStore({ db, clock }),
    continueJob: (job) => submitter.continue(job),
    // Half a job's estimate (1,000 over its two points): each point is a task (model.ts TASKS).
    taskMaxSamples: 500,
    ace,
    bucket: env.CACHE,
    signingKey: KEY,
    serviceToken: ACE_TEST_TOKEN,
    clock,
    log: silent,
    resultTtlMs: 24 * HOUR,
    random: () => 0.5,
  });
}

export function freshRun(): { model: JobsModel; real: JobsReal } {
  let now = T0;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const store = createJobStore({ db, clock, ids: randomId });
  const sent: JobsReal['sent'] = [];
  const record = (priority: JobPriority, body: unknown) => {
    sent.push({ priority, body: body as SignedJobMessage });
    sentToQueues++;
  };
  const submitter = createJobSubmitter({
    store,
    queues: {
      normal: recordingQueue(env.JOBS, (body) => record('normal', body)).queue,
      high: recordingQueue(env.JOBS_HIGH, (body) => record('high', body)).queue,
    },
    signingKey: KEY,
    clock,
    log: silent,
  });
  const ace = aceClientFor(clock);
  aceMock.reset();
  return {
    model: { run: randomId().slice(0, 8), now: T0, jobs: [], inFlight: [], requests: [] },
    real: {
      clock,
      store,
      submitter,
      consumer: consumerOf(store, clock, ace, submitter),
      crashing: consumerOf(dyingAtHeartbeat(store), clock, ace, submitter),
      maintenance: createJobMaintenance({
        store,
        tasks: createTaskStore({ db, clock }),
        submitter,
        bucket: env.CACHE,
        clock,
        log: silent,
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      }),
      sent,
    },
  };
}

/** Runs one batch through a real consumer; each message's decision as getQueueResult reports it. */
export async function deliverBatch(
  consumer: JobConsumer,
  queue: string,
  bodies: unknown[],
  attempts: number,
  now: number,
): Promise<Decision[]> {
  const messages = bodies.map((body) => ({ id: randomId(), timestamp: now, attempts, body }));
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await consumer.handleBatch(batch);
  const result = await getQueueResult(batch, ctx);
  expect(result.ackAll, 'never a whole-batch ack').toBe(false);
  expect(result.retryBatch.retry, 'never a whole-batch retry').toBe(false);
  const acked = new Set(result.explicitAcks);
  const retried = new Set(result.retryMessages.map((m) => m.msgId));
  return messages.map(({ id }) => {
    expect(acked.has(id) !== retried.has(id), 'each message is acked or retried, once').toBe(true);
    return acked.has(id) ? 'ack' : 'retry';
  });
}

/** ACE faults for exactly one delivery. */
export async function withAceFault<T>(status: number | null, run: () => Promise<T>): Promise<T> {
  if (status !== null) aceMock.setFaults({ status, routes: ['get_timeseries'] });
  try {
    return await run();
  } finally {
    aceMock.clearFaults();
  }
}

/**
 * Delivers a message of a job queue `copies` times in one batch (copies > 1: a duplicate delivery),
 * and checks each decision against the model's before Queues settles the message.
 */
export async function deliverMain(
  model: JobsModel,
  real: JobsReal,
  message: InFlight,
  outcome: AceOutcome,
  faultStatus: number | null,
  copies = 1,
): Promise<void> {
  message.deliveries++;
  const job = jobOf(model, message.jobId);
  const tasksBefore = job.tasksDone;
  const expected = Array.from({ length: copies }, () =>
    modelConsume(job, outcome, model.now, message.body.issued_at),
  );
  const consumer = outcome === 'crash' ? real.crashing : real.consumer;
  const sentBefore = real.sent.length;
  const got = await withAceFault(faultStatus, () =>
    deliverBatch(
      consumer,
      message.queue,
      Array.from({ length: copies }, () => message.body),
      message.deliveries,
      model.now,
    ),
  );
  expect(got, `decisions for ${job.id}`).toEqual(expected);
  platformSettle(model, message, got);
  takeNextTasks(model, real, sentBefore, job, tasksBefore);
}

/**
 * The next-task messages a delivery sent: exactly one per task the model saw finish short of the
 * last, each a fresh message Queues now holds.
 */
export function takeNextTasks(
  model: JobsModel,
  real: JobsReal,
  sentBefore: number,
  job: ModelJob,
  tasksBefore: number,
): void {
  const sent = real.sent.slice(sentBefore).filter((s) => s.body.job_id === job.id);
  const yielded = Math.min(job.tasksDone, TASKS - 1) - Math.min(tasksBefore, TASKS - 1);
  expect(
    sent.map((s) => s.priority),
    `${job.id}: one next-task message per task done short of the last`,
  ).toEqual(Array.from({ length: yielded }, () => job.priority));
  for (const { body } of sent) {
    job.lastBody = body;
    model.inFlight.push({ jobId: job.id, body, queue: QUEUE_OF[job.priority], deliveries: 0 });
  }
}

// ---- The invariants, after every command ------------------------------------------------------

export interface JobRow {
  id: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  cancel_requested: number;
  tasks_done: number;
  open_letters: number;
  letters: number;
}

export async function expectInvariants(model: JobsModel): Promise<void> {
  const { results } = await env.DB.prepare(
    `SELECT q.id, q.status, q.attempts, q.max_attempts, q.cancel_requested, q.tasks_done,
       (SELECT count(*) FROM dead_letters d WHERE d.job_id = q.id AND d.replayed_at IS NULL) AS open_letters,
       (SELECT count(*) FROM dead_letters d WHERE d.job_id = q.id) AS letters
     FROM queue_jobs q WHERE q.principal LIKE ?`,
  )
    .bind(`p-${model.run}-%`)
    .all<JobRow>();
  // Each job is exactly one row, so in exactly one state; and no row the model does not know of.
  expect(results.map((r) => r.id).sort(), 'one row per job, none unknown').toEqual(
    model.jobs.map((j) => j.id).sort(),
  );
  const calls = new Map<number, number>();
  for (const r of aceMock.stats().recent) {
    if (r.route === 'get_timeseries' && r.start_ms !== undefined) {
      calls.set(r.start_ms, (calls.get(r.start_ms) ?? 0) + 1);
    }
  }
  for (const job of model.jobs) {
    const row = results.find((r) => r.id === job.id);
    if (!row) throw new Error('unreachable: ids compared above');
    const where = `job ${job.id}`;
    expect(
      {
        status: row.status,
        attempts: row.attempts,
        cancelRequested: row.cancel_requested === 1,
        tasksDone: row.tasks_done,
      },
      `${where}: the store agrees with the model`,
    ).toEqual({
      status: job.status,
      attempts: job.attempts,
      cancelRequested: job.cancelRequested,
      tasksDone: job.tasksDone,
    });
    expect(row.max_attempts, where).toBe(MAX_ATTEMPTS);
    expect(row.attempts, `${where}: attempts never exceed maxAttempts`).toBeLessThanOrEqual(row.max_attempts);
    // Dead iff its transient failures outran max_retries (before the DLQ delivers, it is on its way).
    if (row.status === 'dead') {
      expect(job.failures, `${where}: dead only after more than max_retries failures`).toBeGreaterThan(
        MAX_RETRIES,
      );
    }
    if (job.failures > MAX_RETRIES) {
      // Nothing claims it again: it waits for the DLQ or the reaper to bury it.
      expect(['running', 'dead'], `${where}: exhausted, so dead or about to be`).toContain(row.status);
    }
    expect(row.open_letters, `${where}: one open dead letter iff dead`).toBe(row.status === 'dead' ? 1 : 0);
    expect(row.letters, `${where}: one dead letter per death`).toBe(job.deaths);
    if (job.cancelAccepted) expect(row.status, `${where}: cancelled, never succeeded`).not.toBe('succeeded');
    // A running job needs no message: if it never finishes, the reaper finds it by its heartbeat.
    if (row.status === 'queued' || row.status === 'retrying') {
      expect(
        model.inFlight.some((m) => m.jobId === job.id && m.queue !== DLQ),
        `${where}: ${row.status} with no message left to run it (a lost message)`,
      ).toBe(true);
    }
  }
  // Duplicate deliveries never run a job twice: one ACE fetch per claim, none without one.
  model.requests.forEach((request, i) => {
    const runs = model.jobs.filter((j) => j.request === i).reduce((n, j) => n + j.runs, 0);
    expect(calls.get(request.startMs) ?? 0, `ACE fetches of request ${i}`).toBe(runs);
  });
}

/**
 * Time passes with ACE healthy: Queues delivers every message it holds and the reaper runs, until
 * no message is left and nothing is running. Nothing may be lost on the way.
 */
export async function drain(model: JobsModel, real: JobsReal): Promise<void> {
  for (let round = 0; model.inFlight.length > 0 || model.jobs.some((j) => j.status === 'running'); round++) {
    if (round > 4 * MAX_ATTEMPTS) throw new Error('the queues never drained');
    for (const message of [...model.inFlight]) {
      if (message.queue === DLQ) await deliverDlq(model, real, message);
      else await deliverMain(model, real, message, 'ok', null);
    }
    await reaperPass(model, real);
  }
  await expectInvariants(model);
  for (const job of model.jobs) {
    expect(isTerminal(job.status), `job ${job.id} ends terminal (${job.status})`).toBe(true);
    expect(job.status === 'dead', `job ${job.id}: dead iff failed more than max_retries times`).toBe(
      job.failures > MAX_RETRIES,
    );
  }
}

export async function deliverDlq(model: JobsModel, real: JobsReal, message: InFlight): Promise<void> {
  message.deliveries++;
  const expected = modelBury(jobOf(model, message.jobId), message.body.issued_at);
  const got = await deliverBatch(real.consumer, DLQ, [message.body], message.deliveries, model.now);
  expect(got, `DLQ decision for ${message.jobId}`).toEqual([expected]);
  platformSettle(model, message, got);
}

/**
 * The heartbeat timeout passes and the cron's reaper runs: every running job has gone quiet by
 * then. Out of attempts it is buried; with a cancel requested it is cancelled (the cancel was
 * accepted, and nothing else will ever stop it); otherwise it goes back to retrying with a message.
 */
export async function reaperPass(model: JobsModel, real: JobsReal): Promise<void> {
  model.now += HEARTBEAT_TIMEOUT_MS + 1_000;
  real.clock.advance(HEARTBEAT_TIMEOUT_MS + 1_000);
  const sentBefore = real.sent.length;
  const report = await real.maintenance.reapStale();
  if (!report.ok) throw new Error(`the reaper failed: ${report.error.kind}`);
  const requeued: ModelJob[] = [];
  for (const job of model.jobs) {
    if (job.status !== 'running') continue;
    if (job.attempts >= MAX_ATTEMPTS) {
      job.status = 'dead';
      job.deaths++;
    } else if (job.cancelRequested) {
      job.status = 'cancelled';
    } else {
      job.status = 'retrying';
      requeued.push(job);
    }
  }
  // Another run's leftovers (a failed run being shrunk) may be reaped too: only ours count here.
  const ours = new Set(model.jobs.map((j) => j.id));
  const sent = real.sent.slice(sentBefore).filter((s) => ours.has(s.body.job_id));
  expect(
    sent.map((s) => [s.body.job_id, s.priority]).sort(),
    'the reaper re-queues (a fresh message each) exactly the quiet jobs with attempts left and no cancel',
  ).toEqual(requeued.map((j) => [j.id, j.priority]).sort());
  for (const { body } of sent) {
    const job = jobOf(model, body.job_id);
    job.lastBody = body;
    model.inFlight.push({ jobId: job.id, body, queue: QUEUE_OF[job.priority], deliveries: 0 });
  }
}
