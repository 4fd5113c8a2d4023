// The jobs' cron passes: the reaper (running jobs whose heartbeat is older than the limit go back
// to retrying with a fresh message, to dead with a dead letter once attempts are spent, or to
// cancelled when a cancel was accepted meanwhile; queued jobs with no message known sent get one) and
// result expiry (expired result objects are deleted from R2, then forgotten by their job, so the
// result route answers 410). Bounded work per run; owns no HTTP and no queue consumption.
import type { Clock } from '../clock.ts';
import { ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import type { JobStore } from './store.ts';
import type { JobSubmitter } from './submit.ts';

/** Error code of a job the reaper marked dead. */
export const HEARTBEAT_LOST = 'heartbeat_lost';
/** The dead_letters.queue value of a reaper's dead letter (no queue delivered it). */
export const REAPER_QUEUE = 'reaper';
/** Jobs or results one pass handles at most; the next pass takes the rest. */
export const MAINTENANCE_BATCH = 50;

export interface JobMaintenanceOptions {
  store: JobStore;
  submitter: Pick<JobSubmitter, 'requeue'>;
  /** The CACHE bucket holding results/. */
  bucket: R2Bucket;
  clock: Clock;
  log: Logger;
  /** JOB_HEARTBEAT_TIMEOUT_S in ms. */
  heartbeatTimeoutMs: number;
}

export interface ReapReport {
  requeued: number;
  dead: number;
  cancelled: number;
  /** Queued jobs found without a sent message, sent one now. */
  resent: number;
  failed: number;
}

export interface JobMaintenance {
  reapStale(): Promise<Result<ReapReport>>;
  expireResults(): Promise<Result<{ expired: number; failed: number }>>;
}

/** Creates the passes. */
export function createJobMaintenance(options: JobMaintenanceOptions): JobMaintenance {
  const { store, submitter, bucket, clock, log, heartbeatTimeoutMs } = options;

  return {
    async reapStale() {
      const olderThan = clock.now() - heartbeatTimeoutMs;
      const stale = await store.findStale(olderThan, MAINTENANCE_BATCH);
      if (!stale.ok) return stale;
      const report: ReapReport = { requeued: 0, dead: 0, cancelled: 0, resent: 0, failed: 0 };
      for (const job of stale.value) {
        const jobLog = log.with({ job_id: job.id });
        // Out of attempts it is dead whatever else happened: dead iff retries were exhausted.
        if (job.attempts >= job.maxAttempts) {
          const dead = await store.markDead(job.id, {
            code: HEARTBEAT_LOST,
            message: 'the job stopped reporting progress and has no attempts left',
            queue: REAPER_QUEUE,
          });
          if (dead.ok) report.dead++;
          else report.failed++;
          jobLog.warn('jobs.reaped_dead', { ok: dead.ok });
          continue;
        }
        // A cancel was accepted while it ran: the reaper finishes the cancel, it never re-runs it.
        if (job.cancelRequested) {
          const cancelled = await store.confirmCancel(job.id);
          if (cancelled.ok) report.cancelled++;
          else if (cancelled.error.kind !== 'illegal_transition') report.failed++;
          jobLog.warn('jobs.reaped_cancelled', { ok: cancelled.ok });
          continue;
        }
        // A lost race (the job heartbeated or finished meanwhile) is not a failure: skip it.
        const reaped = await store.reap(job.id, olderThan);
        if (!reaped.ok) {
          if (reaped.error.kind !== 'illegal_transition') report.failed++;
          continue;
        }
        const sent = await submitter.requeue(reaped.value);
        if (sent.ok) report.requeued++;
        else report.failed++;
        jobLog.warn('jobs.reaped', { attempts: job.attempts, requeued: sent.ok });
      }
      // Queued jobs whose message is not known sent (a send and its failure record both failed).
      const unsent = await store.findUnsent(olderThan, MAINTENANCE_BATCH);
      if (!unsent.ok) return unsent;
      for (const job of unsent.value) {
        const sent = await submitter.requeue(job);
        if (sent.ok) report.resent++;
        else report.failed++;
        log.warn('jobs.resent_unsent', { job_id: job.id, ok: sent.ok });
      }
      return ok(report);
    },

    async expireResults() {
      const expired = await store.expiredResults(clock.now(), MAINTENANCE_BATCH);
      if (!expired.ok) return expired;
      let done = 0;
      let failed = 0;
      for (const { id, key } of expired.value) {
        try {
          // R2 first: a job that forgot its key while the object stayed would leak storage.
          await bucket.delete(key);
        } catch (e) {
          failed++;
          log.error('jobs.result_delete_failed', { job_id: id, ...describeError(e) });
          continue;
        }
        const forgotten = await store.forgetResult(id, key);
        if (forgotten.ok) done++;
        else failed++;
      }
      return ok({ expired: done, failed });
    },
  };
}
