// The jobs' cron passes: the reaper (running jobs whose heartbeat is older than the limit go back
// to retrying with a fresh message, to dead with a dead letter once attempts are spent, or to
// cancelled when a cancel was accepted meanwhile; queued jobs with no message known sent get one) and
// result expiry (expired result objects are deleted from R2, then forgotten by their job, so the
// result route answers 410; the parts of jobs that ran as tasks and ended failed or cancelled are
// deleted too). Bounded work per run; owns no HTTP and no queue consumption.
import type { Clock } from '../clock.ts';
import { ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { discardParts } from './result-keys.ts';
import type { JobStore } from './store.ts';
import type { JobSubmitter } from './submit.ts';
import type { TaskStore } from './task-store.ts';

/** Error code of a job the reaper marked dead. */
export const HEARTBEAT_LOST = 'heartbeat_lost';
/** The dead_letters.queue value of a reaper's dead letter (no queue delivered it). */
export const REAPER_QUEUE = 'reaper';
/** Jobs or results one pass handles at most; the next pass takes the rest. */
export const MAINTENANCE_BATCH = 50;

export interface JobMaintenanceOptions {
  store: JobStore;
  tasks: Pick<TaskStore, 'discardable' | 'forget'>;
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
  /** Deletes expired results, and the parts of jobs that ended without one (`discarded` jobs). */
  expireResults(): Promise<Result<{ expired: number; discarded: number; failed: number }>>;
}

/** Creates the passes. */
export function createJobMaintenance(options: JobMaintenanceOptions): JobMaintenance {
  const { store, tasks, submitter, bucket, clock, log, heartbeatTimeoutMs } = options;

  // A result's objects: one key, or (a key ending in '/') every part under the job's prefix.
  const deleteResult = async (id: string, key: string): Promise<void> => {
    if (key.endsWith('/')) await discardParts(bucket, id);
    else await bucket.delete(key);
  };

  // Jobs that ran as tasks and ended failed or cancelled: their parts are never read.
  const discardEnded = async (): Promise<{ discarded: number; failed: number }> => {
    const ended = await tasks.discardable(MAINTENANCE_BATCH);
    if (!ended.ok) return { discarded: 0, failed: 1 };
    let discarded = 0;
    let failed = 0;
    for (const id of ended.value) {
      try {
        await discardParts(bucket, id);
      } catch (e) {
        failed++;
        log.error('jobs.parts_delete_failed', { job_id: id, ...describeError(e) });
        continue;
      }
      const forgotten = await tasks.forget(id);
      if (forgotten.ok) discarded++;
      else failed++;
    }
    return { discarded, failed };
  };

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
          await deleteResult(id, key);
        } catch (e) {
          failed++;
          log.error('jobs.result_delete_failed', { job_id: id, ...describeError(e) });
          continue;
        }
        const forgotten = await store.forgetResult(id, key);
        const partsForgotten = key.endsWith('/') ? await tasks.forget(id) : ok(undefined);
        if (forgotten.ok && partsForgotten.ok) done++;
        else failed++;
      }
      const ended = await discardEnded();
      return ok({ expired: done, discarded: ended.discarded, failed: failed + ended.failed });
    },
  };
}
