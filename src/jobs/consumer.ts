// The queue consumer: decides per message, never per batch. A job message is verified (shape,
// signature, age) before anything else, claimed atomically, run through ACE with a heartbeat and a
// cancellation check at every page boundary, and its result streamed gzip-compressed to R2 in the
// cache's encoding. A DLQ batch (recognised by batch.queue) marks its jobs dead. Owns no HTTP, no
// SQL (store.ts) and no error policy beyond outcome.ts's one mapping.
import { z } from 'zod';
import type { AceClient, AcePageEvent, PageVerdict } from '../ace/client.ts';
import { createStreamingUpload, type UploadResult } from '../cache/r2-upload.ts';
import type { Clock } from '../clock.ts';
import type { AppError } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { Analytics } from '../obs/analytics.ts';
import { describeError, type Logger } from '../obs/log.ts';
import type { FetchObservation } from '../timeseries/point-stats.ts';
import { BACKOFF_BY_PRIORITY, retryDelaySeconds } from './backoff.ts';
import { verifyMessage } from './messages.ts';
import { queueOutcomeOf } from './outcome.ts';
import { encodeFrame, planSlices, RESULT_ENCODING, SLICE_MAX_SAMPLES } from './result-format.ts';
import type { Job, JobError, JobStore, JobStoreError } from './store.ts';

/** Error code of a job that cannot run because no ACE service token is configured. */
export const NO_SERVICE_TOKEN = 'no_service_token';
/** Error code of a job whose stored request the consumer cannot read. */
export const INVALID_REQUEST = 'invalid_request';
/** Error code the DLQ consumer writes. */
export const RETRIES_EXHAUSTED = 'retries_exhausted';
/** Delay before redelivering a message whose handling hit a store failure or a bug. */
export const INFRA_RETRY_DELAY_S = 30;

/**
 * Where one attempt of a job writes its result. Per attempt, so an attempt that lost the job (the
 * reaper gave it to another) can never overwrite or delete the result of the one that owns it.
 */
export const resultKey = (jobId: string, attempt: number) => `results/${jobId}/${attempt}`;
/** Every result object of a job lives under this prefix. */
export const resultPrefix = (jobId: string) => `results/${jobId}/`;

export interface JobConsumerOptions {
  store: JobStore;
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
  const { store, ace, bucket, signingKey, serviceToken, clock, log, resultTtlMs, random } = options;
  const sliceMaxSamples = options.sliceMaxSamples ?? SLICE_MAX_SAMPLES;

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

