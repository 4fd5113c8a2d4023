// The D1 side of the job lifecycle: queue_jobs rows, their dead_letters and queue_rejections.
// Every status write is ONE conditional statement whose WHERE lists the legal sources from the
// pure machine (state.ts), so a lost race or an illegal event changes 0 rows and comes back as a
// typed value, never a throw (the guarded write itself: store-transition.ts). A job's death and
// replay, which write its dead letter too, are store-dead-letters.ts'; scans and records that
// move no status, store-housekeeping.ts'; the parts of jobs run as tasks, task-store.ts'. Owns no
// queue sends, no ACE calls and no R2.
import type { Clock, IdGenerator } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { type Statement, stmt } from '../db/sql.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import type { Job, JobError, JobProgress, JobResult, NewJob } from './job.ts';
import type { RejectionReason } from './messages.ts';
import { ACTIVE_STATUSES, type IllegalTransition } from './state.ts';
import { createDeadLetterTransitions } from './store-dead-letters.ts';
import { createHousekeeping } from './store-housekeeping.ts';
import { toJob } from './store-rows.ts';
import { createTransitions, inSources, NOT_REPLAYED_SINCE, statusList } from './store-transition.ts';

export {
  JOB_PRIORITIES,
  type Job,
  type JobError,
  type JobPriority,
  type JobProgress,
  type JobRequest,
  type JobResult,
  type NewJob,
} from './job.ts';

/** What a store call can refuse: an application error or an event the machine forbids. */
export type JobStoreError = AppError | IllegalTransition;
export type JobStoreResult<T> = Result<T, JobStoreError>;

/** A store refusal as an application error: an illegal transition is a lost race, a conflict. */
export function toAppError(error: JobStoreError): AppError {
  return error.kind === 'illegal_transition'
    ? { kind: 'conflict', message: `the job cannot ${error.event} while ${error.from}` }
    : error;
}

/** Why a message was refused (queue_rejections.reason). */
export type QueueRejectionReason = RejectionReason | 'unknown_job';

export interface QueueRejection {
  queue: string;
  reason: QueueRejectionReason;
  jobId?: string | null;
  bodySha256: string;
}

export interface JobStore {
  /** The new job (`created: true`) or the existing active one for (principal, requestKey). */
  create(input: NewJob): Promise<JobStoreResult<{ job: Job; created: boolean }>>;
  /** queued | retrying → running, attempts + 1; at most one caller wins. */
  claim(id: string, messageIssuedAt?: number): Promise<JobStoreResult<Job>>;
  /** Progress while running; tells the consumer whether to stop at this page boundary. */
  heartbeat(id: string, progress: JobProgress): Promise<JobStoreResult<{ cancelRequested: boolean }>>;
  /** running → succeeded with its result (refused once a cancel was requested). */
  succeed(id: string, result: JobResult): Promise<JobStoreResult<Job>>;
  /** → failed (permanent). */
  fail(id: string, error: JobError): Promise<JobStoreResult<Job>>;
  /** running → retrying (transient), while attempts remain and no cancel was requested. */
  retry(id: string, error: JobError): Promise<JobStoreResult<Job>>;
  /** running → retrying when its heartbeat is older than `heartbeatOlderThan` (the reaper). */
  reap(id: string, heartbeatOlderThan: number): Promise<JobStoreResult<Job>>;
  /** → dead, plus exactly one open dead_letters row, in one batch. */
  markDead(
    id: string,
    error: JobError & { queue: string },
    messageIssuedAt?: number,
  ): Promise<JobStoreResult<Job>>;
  /**
   * dead → queued with fresh attempts, closing its open dead letter, in one batch. Refused with a
   * conflict while an identical job is active (the active-request index allows only one).
   */
  replay(id: string): Promise<JobStoreResult<Job>>;
  /** queued | retrying → cancelled now; running → cancel_requested; terminal → conflict. */
  requestCancel(id: string, principal: string): Promise<JobStoreResult<Job>>;
  /** running with a cancel requested → cancelled: the consumer's stop at a page boundary. */
  confirmCancel(id: string): Promise<JobStoreResult<Job>>;
  /** The principal's job, or null (another principal's job is null too). */
  get(id: string, principal: string): Promise<Result<Job | null>>;
  /** Running jobs whose heartbeat is older than the limit, oldest first. */
  findStale(heartbeatOlderThan: number, limit: number): Promise<Result<Job[]>>;
  /** Records a refused queue message. */
  recordRejection(rejection: QueueRejection): Promise<Result<void>>;
  /** Records that the job's message was handed to its queue; answers the time recorded. */
  markEnqueued(id: string): Promise<Result<number>>;
  /** Queued jobs with no message known sent, unchanged since `olderThan`, oldest first. */
  findUnsent(olderThan: number, limit: number): Promise<Result<Job[]>>;
  /** Jobs whose result expired at or before `now` and still name its object, oldest first. */
  expiredResults(now: number, limit: number): Promise<Result<Array<{ id: string; key: string }>>>;
  /** Forgets a job's result object (after it was deleted from R2): the result route says 410. */
  forgetResult(id: string, key: string): Promise<Result<void>>;
}

