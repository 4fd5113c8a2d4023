// The guarded status write every job transition is (store.ts, store-dead-letters.ts): one
// conditional UPDATE whose WHERE lists the event's legal sources from the pure machine (state.ts)
// and any guard of its own, RETURNING the row when this caller's transition happened; when it
// changed nothing, a fresh read says why, as a typed value (not found, illegal, or the guard).
import type { Db } from '../db/d1.ts';
import { type SqlValue, stmt } from '../db/sql.ts';
import { err, ok, type Result } from '../errors.ts';
import type { Job } from './job.ts';
import { type JobEvent, type JobStatus, sourcesOf } from './state.ts';
import type { JobStoreResult } from './store.ts';
import { toJob } from './store-rows.ts';

/**
 * A message issued before the job's last replay belongs to an earlier life of the job: it may
 * neither claim nor bury the replayed one (binds the job id and the message's issued-at).
 */
export const NOT_REPLAYED_SINCE =
  'NOT EXISTS (SELECT 1 FROM dead_letters WHERE job_id = ? AND replayed_at IS NOT NULL AND replayed_at > ?)';

/** `status IN ('a','b')` for an event's sources: literals from the closed JOB_STATUSES set only. */
export function inSources(event: JobEvent): string {
  return statusList(sourcesOf(event));
}

export function statusList(statuses: readonly JobStatus[], column = 'status'): string {
  return `${column} IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** A guard beyond the event's sources: its SQL, its parameters and what a refusal by it means. */
export interface Guard {
  sql: string;
  params: readonly SqlValue[];
  reason: string;
}

/** The transition helpers over the project's D1 access layer. */
export function createTransitions(db: Db) {
  const readById = async (name: string, id: string): Promise<Result<Job | null>> => {
    const row = await db.first(name, stmt('SELECT * FROM queue_jobs WHERE id = ?', id));
    if (!row.ok) return row;
    return row.value === null ? ok(null) : toJob(row.value);
  };

  // After a conditional write changed nothing: say why, from a fresh read. The read is not atomic
  // with the write; it only explains a refusal that already happened.
  const refusal = async (
    name: string,
    id: string,
    event: JobEvent,
    guard: string,
  ): Promise<JobStoreResult<never>> => {
    const current = await readById(name, id);
    if (!current.ok) return current;
    if (current.value === null) return err({ kind: 'not_found', message: 'job not found' });
    const from = current.value.status;
    if (!sourcesOf(event).includes(from)) return err({ kind: 'illegal_transition', from, event });
    return err({ kind: 'conflict', message: guard });
  };

  // One conditional UPDATE ... RETURNING: the row if this caller's transition happened.
  const transitionRow = async (
    name: string,
    id: string,
    event: JobEvent,
    set: string,
    setParams: readonly SqlValue[],
    guard: Guard | null,
  ): Promise<JobStoreResult<Job>> => {
    const sql =
      `UPDATE queue_jobs SET ${set} WHERE id = ? AND ${inSources(event)}` +
      (guard ? ` AND ${guard.sql}` : '') +
      ' RETURNING *';
    const row = await db.first(name, stmt(sql, ...setParams, id, ...(guard?.params ?? [])));
    if (!row.ok) return row;
    if (row.value === null) return refusal(name, id, event, guard?.reason ?? 'job changed concurrently');
    return toJob(row.value);
  };

  return { readById, refusal, transitionRow };
}
