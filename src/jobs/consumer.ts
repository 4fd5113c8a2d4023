// The queue consumer: decides per message, never per batch. A job message is verified (shape,
// signature, age) before anything else, claimed atomically, and runs the job's next task
// (tasks.ts; task-runner.ts fetches it from ACE with a heartbeat and a cancellation check at every
// page boundary and streams its result to R2). A job that fits one task succeeds with it; a longer
// one records each task's part and yields, sending the message of its next task. A DLQ batch
// (recognised by batch.queue) marks its jobs dead. Owns no HTTP, no SQL (store.ts, task-store.ts)
// and no error policy beyond outcome.ts's one mapping.
import { z } from 'zod';
import type { AceClient, AcePageEvent } from '../ace/client.ts';
import type { Clock } from '../clock.ts';
import { type AppError, ok, type Result } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { Analytics } from '../obs/analytics.ts';
import { describeError, type Logger } from '../obs/log.ts';
import type { FetchObservation } from '../timeseries/point-stats.ts';
import { BACKOFF_BY_PRIORITY, retryDelaySeconds } from './backoff.ts';
import { verifyMessage } from './messages.ts';
import { queueOutcomeOf } from './outcome.ts';
import { SLICE_MAX_SAMPLES } from './result-format.ts';
import { discardParts, resultKey, resultPrefix, taskResultKey } from './result-keys.ts';
import type { Job, JobError, JobStore, JobStoreError } from './store.ts';
import { createTaskRunner } from './task-runner.ts';
import type { TaskStore } from './task-store.ts';
import { planTask, TASK_MAX_SAMPLES, type TaskPlan } from './tasks.ts';

/** Error code of a job that cannot run because no ACE service token is configured. */
export const NO_SERVICE_TOKEN = 'no_service_token';
/** Error code of a job whose stored request the consumer cannot read. */
export const INVALID_REQUEST = 'invalid_request';
/** Error code the DLQ consumer writes. */
export const RETRIES_EXHAUSTED = 'retries_exhausted';
/** Delay before redelivering a message whose handling hit a store failure or a bug. */
export const INFRA_RETRY_DELAY_S = 30;

export { resultKey, resultPrefix, taskResultKey } from './result-keys.ts';