  const failed = async (job: Job, error: AppError, jobLog: Logger): Promise<Decision> => {
    const outcome = queueOutcomeOf(error);
    const jobError: JobError = { code: error.kind, message: error.message };
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

  const runJob = async (job: Job, jobLog: Logger): Promise<Decision> => {
    if (serviceToken === undefined || serviceToken === '') {
      // Configuration, not the job: retrying cannot help until an operator sets the secret.
      const written = await store.fail(job.id, {
        code: NO_SERVICE_TOKEN,
        message: 'background jobs are not configured to reach ACE',
      });
      if (!written.ok) jobLog.error('jobs.fail_unrecorded', { error: describeStoreError(written.error) });
      jobLog.error('jobs.no_service_token', {});
      return ACK;
    }
    const request = runnableRequestSchema.safeParse(job.request);
    if (!request.success) {
      const written = await store.fail(job.id, {
        code: INVALID_REQUEST,
        message: 'the stored request cannot be run',
      });
      if (!written.ok) jobLog.error('jobs.fail_unrecorded', { error: describeStoreError(written.error) });
      return ACK;
    }

    let stopped: 'cancel' | 'lost' | null = null;
    const slices = planSlices(request.data.start, request.data.end, job.estimatedSamples, sliceMaxSamples);
    // Progress of the slices already written, to which the current slice's pages add.
    const done = { pages: 0, samples: 0, bytes: 0 };
    const onPage =
      (slice: number) =>
      async (event: AcePageEvent): Promise<PageVerdict> => {
        const within = event.plannedPages ? Math.min(1, event.pages / event.plannedPages) : 0;
        const beat = await store.heartbeat(job.id, {
          pages: done.pages + event.pages,
          samples: done.samples + event.samples,
          bytes: done.bytes + event.bytes,
          percent: slices.length > 1 ? ((slice + within) / slices.length) * 100 : percentOf(job, event),
        });
        if (beat.ok) {
          if (!beat.value.cancelRequested) return undefined;
          stopped = 'cancel';
          return 'stop';
        }
        // No longer running (reaped, or ended elsewhere): another attempt may own it now.
        if (beat.error.kind === 'conflict' || beat.error.kind === 'not_found') {
          stopped = 'lost';
          return 'stop';
        }
        // D1 hiccup: keep going; the next page tries again and the reaper's limit is minutes.
        jobLog.warn('jobs.heartbeat_failed', { error_kind: beat.error.kind });
        return undefined;
      };

    // The result streams to R2 while ACE is still being read: each slice becomes a frame, is
    // compressed on the way and leaves memory once written (review 24).
    const key = resultKey(job.id, job.attempts);
    const upload = createStreamingUpload(bucket, key, {
      // Frames are gzip-compressed one by one (result-format.ts); the object as a whole is not gzip.
      httpMetadata: { contentType: 'application/octet-stream' },
      customMetadata: {
        job_id: job.id,
        site: job.site,
        encoding: RESULT_ENCODING,
        created_at: String(clock.now()),
      },
      ...(options.partBytes !== undefined ? { partBytes: options.partBytes } : {}),
    });
    const uploadFailed = async (e: unknown): Promise<Decision> => {
      jobLog.error('jobs.result_upload_failed', describeError(e));
      await upload.abort();
      return failed(
        job,
        { kind: 'unavailable', message: 'the result store is unavailable', dependency: 'r2' },
        jobLog,
      );
    };

    let samples = 0;
    for (const [i, slice] of slices.entries()) {
      const fetched = await ace.fetchTimeseries(
        { site: job.site, points: request.data.points, startMs: slice.startMs, endMs: slice.endMs },
        { token: serviceToken, onPage: onPage(i) },
      );
      const stop: 'cancel' | 'lost' | null = stopped;
      if (stop !== null || !fetched.ok || !fetched.value.complete) {
        await upload.abort();
        if (stop === 'cancel') return confirmCancel(job, jobLog);
        if (stop === 'lost') {
          jobLog.warn('jobs.lost', {});
          return ACK;
        }
        if (!fetched.ok) return failed(job, fetched.error, jobLog);
        return failed(job, { kind: 'upstream_error', message: 'the fetch ended early' }, jobLog);
      }
      options.onFetched?.({
        site: job.site,
        startMs: slice.startMs,
        endMs: Math.min(slice.endMs, clock.now()),
        series: fetched.value.series,
      });
      const frame = await encodeFrame(fetched.value.series);
      samples += fetched.value.series.reduce((n, s) => n + s.t.length, 0);
      done.pages += fetched.value.pages;
      done.samples = samples;
      done.bytes += fetched.value.bytes;
      try {
        await upload.write(frame);
      } catch (e) {
        return uploadFailed(e);
      }
    }
    let uploaded: UploadResult;
    try {
      uploaded = await upload.close();
    } catch (e) {
      return uploadFailed(e);
    }

    const succeeded = await store.succeed(job.id, {
      key,
      bytes: uploaded.bytes,
      samples,
      expiresAt: clock.now() + resultTtlMs,
    });
    if (succeeded.ok) {
      jobLog.info('jobs.succeeded', {
        samples,
        bytes: uploaded.bytes,
        parts: uploaded.parts,
        slices: slices.length,
      });
      recordOutcome(succeeded.value, 'succeeded', samples, jobLog);
      return ACK;
    }
    // A cancel requested after the last page wins: a cancelled job never becomes succeeded.
    await bucket.delete(key).catch(() => undefined);
    if (succeeded.error.kind === 'conflict') return confirmCancel(job, jobLog);
    jobLog.error('jobs.succeed_unrecorded', { error: describeStoreError(succeeded.error) });
    if (succeeded.error.kind === 'db_error' || succeeded.error.kind === 'db_timeout') {
      return failed(job, succeeded.error, jobLog);
    }
    return ACK;
  };

  const confirmCancel = async (job: Job, jobLog: Logger): Promise<Decision> => {
    const cancelled = await store.confirmCancel(job.id);
    if (cancelled.ok) {
      jobLog.info('jobs.cancelled', {});
      recordOutcome(job, 'cancelled', 0, jobLog);
    } else jobLog.error('jobs.cancel_unrecorded', { error: describeStoreError(cancelled.error) });
    return ACK;
  };

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
