// Submitting a background job: the queue_jobs row is written first, then a signed message goes to
// the priority's queue; if the send fails the row is marked failed (enqueue_failed), never left
// queued. An identical active job is returned without a second message. Owns no HTTP and no
// request validation (routes do that) and no consuming (the consumer does).
import type { Clock } from '../clock.ts';
import type { Result } from '../errors.ts';
import { err, ok } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { signMessage } from './messages.ts';
import { type Job, type JobPriority, type JobStore, type NewJob, toAppError } from './store.ts';

/** Error code written to a job whose message could not be sent. */
export const ENQUEUE_FAILED = 'enqueue_failed';

export interface JobSubmitterOptions {
  store: JobStore;
  /** Priority is a separate queue, not a field (review 21). */
  queues: Record<JobPriority, Queue>;
  /** QUEUE_SIGNING_KEY: the HMAC secret the consumer verifies with. */
  signingKey: string;
  clock: Clock;
  log: Logger;
}

export interface SubmitOutcome {
  job: Job;
  /** False when an identical active job was returned instead of a new one. */
  created: boolean;
}

export interface JobSubmitter {
  /** Writes (or finds) the job, then queues it; a failed send is `unavailable` and a failed job. */
  submit(input: NewJob): Promise<Result<SubmitOutcome>>;
  /** Re-queues a dead job with fresh attempts (admin DLQ replay) and sends its message. */
  replay(jobId: string): Promise<Result<Job>>;
  /** Sends a fresh message for a job the reaper moved back to retrying, or found unsent. */
  requeue(job: Job): Promise<Result<Job>>;
  /**
   * Sends the message of a job's next task (the consumer, after the job yielded). A failed send
   * leaves the job queued, not failed: the consumer's own message comes back to run the task.
   */
  continue(job: Job): Promise<Result<Job>>;
}

/** Creates the submitter over the job store and the two job queues. */
export function createJobSubmitter(options: JobSubmitterOptions): JobSubmitter {
  const { store, queues, signingKey, clock, log } = options;

  // Sends the job's signed message and records that it was sent; false when the send failed.
  const send = async (job: Job, jobLog: Logger): Promise<Result<Job>> => {
    try {
      const message = await signMessage(job.id, clock.now(), signingKey);
      await queues[job.priority].send(message, { contentType: 'json' });
    } catch (e) {
      jobLog.error('jobs.enqueue_failed', describeError(e));
      return err({ kind: 'unavailable', message: 'the job queue is unavailable', dependency: 'queue' });
    }
    // Best effort: if this write fails, a later identical submit or the reaper sends once more,
    // and a duplicate message is harmless (claims are atomic).
    const marked = await store.markEnqueued(job.id);
    if (!marked.ok) jobLog.warn('jobs.enqueued_unrecorded', { error_kind: marked.error.kind });
    jobLog.info('jobs.enqueued', {});
    return ok(marked.ok ? { ...job, enqueuedAt: marked.value } : job);
  };

  // Sends the job's signed message; a failure fails the row so it is never left queued unsent.
  const enqueue = async (job: Job): Promise<Result<Job>> => {
    const jobLog = log.with({ job_id: job.id, priority: job.priority });
    const sent = await send(job, jobLog);
    if (!sent.ok) {
      const failed = await store.fail(job.id, {
        code: ENQUEUE_FAILED,
        message: 'the job could not be queued',
      });
      // The row stays queued only if D1 failed too; the reaper's scan does not cover it, so say so.
      if (!failed.ok) jobLog.error('jobs.enqueue_failed_unrecorded', { error_kind: failed.error.kind });
    }
    return sent;
  };

  return {
    async submit(input) {
      const created = await store.create(input);
      if (!created.ok) return err(toAppError(created.error));
      const { job } = created.value;
      if (!created.value.created) {
        // An identical job whose message is not known sent (its send and the record of that
        // failure both failed) gets one now: otherwise nothing would ever run it.
        if (job.status !== 'queued' || job.enqueuedAt !== null) return ok({ job, created: false });
        const resent = await enqueue(job);
        return resent.ok ? ok({ job: resent.value, created: false }) : resent;
      }
      const sent = await enqueue(job);
      return sent.ok ? ok({ job: sent.value, created: true }) : sent;
    },

    async replay(jobId) {
      const replayed = await store.replay(jobId);
      if (!replayed.ok) {
        // Replaying a job that is not dead is the operator's conflict, not a server fault.
        return err(
          replayed.error.kind === 'illegal_transition'
            ? { kind: 'conflict', message: 'only a dead job can be replayed' }
            : replayed.error,
        );
      }
      return enqueue(replayed.value);
    },

    requeue: (job) => enqueue(job),

    continue: (job) => send(job, log.with({ job_id: job.id, priority: job.priority, at: 'next_task' })),
  };
}
