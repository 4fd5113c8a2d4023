// A job's death and its replay (store.ts' JobStore): each writes the job row and its dead letter
// in one D1 batch, the letter only when the same batch moved the job (dead: one open letter per
// death; replayed: the letter marked once), each guarded like every transition (store-transition.ts).
import { stmt } from '../db/sql.ts';
import { ACTIVE_STATUSES } from './state.ts';
import type { JobStore, JobStoreOptions } from './store.ts';
import { toJob } from './store-rows.ts';
import { type createTransitions, inSources, NOT_REPLAYED_SINCE, statusList } from './store-transition.ts';

export type DeadLetterTransitions = Pick<JobStore, 'markDead' | 'replay'>;

/** The death and replay transitions over the project's D1 access layer. */
export function createDeadLetterTransitions(
  options: JobStoreOptions,
  { refusal }: Pick<ReturnType<typeof createTransitions>, 'refusal'>,
): DeadLetterTransitions {
  const { db, clock, ids } = options;
  return {
    async markDead(id, error, messageIssuedAt) {
      const now = clock.now();
      const results = await db.batch('jobs.mark_dead', [
        stmt(
          // A job of several tasks says which one ran out of deliveries.
          `UPDATE queue_jobs SET status = 'dead', error_code = ?,
             error_message = ? || CASE WHEN tasks_total > 1
               THEN ' (task ' || (tasks_done + 1) || ' of ' || tasks_total || ')' ELSE '' END,
             finished_at = ?, updated_at = ?
           WHERE id = ? AND ${inSources('exhaust')} AND ${NOT_REPLAYED_SINCE} RETURNING *`,
          error.code,
          error.message,
          now,
          now,
          id,
          id,
          messageIssuedAt ?? Number.MAX_SAFE_INTEGER,
        ),
        // Only when this batch made it dead, and never a second open letter for one death.
        stmt(
          `INSERT INTO dead_letters (id, job_id, queue, error_code, error_message, attempts, request, created_at)
           SELECT ?, id, ?, ?, ?, attempts, request, ? FROM queue_jobs
           WHERE id = ? AND status = 'dead' AND finished_at = ?
           ON CONFLICT DO NOTHING`,
          ids(),
          error.queue,
          error.code,
          error.message,
          now,
          id,
          now,
        ),
      ]);
      if (!results.ok) return results;
      const row = results.value[0]?.rows[0];
      if (row === undefined) return refusal('jobs.mark_dead', id, 'exhaust', 'job changed concurrently');
      return toJob(row);
    },

    async replay(id) {
      const now = clock.now();
      const results = await db.batch('jobs.replay', [
        stmt(
          `UPDATE queue_jobs SET status = 'queued', attempts = 0, cancel_requested = 0, error_code = NULL, enqueued_at = NULL,
             error_message = NULL, progress_pages = 0, progress_samples = 0, progress_bytes = 0,
             progress_percent = 0, started_at = NULL, heartbeat_at = NULL, finished_at = NULL, updated_at = ?
           WHERE id = ? AND ${inSources('replay')} AND NOT EXISTS (
             SELECT 1 FROM queue_jobs AS active WHERE active.principal = queue_jobs.principal
               AND active.request_key = queue_jobs.request_key AND ${statusList(ACTIVE_STATUSES, 'active.status')})
           RETURNING *`,
          now,
          id,
        ),
        // Only when this batch re-queued it: a queued job updated at this very instant.
        stmt(
          `UPDATE dead_letters SET replayed_at = ?, replay_count = replay_count + 1
           WHERE job_id = ? AND replayed_at IS NULL
             AND EXISTS (SELECT 1 FROM queue_jobs WHERE id = ? AND status = 'queued' AND updated_at = ?)`,
          now,
          id,
          id,
          now,
        ),
      ]);
      if (!results.ok) return results;
      const row = results.value[0]?.rows[0];
      if (row === undefined) return refusal('jobs.replay', id, 'replay', 'an identical job is active');
      return toJob(row);
    },
  };
}
