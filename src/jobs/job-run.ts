// Running a claimed job's next task (tasks.ts) and deciding what becomes of it: a job that fits
// one task succeeds with it; a longer one records each task's part and yields, sending its next
// task's message (task-store.ts); a failure goes through outcome.ts's one mapping to a retry with
// backoff or a permanent failure (saying which task), and a cancel is confirmed at a page
// boundary. Fetching and writing the task is task-runner.ts'; the message itself is consumer.ts'.
import { z } from 'zod';
import type { AceClient, AcePageEvent } from '../ace/client.ts';
import type { Clock } from '../clock.ts';
import { type AppError, ok, type Result } from '../errors.ts';
import type { Analytics } from '../obs/analytics.ts';
import { describeError, type Logger } from '../obs/log.ts';
import type { FetchObservation } from '../timeseries/fetch-observation.ts';
import { BACKOFF_BY_PRIORITY, retryDelaySeconds } from './backoff.ts';
import { queueOutcomeOf } from './outcome.ts';
import { SLICE_MAX_SAMPLES } from './result-format.ts';
import { discardParts, resultKey, resultPrefix, taskResultKey } from './result-keys.ts';
import type { Job, JobError, JobStore, JobStoreError } from './store.ts';
import { createTaskRunner } from './task-runner.ts';
import type { TaskStore } from './task-store.ts';
import { jobTask, TASK_MAX_SAMPLES, type TaskPlan, taskDensity } from './tasks.ts';

/** Error code of a job that cannot run because no ACE service token is configured. */
export const NO_SERVICE_TOKEN = 'no_service_token';
/** Error code of a job whose stored request the consumer cannot read. */
export const INVALID_REQUEST = 'invalid_request';
/** Delay before redelivering a message whose handling hit a store failure or a bug. */
export const INFRA_RETRY_DELAY_S = 30;

export interface JobRunOptions {
  store: JobStore;
  /** The parts of jobs that run as several tasks. */
  tasks: TaskStore;
  /** Sends the message of a job's next task (submit.ts' `continue`); never fails the job. */
  continueJob: (job: Job) => Promise<Result<unknown>>;
  ace: AceClient;
  /** The CACHE bucket: results live under results/. */
  bucket: R2Bucket;
  /**
   * ACE_SERVICE_TOKEN: messages carry no token (review 38), so jobs fetch with this one; access
   * was proven for the submitting principal at submit time. Absent → jobs fail `no_service_token`.
   */
  serviceToken: string | undefined;
  clock: Clock;
  log: Logger;
  /** How long a result stays readable (config RESULT_TTL_S). */
  resultTtlMs: number;
  /** Jitter source in [0, 1) for the retry delays. */
  random: () => number;
  /** One Analytics Engine data point per job outcome (review 29); absent in unit specs. */
  analytics?: Pick<Analytics, 'recordJob'>;
  /** Told of every complete upstream fetch (density learning, aggregates); must not throw. */
  onFetched?: (observation: FetchObservation) => void;
  /** Samples one slice of a job may be estimated at; each slice is one ACE fetch and one frame. */
  sliceMaxSamples?: number;
  /** Samples one task (one message, one invocation) may be estimated at (JOB_TASK_MAX_SAMPLES). */
  taskMaxSamples?: number;
  /** Multipart part size of result uploads (default r2-upload's 5 MiB; specs of the mechanism only). */
  partBytes?: number;
}

/** What handling one message decided; applied to the message in exactly one place (consumer.ts). */
export type Decision = { ack: true } | { ack: false; delaySeconds: number };

export const ACK: Decision = { ack: true };

export const describeStoreError = (e: JobStoreError) =>
  e.kind === 'illegal_transition' ? `illegal_transition:${e.from}:${e.event}` : e.kind;

/**
 * The part of a stored request the consumer runs: epoch-ms window, point names and, on jobs made
 * since they were stored, each point's estimated density (tasks.ts plans batches on them; a job
 * without them, or with unusable ones, is planned on equal shares).
 */
const runnableRequestSchema = z.object({
  points: z.array(z.string().min(1)).min(1),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  densities: z.array(z.number()).optional().catch(undefined),
});

type RunnableRequest = z.output<typeof runnableRequestSchema>;

/** A task's result object, written. */
interface WrittenTask {
  key: string;
  counts: { pages: number; samples: number; bytes: number };
  /** Stored bytes, and the upload's parts. */
  bytes: number;
  parts: number;
}