export interface JobConsumerOptions {
  store: JobStore;
  /** The parts of jobs that run as several tasks. */
  tasks: TaskStore;
  /** Sends the message of a job's next task (submit.ts' `continue`); never fails the job. */
  continueJob: (job: Job) => Promise<Result<unknown>>;
  ace: AceClient;
  /** The CACHE bucket: results live under results/. */
  bucket: R2Bucket;
  /** QUEUE_SIGNING_KEY. */
  signingKey: string;
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

export interface JobConsumer {
  /** Handles every message of the batch, acking or retrying each one on its own. */
  handleBatch(batch: MessageBatch<unknown>): Promise<void>;
}

/** The part of a stored request the consumer runs: epoch-ms window and point names. */
const runnableRequestSchema = z.object({
  points: z.array(z.string().min(1)).min(1),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
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

/** What handling one message decided; applied to the message in exactly one place. */
type Decision = { ack: true } | { ack: false; delaySeconds: number };

const ACK: Decision = { ack: true };

const isDeadLetterQueue = (queue: string) => queue.endsWith('-dlq') || /-dlq-[a-z0-9-]+$/.test(queue);

// A fingerprint of what arrived, for queue_rejections: never the body itself.
async function bodySha256(body: unknown): Promise<string> {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return sha256Hex(text);
}

// The id an unverified body claims, for the rejection record only (never acted upon).
function claimedJobId(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const id: unknown = (body as { job_id?: unknown }).job_id;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
}

function claimedIssuedAt(body: unknown): number | null {
  if (typeof body !== 'object' || body === null) return null;
  const at: unknown = (body as { issued_at?: unknown }).issued_at;
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

const describeStoreError = (e: JobStoreError) =>
  e.kind === 'illegal_transition' ? `illegal_transition:${e.from}:${e.event}` : e.kind;

/** Creates the consumer of the job queues and of their dead-letter queue. */
export function createJobConsumer(options: JobConsumerOptions): JobConsumer {
  const {
    store,
    tasks,
    continueJob,
    ace,
    bucket,
    signingKey,
    serviceToken,
    clock,
    log,
    resultTtlMs,
    random,
  } = options;
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

  const reject = async (
    queue: string,
    body: unknown,
    reason: 'malformed' | 'bad_signature' | 'stale' | 'unknown_job',
    jobId: string | null,
  ): Promise<Decision> => {
    const recorded = await store.recordRejection({
      queue,
      reason,
      jobId,
      bodySha256: await bodySha256(body),
    });
    // A poison message is acked even when D1 could not record it: redelivery cannot make it valid.
    if (!recorded.ok)
      log.error('jobs.rejection_unrecorded', { queue, reason, error_kind: recorded.error.kind });
    log.warn('jobs.message_rejected', { queue, reason, job_id: jobId });
    return ACK;
  };

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

  // The job's next task (tasks.ts); a job with an empty window is one task of no slices.
  const nextTask = (job: Job, request: RunnableRequest): TaskPlan =>
    planTask({ startMs: request.start, endMs: request.end }, job.estimatedSamples, job.resumeMs, limits) ?? {
      slices: [],
      last: true,
      remaining: 1,
    };

  const runJob = async (job: Job, jobLog: Logger): Promise<Decision> => {
    const request = await preflight(job, jobLog);
    if ('ack' in request) return request;
    const plan = nextTask(job, request);
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
      points: request.points,
      slices: plan.slices,
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
      bytes: w.bytes,
      samples: w.counts.samples,
      pages: w.counts.pages,
      upstreamBytes: w.counts.bytes,
    };
    const resumeMs = at.plan.slices.at(-1)?.endMs ?? job.resumeMs ?? 0;
    const taskLog = jobLog.with({ task: job.tasks.done, tasks: at.tasksTotal });
    if (at.plan.last) {
      const finished = await tasks.finish(owner, part, {
        resultKey: resultPrefix(job.id),
        resumeMs,
        expiresAt: clock.now() + resultTtlMs,
      });
      if (!finished.ok) return failed(job, finished.error, taskLog);
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
    const advanced = await tasks.advance(owner, part, { resumeMs, tasksTotal: at.tasksTotal, progress });
    if (!advanced.ok) return failed(job, advanced.error, taskLog);
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

  // Verification comes before anything else on both kinds of queue; a refusal is recorded and acked.
  const verifyOrReject = async (
    queue: string,
    message: Message<unknown>,
    nowMs: number,
  ): Promise<{ jobId: string; issuedAt: number } | { decision: Decision }> => {
    const verified = await verifyMessage(message.body, signingKey, nowMs);
    if (verified.ok) return { jobId: verified.message.job_id, issuedAt: verified.message.issued_at };
    const claimed = verified.reason === 'malformed' ? null : claimedJobId(message.body);
    return { decision: await reject(queue, message.body, verified.reason, claimed) };
  };

  /**
   * What a store refusal of a message's job means for the message: an unknown job is rejected
   * (recorded, acked); a database failure is retried later; any other refusal (the job's state
   * has moved on: a duplicate or late delivery) is logged as `ignored` and acked.
   */
  const onRefusal = (
    e: JobStoreError,
    at: { queue: string; message: Message<unknown>; jobId: string; jobLog: Logger },
    [failed, ignored]: [string, string],
  ): Promise<Decision> | Decision => {
    if (e.kind === 'not_found') return reject(at.queue, at.message.body, 'unknown_job', at.jobId);
    if (e.kind === 'db_error' || e.kind === 'db_timeout') {
      at.jobLog.warn(failed, { error_kind: e.kind });
      return { ack: false, delaySeconds: INFRA_RETRY_DELAY_S };
    }
    at.jobLog.info(ignored, { refusal: describeStoreError(e) });
    return ACK;
  };

  const handleJobMessage = async (queue: string, message: Message<unknown>): Promise<Decision> => {
    const verified = await verifyOrReject(queue, message, clock.now());
    if ('decision' in verified) return verified.decision;
    const { jobId, issuedAt } = verified;
    const jobLog = log.with({ job_id: jobId, queue, message_id: message.id, delivery: message.attempts });
    // A message from before the job's last replay cannot claim it: the replay sent its own.
    const claimed = await store.claim(jobId, issuedAt);
    // Refused when already running, finished or cancelled elsewhere: a duplicate delivery never
    // runs twice.
    if (!claimed.ok)
      return onRefusal(claimed.error, { queue, message, jobId, jobLog }, [
        'jobs.claim_failed',
        'jobs.duplicate_delivery',
      ]);
    const job = claimed.value;
    jobLog.info('jobs.claimed', { attempts: job.attempts, priority: job.priority });
    return runJob(job, jobLog.with({ priority: job.priority }));
  };

  const handleDeadLetter = async (queue: string, message: Message<unknown>): Promise<Decision> => {
    // Staleness does not matter here: a message reaches the DLQ late by design.
    const verified = await verifyOrReject(queue, message, claimedIssuedAt(message.body) ?? clock.now());
    if ('decision' in verified) return verified.decision;
    const { jobId, issuedAt } = verified;
    const jobLog = log.with({ job_id: jobId, queue, message_id: message.id });
    // A dead letter from before the job's last replay must not bury the replayed job.
    const dead = await store.markDead(
      jobId,
      {
        code: RETRIES_EXHAUSTED,
        message: 'the job failed transiently more times than its queue allows',
        queue,
      },
      issuedAt,
    );
    if (dead.ok) {
      jobLog.error('jobs.dead', { attempts: dead.value.attempts });
      recordOutcome(dead.value, 'dead', 0, jobLog);
      return ACK;
    }
    // Refused when already terminal (it succeeded, failed or was cancelled after all), or
    // replayed since the message was issued: nothing to bury.
    return onRefusal(dead.error, { queue, message, jobId, jobLog }, [
      'jobs.mark_dead_failed',
      'jobs.dead_letter_ignored',
    ]);
  };

  const handleOne = async (queue: string, message: Message<unknown>): Promise<void> => {
    let decision: Decision;
    try {
      decision = isDeadLetterQueue(queue)
        ? await handleDeadLetter(queue, message)
        : await handleJobMessage(queue, message);
    } catch (e) {
      // A bug (or a binding throwing): this message only is redelivered later; the others stand.
      log.error('jobs.message_crashed', { queue, message_id: message.id, ...describeError(e) });
      decision = { ack: false, delaySeconds: INFRA_RETRY_DELAY_S };
    }
    if (decision.ack) message.ack();
    else message.retry({ delaySeconds: decision.delaySeconds });
  };

  return {
    async handleBatch(batch) {
      // Sequential: a batch is small (max_batch_size ≤ 10) and each job already fetches in parallel.
      for (const message of batch.messages) await handleOne(batch.queue, message);
    },
  };
}
