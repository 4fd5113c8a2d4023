// The queue consumer: decides per message, never per batch. A job message is verified (shape,
// signature, age) before anything else and claims its job atomically; the claimed job's next task
// is job-run.ts'. A DLQ batch (recognised by batch.queue) marks its jobs dead. Owns no HTTP, no
// SQL (store.ts, task-store.ts) and no error policy beyond outcome.ts's one mapping.
import { sha256Hex } from '../hash.ts';
import { describeError, type Logger } from '../obs/log.ts';
import {
  ACK,
  createJobRun,
  type Decision,
  describeStoreError,
  INFRA_RETRY_DELAY_S,
  type JobRunOptions,
} from './job-run.ts';
import { verifyMessage } from './messages.ts';
import type { JobStoreError } from './store.ts';

export { INFRA_RETRY_DELAY_S, INVALID_REQUEST, NO_SERVICE_TOKEN } from './job-run.ts';
export { resultKey, resultPrefix, taskResultKey } from './result-keys.ts';

/** Error code the DLQ consumer writes. */
export const RETRIES_EXHAUSTED = 'retries_exhausted';

export interface JobConsumerOptions extends JobRunOptions {
  /** QUEUE_SIGNING_KEY. */
  signingKey: string;
}

export interface JobConsumer {
  /** Handles every message of the batch, acking or retrying each one on its own. */
  handleBatch(batch: MessageBatch<unknown>): Promise<void>;
}

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

/** Creates the consumer of the job queues and of their dead-letter queue. */
export function createJobConsumer(options: JobConsumerOptions): JobConsumer {
  const { store, signingKey, clock, log } = options;
  const jobRun = createJobRun(options);
  const runJob = jobRun.run;
  const recordOutcome = jobRun.recordOutcome;

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
