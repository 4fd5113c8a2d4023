// The D1 side of a job that runs as several tasks (tasks.ts): a finished task's result object is
// recorded and the job moved past the task in ONE batch under one guard — the job is running, in
// the attempt and at the task of the caller, and no cancel was requested — so only the attempt
// that owns a task can record it, and a lost attempt's write changes nothing. Owns no queue sends
// and no R2 (consumer.ts); the single-task lifecycle is store.ts'.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { type Statement, stmt } from '../db/sql.ts';
import { err, ok, type Result } from '../errors.ts';
import type { Job, JobProgress } from './job.ts';
import { sourcesOf } from './state.ts';
import { toJob } from './store-rows.ts';
import type { TaskPosition } from './tasks.ts';

/** The result object one task wrote: its key and stored bytes, and what it read from ACE. */
export interface TaskPart {
  key: string;
  /** The job's points it holds: [from, from + count). */
  points: { from: number; count: number };
  bytes: number;
  samples: number;
  pages: number;
  upstreamBytes: number;
}

/** A recorded part, as a result's reader needs it. */
export interface StoredPart {
  key: string;
  /** The job's points it holds; count null: all of them (a part written before point batches). */
  points: { from: number; count: number | null };
  samples: number;
}

/** What the caller's claim made of the job: its id, attempt and task. */
export type TaskOwner = Pick<Job, 'id' | 'attempts'> & { task: number };

/** Totals of a job's recorded parts, as the job's progress counts them (bytes: read from ACE). */
export interface PartTotals {
  samples: number;
  bytes: number;
  pages: number;
}

export interface TaskStore {
  /**
   * Records the part and moves the job to its next task: queued (its next message to be sent),
   * attempts 0, resuming at `resume`. Null when the guard refused it (cancel requested, or the
   * attempt lost the job): the caller's part was not recorded.
   */
  advance(
    owner: TaskOwner,
    part: TaskPart,
    next: { resume: TaskPosition; tasksTotal: number; progress: JobProgress },
  ): Promise<Result<Job | null>>;
  /**
   * Records the last part and the job's success: its result is every part, `resultKey` naming
   * their prefix, samples and bytes their sums. Null when the guard refused it.
   */
  finish(
    owner: TaskOwner,
    part: TaskPart,
    result: { resultKey: string; expiresAt: number },
  ): Promise<Result<Job | null>>;
  /** The recorded parts' totals of a job (zeros when none). */
  totals(jobId: string): Promise<Result<PartTotals>>;
  /** A job's first `count` parts, in task order. */
  parts(jobId: string, count: number): Promise<Result<StoredPart[]>>;
  /** Jobs that ended without a result (failed or cancelled) and still have parts, oldest first. */
  discardable(limit: number): Promise<Result<string[]>>;
  /** Forgets a job's parts (after their objects were deleted). */
  forget(jobId: string): Promise<Result<void>>;
}

const OWNER_GUARD = `id = ? AND status IN (${sourcesOf('yield')
  .map((s) => `'${s}'`)
  .join(', ')}) AND attempts = ? AND tasks_done = ? AND cancel_requested = 0`;
const ownerParams = (o: TaskOwner) => [o.id, o.attempts, o.task] as const;

/** The part's row, written only while the guard holds (the same guard as the job's update after it). */
const insertPart = (owner: TaskOwner, part: TaskPart): Statement =>
  stmt(
    `INSERT INTO job_task_results (job_id, task, result_key, first_point, point_count, bytes, samples, pages, upstream_bytes)
     SELECT id, tasks_done, ?, ?, ?, ?, ?, ?, ? FROM queue_jobs WHERE ${OWNER_GUARD}
     ON CONFLICT (job_id, task) DO UPDATE SET result_key = excluded.result_key, first_point = excluded.first_point,
       point_count = excluded.point_count, bytes = excluded.bytes, samples = excluded.samples,
       pages = excluded.pages, upstream_bytes = excluded.upstream_bytes`,
    part.key,
    part.points.from,
    part.points.count,
    part.bytes,
    part.samples,
    part.pages,
    part.upstreamBytes,
    ...ownerParams(owner),
  );

const PART_SUM = (column: string) =>
  `(SELECT COALESCE(SUM(${column}), 0) FROM job_task_results WHERE job_id = ?)`;