export interface JobStoreOptions {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
}

/** Creates attempts to insert one job before giving up on a create that keeps racing. */
const CREATE_ATTEMPTS = 3;

const clampPercent = (p: number) => (Number.isFinite(p) ? Math.min(100, Math.max(0, p)) : 0);
const count = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0);

/** Creates the job store over the project's D1 access layer. */
export function createJobStore(options: JobStoreOptions): JobStore {
  const { db, clock, ids } = options;

  const { readById, refusal, transitionRow } = createTransitions(db);

  const insertJob = (id: string, input: NewJob, now: number): Statement =>
    stmt(
      `INSERT INTO queue_jobs (id, principal, site, request_key, request, status, priority, attempts,
         max_attempts, estimated_samples, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'queued', ?, 0, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING RETURNING *`,
      id,
      input.principal,
      input.site,
      input.requestKey,
      JSON.stringify(input.request),
      input.priority,
      input.maxAttempts,
      input.estimatedSamples,
      now,
      now,
    );

  return {
    ...createHousekeeping(options),
    ...createDeadLetterTransitions(options, { refusal }),

    async create(input) {
      if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1) {
        throw new RangeError('maxAttempts must be an integer ≥ 1');
      }
      // A conflict on the active-request index means an identical job is active: return it. If it
      // finished between our INSERT and SELECT, the index is free again, so insert once more.
      for (let i = 0; i < CREATE_ATTEMPTS; i++) {
        const inserted = await db.first('jobs.create', insertJob(ids(), input, clock.now()));
        if (!inserted.ok) return inserted;
        if (inserted.value !== null) {
          const job = toJob(inserted.value);
          return job.ok ? ok({ job: job.value, created: true }) : job;
        }
        const existing = await db.first(
          'jobs.create_existing',
          stmt(
            `SELECT * FROM queue_jobs WHERE principal = ? AND request_key = ? AND ${statusList(ACTIVE_STATUSES)}`,
            input.principal,
            input.requestKey,
          ),
        );
        if (!existing.ok) return existing;
        if (existing.value !== null) {
          const job = toJob(existing.value);
          return job.ok ? ok({ job: job.value, created: false }) : job;
        }
      }
      return err({ kind: 'conflict', message: 'the job could not be created; try again' });
    },

    claim(id, messageIssuedAt) {
      const now = clock.now();
      return transitionRow(
        'jobs.claim',
        id,
        'claim',
        `status = 'running', attempts = attempts + 1, started_at = ?, heartbeat_at = ?, updated_at = ?,
         error_code = NULL, error_message = NULL`,
        [now, now, now],
        {
          sql: `attempts < max_attempts AND cancel_requested = 0 AND ${NOT_REPLAYED_SINCE}`,
          params: [id, messageIssuedAt ?? Number.MAX_SAFE_INTEGER],
          reason: 'no attempts left, or the message predates a replay',
        },
      );
    },

    async heartbeat(id, progress) {
      const now = clock.now();
      const row = await db.first<{ cancel_requested: number }>(
        'jobs.heartbeat',
        stmt(
          `UPDATE queue_jobs SET progress_pages = ?, progress_samples = ?, progress_bytes = ?,
             progress_percent = ?, heartbeat_at = ?, updated_at = ?
           WHERE id = ? AND status = 'running' RETURNING cancel_requested`,
          count(progress.pages),
          count(progress.samples),
          count(progress.bytes),
          clampPercent(progress.percent),
          now,
          now,
          id,
        ),
      );
      if (!row.ok) return row;
      if (row.value === null) {
        const current = await readById('jobs.heartbeat', id);
        if (!current.ok) return current;
        return err(
          current.value === null
            ? { kind: 'not_found', message: 'job not found' }
            : { kind: 'conflict', message: 'job is not running' },
        );
      }
      return ok({ cancelRequested: row.value.cancel_requested === 1 });
    },

    succeed(id, result) {
      const now = clock.now();
      return transitionRow(
        'jobs.succeed',
        id,
        'succeed',
        // Progress ends at the result's own count: a heartbeat's was taken part-way through a slice.
        `status = 'succeeded', result_key = ?, result_bytes = ?, result_samples = ?, result_expires_at = ?,
         progress_samples = ?, progress_percent = 100, heartbeat_at = ?, finished_at = ?, updated_at = ?`,
        [
          result.key,
          count(result.bytes),
          count(result.samples),
          result.expiresAt,
          count(result.samples),
          now,
          now,
          now,
        ],
        // A cancelled job never becomes succeeded: the consumer confirms the cancel instead.
        { sql: 'cancel_requested = 0', params: [], reason: 'cancel requested' },
      );
    },

    fail(id, error) {
      const now = clock.now();
      return transitionRow(
        'jobs.fail',
        id,
        'fail',
        `status = 'failed', error_code = ?, error_message = ?, finished_at = ?, updated_at = ?`,
        [error.code, error.message, now, now],
        null,
      );
    },

    retry(id, error) {
      const now = clock.now();
      return transitionRow(
        'jobs.retry',
        id,
        'retry',
        `status = 'retrying', error_code = ?, error_message = ?, updated_at = ?`,
        [error.code, error.message, now],
        // Without attempts left a retrying job could never be claimed again: mark it dead instead.
        {
          sql: 'attempts < max_attempts AND cancel_requested = 0',
          params: [],
          reason: 'no attempts left or cancel requested',
        },
      );
    },

    reap(id, heartbeatOlderThan) {
      const now = clock.now();
      return transitionRow(
        'jobs.reap',
        id,
        'reap',
        `status = 'retrying', error_code = 'heartbeat_lost', error_message = 'the job stopped reporting progress',
         updated_at = ?`,
        [now],
        // Past the attempt limit the reaper marks it dead instead; retrying could never be claimed.
        // A job whose cancel was accepted is the reaper's to cancel, never to run again.
        {
          sql: 'heartbeat_at < ? AND attempts < max_attempts AND cancel_requested = 0',
          params: [heartbeatOlderThan],
          reason: 'heartbeat is recent, no attempts left or a cancel was requested',
        },
      );
    },

    async requestCancel(id, principal) {
      const now = clock.now();
      const row = await db.first(
        'jobs.request_cancel',
        stmt(
          `UPDATE queue_jobs SET
             status = CASE WHEN status = 'running' THEN 'running' ELSE 'cancelled' END,
             finished_at = CASE WHEN status = 'running' THEN finished_at ELSE ? END,
             cancel_requested = 1, updated_at = ?
           WHERE id = ? AND principal = ? AND ${inSources('cancel')} RETURNING *`,
          now,
          now,
          id,
          principal,
        ),
      );
      if (!row.ok) return row;
      if (row.value !== null) return toJob(row.value);
      const current = await db.first(
        'jobs.request_cancel',
        stmt('SELECT status FROM queue_jobs WHERE id = ? AND principal = ?', id, principal),
      );
      if (!current.ok) return current;
      return err(
        current.value === null
          ? { kind: 'not_found', message: 'job not found' }
          : { kind: 'conflict', message: 'job already finished' },
      );
    },

    confirmCancel(id) {
      const now = clock.now();
      return transitionRow(
        'jobs.confirm_cancel',
        id,
        'cancel',
        `status = 'cancelled', finished_at = ?, updated_at = ?`,
        [now, now],
        { sql: `status = 'running' AND cancel_requested = 1`, params: [], reason: 'no cancel requested' },
      );
    },

    async get(id, principal) {
      const row = await db.first(
        'jobs.get',
        stmt('SELECT * FROM queue_jobs WHERE id = ? AND principal = ?', id, principal),
      );
      if (!row.ok) return row;
      return row.value === null ? ok(null) : toJob(row.value);
    },
  };
}
