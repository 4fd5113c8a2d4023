// The job store's housekeeping (store.ts' JobStore): the scans the reaper and result expiry make,
// the record that a job's message was sent, and refused queue messages. Bounded SELECTs and single
// writes; no status transition (those are store.ts', each guarded by the state machine).
import { clampLimit } from '../db/rows.ts';
import { type Statement, stmt } from '../db/sql.ts';
import { ok, type Result } from '../errors.ts';
import type { Job } from './job.ts';
import type { JobStore, JobStoreOptions } from './store.ts';
import { toJob } from './store-rows.ts';

export type Housekeeping = Pick<
  JobStore,
  'findStale' | 'markEnqueued' | 'findUnsent' | 'expiredResults' | 'forgetResult' | 'recordRejection'
>;

/** The housekeeping queries over the project's D1 access layer. */
export function createHousekeeping(options: JobStoreOptions): Housekeeping {
  const { db, clock, ids } = options;

  // The jobs a bounded SELECT returns; one malformed row fails the whole list (a db_error).
  const listJobs = async (name: string, statement: Statement): Promise<Result<Job[]>> => {
    const rows = await db.all(name, statement);
    if (!rows.ok) return rows;
    const jobs: Job[] = [];
    for (const row of rows.value) {
      const job = toJob(row);
      if (!job.ok) return job;
      jobs.push(job.value);
    }
    return ok(jobs);
  };

  return {
    findStale(heartbeatOlderThan, limit) {
      return listJobs(
        'jobs.find_stale',
        stmt(
          `SELECT * FROM queue_jobs WHERE status = 'running' AND heartbeat_at < ?
           ORDER BY heartbeat_at, id LIMIT ?`,
          heartbeatOlderThan,
          clampLimit(limit, 100),
        ),
      );
    },

    async markEnqueued(id) {
      const now = clock.now();
      const written = await db.run(
        'jobs.mark_enqueued',
        stmt('UPDATE queue_jobs SET enqueued_at = ? WHERE id = ?', now, id),
      );
      return written.ok ? ok(now) : written;
    },

    findUnsent(olderThan, limit) {
      return listJobs(
        'jobs.find_unsent',
        stmt(
          `SELECT * FROM queue_jobs WHERE status = 'queued' AND enqueued_at IS NULL AND updated_at < ?
           ORDER BY updated_at, id LIMIT ?`,
          olderThan,
          clampLimit(limit, 100),
        ),
      );
    },

    async expiredResults(now, limit) {
      const rows = await db.all<{ id: string; result_key: string }>(
        'jobs.expired_results',
        stmt(
          `SELECT id, result_key FROM queue_jobs
           WHERE result_key IS NOT NULL AND result_expires_at <= ?
           ORDER BY result_expires_at, id LIMIT ?`,
          now,
          clampLimit(limit, 100),
        ),
      );
      return rows.ok ? ok(rows.value.map((r) => ({ id: r.id, key: r.result_key }))) : rows;
    },

    async forgetResult(id, key) {
      const written = await db.run(
        'jobs.forget_result',
        stmt(
          'UPDATE queue_jobs SET result_key = NULL, updated_at = ? WHERE id = ? AND result_key = ?',
          clock.now(),
          id,
          key,
        ),
      );
      return written.ok ? ok(undefined) : written;
    },

    async recordRejection(rejection) {
      const written = await db.run(
        'jobs.record_rejection',
        stmt(
          `INSERT INTO queue_rejections (id, queue, reason, job_id, body_sha256, received_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
          ids(),
          rejection.queue,
          rejection.reason,
          rejection.jobId ?? null,
          rejection.bodySha256,
          clock.now(),
        ),
      );
      return written.ok ? ok(undefined) : written;
    },
  };
}