/** Creates the task store over the project's D1 access layer. */
export function createTaskStore(options: { db: Db; clock: Clock }): TaskStore {
  const { db, clock } = options;

  // The batch's last statement returns the job when the guard held.
  const guarded = async (name: string, statements: Statement[]): Promise<Result<Job | null>> => {
    const results = await db.batch(name, statements);
    if (!results.ok) return results;
    const row = results.value[statements.length - 1]?.rows[0];
    return row === undefined ? ok(null) : toJob(row);
  };

  return {
    advance(owner, part, next) {
      const now = clock.now();
      const p = next.progress;
      return guarded('jobs.task_advance', [
        insertPart(owner, part),
        stmt(
          `UPDATE queue_jobs SET status = 'queued', attempts = 0, tasks_done = tasks_done + 1,
             tasks_total = ?, resume_point = ?, resume_ms = ?, progress_pages = ?, progress_samples = ?, progress_bytes = ?,
             progress_percent = ?, heartbeat_at = ?, updated_at = ?, enqueued_at = NULL
           WHERE ${OWNER_GUARD} RETURNING *`,
          Math.max(1, Math.trunc(next.tasksTotal)),
          next.resume.point,
          next.resume.ms,
          Math.max(0, Math.trunc(p.pages)),
          Math.max(0, Math.trunc(p.samples)),
          Math.max(0, Math.trunc(p.bytes)),
          Math.min(100, Math.max(0, p.percent)),
          now,
          now,
          ...ownerParams(owner),
        ),
      ]);
    },

    finish(owner, part, result) {
      const now = clock.now();
      return guarded('jobs.task_finish', [
        insertPart(owner, part),
        stmt(
          `UPDATE queue_jobs SET status = 'succeeded', tasks_done = tasks_done + 1, tasks_total = tasks_done + 1,
             resume_point = NULL, resume_ms = NULL, result_key = ?, result_bytes = ${PART_SUM('bytes')},
             result_samples = ${PART_SUM('samples')}, result_expires_at = ?,
             progress_samples = ${PART_SUM('samples')}, progress_bytes = ${PART_SUM('upstream_bytes')},
             progress_pages = ${PART_SUM('pages')}, progress_percent = 100,
             heartbeat_at = ?, finished_at = ?, updated_at = ?
           WHERE ${OWNER_GUARD} RETURNING *`,
          result.resultKey,
          owner.id,
          owner.id,
          result.expiresAt,
          owner.id,
          owner.id,
          owner.id,
          now,
          now,
          now,
          ...ownerParams(owner),
        ),
      ]);
    },

    async totals(jobId) {
      const row = await db.first<PartTotals>(
        'jobs.task_totals',
        stmt(
          `SELECT COALESCE(SUM(samples), 0) AS samples, COALESCE(SUM(upstream_bytes), 0) AS bytes,
             COALESCE(SUM(pages), 0) AS pages FROM job_task_results WHERE job_id = ?`,
          jobId,
        ),
      );
      if (!row.ok) return row;
      return ok(row.value ?? { samples: 0, bytes: 0, pages: 0 });
    },

    async parts(jobId, count) {
      const rows = await db.all<{
        task: number;
        result_key: string;
        first_point: number;
        point_count: number | null;
        samples: number;
      }>(
        'jobs.task_parts',
        stmt(
          `SELECT task, result_key, first_point, point_count, samples FROM job_task_results
           WHERE job_id = ? AND task < ? ORDER BY task`,
          jobId,
          count,
        ),
      );
      if (!rows.ok) return rows;
      // Every task below `count` must have its part: a gap is a result that cannot be read whole.
      if (rows.value.length !== count || rows.value.some((r, i) => r.task !== i)) {
        return err({ kind: 'db_error', message: 'the result parts are incomplete' });
      }
      return ok(
        rows.value.map((r) => ({
          key: r.result_key,
          points: { from: r.first_point, count: r.point_count },
          samples: r.samples,
        })),
      );
    },

    async discardable(limit) {
      const rows = await db.all<{ job_id: string }>(
        'jobs.task_discardable',
        stmt(
          `SELECT DISTINCT p.job_id FROM job_task_results AS p JOIN queue_jobs AS j ON j.id = p.job_id
           WHERE j.status IN ('failed', 'cancelled') ORDER BY p.job_id LIMIT ?`,
          Math.max(1, Math.min(100, Math.trunc(limit))),
        ),
      );
      return rows.ok ? ok(rows.value.map((r) => r.job_id)) : rows;
    },

    async forget(jobId) {
      const written = await db.run(
        'jobs.task_forget',
        stmt('DELETE FROM job_task_results WHERE job_id = ?', jobId),
      );
      return written.ok ? ok(undefined) : written;
    },
  };
}
