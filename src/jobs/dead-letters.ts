// The admin view of dead_letters: a keyset-paged listing (newest first) and replay by dead-letter
// id. Read-only over D1: the store writes dead letters (markDead) and closes them (replay); replay
// here only resolves a letter to its job and hands it to the submitter, which re-queues and sends.
import { z } from 'zod';
import type { Db } from '../db/d1.ts';
import { type Page, parseJsonColumnOr } from '../db/rows.ts';
import { stmt } from '../db/sql.ts';
import { err, ok, type Result } from '../errors.ts';
import type { Job, JobRequest } from './store.ts';

/** One dead_letters row as the admin API shows it. */
export interface DeadLetter {
  id: string;
  jobId: string;
  /** The queue whose retries ran out. */
  queue: string;
  error: { code: string; message: string } | null;
  attempts: number;
  /** The job's stored request (never a token). */
  request: JobRequest;
  createdAt: number;
  /** Null while open: the job is dead and waits for a replay. */
  replayedAt: number | null;
  replayCount: number;
}

/** Which letters a listing shows. */
export type DeadLetterState = 'open' | 'all';

export interface DeadLetterListOptions {
  limit?: number | null;
  cursor?: string | null;
  state?: DeadLetterState;
}

export interface DeadLetters {
  /** Newest first; open letters only unless `state: 'all'`. */
  list(options: DeadLetterListOptions): Promise<Result<Page<DeadLetter>>>;
  /** The letter, or null. */
  get(id: string): Promise<Result<DeadLetter | null>>;
  /**
   * Replays the letter's job: not_found for an unknown letter, conflict for a letter already
   * replayed or a job that is not dead; else whatever the replay gives (the re-queued job).
   */
  replay(id: string): Promise<Result<Job>>;
}

export interface DeadLettersOptions {
  db: Db;
  /** Re-queues a dead job by job id: the submitter's replay (store transition + signed send). */
  replayJob: (jobId: string) => Promise<Result<Job>>;
}

const rowSchema = z.object({
  id: z.string(),
  job_id: z.string(),
  queue: z.string(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  attempts: z.number().int(),
  request: z.unknown(),
  created_at: z.number().int(),
  replayed_at: z.number().int().nullable(),
  replay_count: z.number().int(),
});

const requestSchema = z.record(z.string(), z.unknown());

/** The keyset of the listing: (created_at DESC, id ASC), the order of idx_dead_letters_created. */
const cursorSchema = z.tuple([z.number().int(), z.string()]);

const COLUMNS =
  'id, job_id, queue, error_code, error_message, attempts, request, created_at, replayed_at, replay_count';

function toDeadLetter(row: unknown): Result<DeadLetter> {
  const parsed = rowSchema.safeParse(row);
  if (!parsed.success) return err({ kind: 'db_error', message: 'stored data is malformed' });
  const r = parsed.data;
  return ok({
    id: r.id,
    jobId: r.job_id,
    queue: r.queue,
    error: r.error_code !== null ? { code: r.error_code, message: r.error_message ?? '' } : null,
    attempts: r.attempts,
    request: parseJsonColumnOr(r.request, requestSchema, {}),
    createdAt: r.created_at,
    replayedAt: r.replayed_at,
    replayCount: r.replay_count,
  });
}

/** Creates the admin view of the DLQ. */
export function createDeadLetters(options: DeadLettersOptions): DeadLetters {
  const { db, replayJob } = options;

  const get = async (id: string): Promise<Result<DeadLetter | null>> => {
    const row = await db.first(
      'dead_letters.get',
      stmt(`SELECT ${COLUMNS} FROM dead_letters WHERE id = ?`, id),
    );
    if (!row.ok) return row;
    return row.value === null ? ok(null) : toDeadLetter(row.value);
  };

  return {
    async list({ limit, cursor, state = 'open' }) {
      const open = state === 'open' ? ' AND replayed_at IS NULL' : '';
      const page = await db.listPage<Record<string, unknown>, [number, string]>('dead_letters.list', {
        cursor,
        limit,
        cursorSchema,
        query: (after, fetchLimit) =>
          after === null
            ? stmt(
                `SELECT ${COLUMNS} FROM dead_letters WHERE 1 = 1${open}
                 ORDER BY created_at DESC, id LIMIT ?`,
                fetchLimit,
              )
            : stmt(
                `SELECT ${COLUMNS} FROM dead_letters
                 WHERE (created_at < ? OR (created_at = ? AND id > ?))${open}
                 ORDER BY created_at DESC, id LIMIT ?`,
                after[0],
                after[0],
                after[1],
                fetchLimit,
              ),
        keyOf: (row) => [Number(row.created_at), String(row.id)],
      });
      if (!page.ok) return page;
      const items: DeadLetter[] = [];
      for (const row of page.value.items) {
        const letter = toDeadLetter(row);
        if (!letter.ok) return letter;
        items.push(letter.value);
      }
      return ok({ items, next_cursor: page.value.next_cursor });
    },

    get,

    async replay(id) {
      const letter = await get(id);
      if (!letter.ok) return letter;
      if (letter.value === null) return err({ kind: 'not_found', message: 'no such dead letter' });
      if (letter.value.replayedAt !== null) {
        return err({ kind: 'conflict', message: 'this dead letter was already replayed' });
      }
      const replayed = await replayJob(letter.value.jobId);
      // The job vanished between the two reads (deleting a job deletes its letters).
      if (!replayed.ok && replayed.error.kind === 'not_found') {
        return err({ kind: 'not_found', message: 'no such dead letter' });
      }
      return replayed;
    },
  };
}