const STORE_UNAVAILABLE: AppError = {
  kind: 'unavailable',
  message: 'the result store is unavailable',
  dependency: 'r2',
};

/** How far through its planned pages a fetch is (0 when site paging has no plan). */
const within = (event: AcePageEvent) =>
  event.plannedPages ? Math.min(1, event.pages / event.plannedPages) : 0;

export interface JobRun {
  /** Runs the claimed job's next task; what becomes of its message. */
  run(job: Job, jobLog: Logger): Promise<Decision>;
  /** One Analytics Engine data point per outcome of a delivery. */
  recordOutcome(job: Job, status: string, samples: number, jobLog: Logger): void;
}

/** Creates the runner of claimed jobs. */
export function createJobRun(options: JobRunOptions): JobRun {
  const { store, tasks, continueJob, ace, bucket, serviceToken, clock, resultTtlMs, random } = options;
  const limits = {
    sliceMaxSamples: options.sliceMaxSamples ?? SLICE_MAX_SAMPLES,
    taskMaxSamples: options.taskMaxSamples ?? TASK_MAX_SAMPLES,
  };
  const runTask = createTaskRunner({
    store,
    ace,
    bucket,
    serviceToken: serviceToken ?? '',
    clock,
    ...(options.onFetched ? { onFetched: options.onFetched } : {}),
    ...(options.partBytes !== undefined ? { partBytes: options.partBytes } : {}),
  });

  const backoff = (job: Job, retryAfterSeconds: number): number =>
    retryDelaySeconds(job.attempts, BACKOFF_BY_PRIORITY[job.priority], random(), retryAfterSeconds);

  const percentOf = (job: Job, event: AcePageEvent): number => {
    if (event.plannedPages !== undefined && event.plannedPages > 0) {
      return (event.pages / event.plannedPages) * 100;
    }
    // Site paging has no page count up front: the estimate, short of 100 until the result is written.
    if (job.estimatedSamples !== null && job.estimatedSamples > 0) {
      return Math.min(99, (event.samples / job.estimatedSamples) * 100);
    }
    return 0;
  };

  // A failed attempt, through the one mapping: permanent → failed; transient → retrying and a
  // delayed redelivery.
  // One data point per outcome of a delivery: what it became, how big and how long.
  const recordOutcome = (job: Job, status: string, samples: number, jobLog: Logger) =>
    options.analytics?.recordJob(
      {
        status,
        priority: job.priority,
        samples,
        estimatedSamples: job.estimatedSamples ?? 0,
        durationMs: clock.now() - (job.startedAt ?? job.createdAt),
        attempts: job.attempts,
      },
      jobLog,
    );

  const failed = async (
    job: Job,
    error: AppError,
    jobLog: Logger,
    task?: { index: number; total: number },
  ): Promise<Decision> => {
    const outcome = queueOutcomeOf(error);
    // A job of several tasks says which one failed.
    const where = task && task.total > 1 ? `task ${task.index + 1} of ${task.total}: ` : '';
    const jobError: JobError = { code: error.kind, message: `${where}${error.message}` };
    if (outcome.action === 'fail') {
      const written = await store.fail(job.id, jobError);
      if (!written.ok) jobLog.error('jobs.fail_unrecorded', { error: describeStoreError(written.error) });
      jobLog.warn('jobs.failed', { error_kind: error.kind });
      recordOutcome(job, 'failed', 0, jobLog);
      return ACK;
    }
    const delaySeconds = backoff(job, outcome.retryAfterSeconds);
    const written = await store.retry(job.id, jobError);
    if (written.ok) {
      jobLog.warn('jobs.retrying', { error_kind: error.kind, attempts: job.attempts, delay_s: delaySeconds });
      recordOutcome(job, 'retrying', 0, jobLog);
      return { ack: false, delaySeconds };
    }
    // Refused: a cancel arrived meanwhile (confirm it), or no attempts remain. Then the job stays
    // `running` — nothing can claim it again — and the message is retried anyway, so that Queues
    // moves it to the DLQ after max_retries, whose consumer marks it dead (the reaper covers the
    // case where it never gets there, from the heartbeat of its last page).
    const cancelled = await store.confirmCancel(job.id);
    if (cancelled.ok) {
      jobLog.info('jobs.cancelled', { at: 'failure' });
      return ACK;
    }
    jobLog.warn('jobs.attempts_exhausted', {
      error_kind: error.kind,
      attempts: job.attempts,
      refusal: describeStoreError(written.error),
    });
    return { ack: false, delaySeconds };
  };

  // What the job cannot run without: the service token and a readable request.
  const preflight = async (job: Job, jobLog: Logger): Promise<RunnableRequest | Decision> => {
    const refuse = async (error: JobError) => {
      const written = await store.fail(job.id, error);
      if (!written.ok) jobLog.error('jobs.fail_unrecorded', { error: describeStoreError(written.error) });
      return ACK;
    };
    if (serviceToken === undefined || serviceToken === '') {
      // Configuration, not the job: retrying cannot help until an operator sets the secret.
      jobLog.error('jobs.no_service_token', {});
      return refuse({ code: NO_SERVICE_TOKEN, message: 'background jobs are not configured to reach ACE' });
    }
    const request = runnableRequestSchema.safeParse(job.request);
    if (!request.success)
      return refuse({ code: INVALID_REQUEST, message: 'the stored request cannot be run' });
    return request.data;
  };

  const runJob = async (job: Job, jobLog: Logger): Promise<Decision> => {
    const request = await preflight(job, jobLog);
    if ('ack' in request) return request;
    const plan = jobTask(request, job.estimatedSamples, job.resume, limits);
    // A job that fits one task keeps one object under resultKey; tasks of a longer one write parts.
    const single = job.tasks.done === 0 && plan.last;
    const tasksTotal = job.tasks.done + plan.remaining;
    const base = single ? ok({ samples: 0, bytes: 0, pages: 0 }) : await tasks.totals(job.id);
    if (!base.ok) return failed(job, base.error, jobLog);
    const key = single
      ? resultKey(job.id, job.attempts)
      : taskResultKey(job.id, job.tasks.done, job.attempts);
    const n = plan.slices.length;
    const run = await runTask({
      job,
      points: request.points.slice(plan.points.from, plan.points.from + plan.points.count),
      slices: plan.slices,
      samplesPerSecond: taskDensity(request, plan),
      key,
      base: base.value,
      percent: (slice, event) =>
        single && n <= 1
          ? percentOf(job, event)
          : ((job.tasks.done + (slice + within(event)) / n) / tasksTotal) * 100,
      log: jobLog,
    });
    const task = { index: job.tasks.done, total: tasksTotal };
    switch (run.kind) {
      case 'stopped':
        if (run.why === 'cancel') return confirmCancel(job, jobLog);
        jobLog.warn('jobs.lost', {});
        return ACK;
      case 'fetch_failed':
        return failed(job, run.error, jobLog, task);
      case 'store_failed':
        jobLog.error('jobs.result_upload_failed', describeError(run.cause));
        return failed(job, STORE_UNAVAILABLE, jobLog, task);
      case 'written':
        break;
    }
    const written = { key, counts: run.counts, bytes: run.stored.bytes, parts: run.stored.parts };
    if (single) return succeedSingle(job, written, n, jobLog);
    return completeTask(job, written, { plan, tasksTotal, base: base.value }, jobLog);
  };

  // The whole job was one task: its object is the result (store.ts' single-task lifecycle).
  const succeedSingle = async (
    job: Job,
    w: WrittenTask,
    slices: number,
    jobLog: Logger,
  ): Promise<Decision> => {
    const samples = w.counts.samples;
    const succeeded = await store.succeed(job.id, {
      key: w.key,
      bytes: w.bytes,
      samples,
      expiresAt: clock.now() + resultTtlMs,
    });
    if (succeeded.ok) {
      jobLog.info('jobs.succeeded', { samples, bytes: w.bytes, parts: w.parts, slices });
      recordOutcome(succeeded.value, 'succeeded', samples, jobLog);
      return ACK;
    }
    return refusedAfterWrite(job, w.key, succeeded.error, jobLog);
  };

  // A result was written but the job's row refused it: a cancel requested meanwhile wins (a
  // cancelled job never becomes succeeded), and the object is deleted either way.
  const refusedAfterWrite = async (
    job: Job,
    key: string,
    error: JobStoreError | null,
    jobLog: Logger,
  ): Promise<Decision> => {
    await bucket.delete(key).catch(() => undefined);
    if (error === null || error.kind === 'conflict') {
      const cancelled = await confirmCancel(job, jobLog, { quiet: error === null });
      if (cancelled !== null) return cancelled;
      jobLog.warn('jobs.lost', { at: 'task_end' });
      return ACK;
    }
    jobLog.error('jobs.succeed_unrecorded', { error: describeStoreError(error) });
    if (error.kind === 'db_error' || error.kind === 'db_timeout') return failed(job, error, jobLog);
    return ACK;
  };

  // D1 failed to record a written part: its object is deleted (no row will ever name it) and the
  // task is retried like any transient failure.
  const unrecorded = async (
    job: Job,
    key: string,
    error: AppError,
    at: { log: Logger; total: number },
  ): Promise<Decision> => {
    await bucket.delete(key).catch(() => undefined);
    return failed(job, error, at.log, { index: job.tasks.done, total: at.total });
  };

  // One task of several is written: record it and move the job on, in one guarded batch.
  const completeTask = async (
    job: Job,
    w: WrittenTask,
    at: { plan: TaskPlan; tasksTotal: number; base: { samples: number; bytes: number; pages: number } },
    jobLog: Logger,
  ): Promise<Decision> => {
    const owner = { id: job.id, attempts: job.attempts, task: job.tasks.done };
    const part = {
      key: w.key,
      points: at.plan.points,
      bytes: w.bytes,
      samples: w.counts.samples,
      pages: w.counts.pages,
      upstreamBytes: w.counts.bytes,
    };
    const taskLog = jobLog.with({ task: job.tasks.done, tasks: at.tasksTotal });
    if (at.plan.last) {
      const finished = await tasks.finish(owner, part, {
        resultKey: resultPrefix(job.id),
        expiresAt: clock.now() + resultTtlMs,
      });
      if (!finished.ok) return unrecorded(job, w.key, finished.error, { log: taskLog, total: at.tasksTotal });
      if (finished.value === null) return refusedAfterWrite(job, w.key, null, taskLog);
      const samples = finished.value.result?.samples ?? 0;
      taskLog.info('jobs.succeeded', { samples, bytes: finished.value.result?.bytes ?? 0 });
      recordOutcome(finished.value, 'succeeded', samples, taskLog);
      return ACK;
    }
    const progress = {
      pages: at.base.pages + w.counts.pages,
      samples: at.base.samples + w.counts.samples,
      bytes: at.base.bytes + w.counts.bytes,
      percent: ((job.tasks.done + 1) / at.tasksTotal) * 100,
    };
    const advanced = await tasks.advance(owner, part, {
      resume: at.plan.next,
      tasksTotal: at.tasksTotal,
      progress,
    });
    if (!advanced.ok) return unrecorded(job, w.key, advanced.error, { log: taskLog, total: at.tasksTotal });
    if (advanced.value === null) return refusedAfterWrite(job, w.key, null, taskLog);
    taskLog.info('jobs.task_done', { samples: w.counts.samples, bytes: w.bytes });
    // The next task's message. If it cannot be sent, this message comes back and, finding the
    // job queued, runs the next task itself; the reaper resends for a job left queued unsent.
    const sent = await continueJob(advanced.value);
    if (sent.ok) return ACK;
    taskLog.warn('jobs.next_task_unsent', { error_kind: sent.error.kind });
    return { ack: false, delaySeconds: INFRA_RETRY_DELAY_S };
  };

  // Running with a cancel requested → cancelled, and the objects of its done tasks deleted. With
  // `quiet`, a refusal is not logged and answers null (the caller was only checking for a cancel).
  async function confirmCancel(job: Job, jobLog: Logger): Promise<Decision>;
  async function confirmCancel(job: Job, jobLog: Logger, o: { quiet: boolean }): Promise<Decision | null>;
  async function confirmCancel(job: Job, jobLog: Logger, o = { quiet: false }): Promise<Decision | null> {
    const cancelled = await store.confirmCancel(job.id);
    if (cancelled.ok) {
      jobLog.info('jobs.cancelled', {});
      recordOutcome(job, 'cancelled', 0, jobLog);
      // Best effort: the maintenance pass deletes what is left of a cancelled job's parts.
      if (job.tasks.done > 0) {
        await discardParts(bucket, job.id).catch((e) =>
          jobLog.warn('jobs.parts_discard_failed', describeError(e)),
        );
      }
      return ACK;
    }
    if (o.quiet) return null;
    jobLog.error('jobs.cancel_unrecorded', { error: describeStoreError(cancelled.error) });
    return ACK;
  }

  return { run: runJob, recordOutcome };
}
