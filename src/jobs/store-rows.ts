// A queue_jobs row read back as a Job: the row's schema, and the mapping that turns a row the
// schema would not allow into a db_error, never a crash. Pure.
import { z } from 'zod';
import { parseJsonColumnOr } from '../db/rows.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { JOB_PRIORITIES, type Job } from './job.ts';
import { JOB_STATUSES } from './state.ts';

const nullableInt = z.number().int().nullable();
const rowSchema = z.object({
  id: z.string(),
  principal: z.string(),
  site: z.string(),
  request_key: z.string(),
  request: z.unknown(),
  status: z.enum(JOB_STATUSES),
  priority: z.enum(JOB_PRIORITIES),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  estimated_samples: nullableInt,
  progress_pages: z.number().int(),
  progress_samples: z.number().int(),
  progress_bytes: z.number().int(),
  progress_percent: z.number(),
  cancel_requested: z.number().int(),
  result_key: z.string().nullable(),
  result_bytes: nullableInt,
  result_samples: nullableInt,
  result_expires_at: nullableInt,
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  started_at: nullableInt,
  heartbeat_at: nullableInt,
  finished_at: nullableInt,
  // Added by migration 0002; absent only in rows read through an older SELECT list.
  enqueued_at: nullableInt.optional(),
  // Added by migration 0003 (jobs run as tasks); absent only through an older SELECT list.
  tasks_done: z.number().int().optional(),
  tasks_total: z.number().int().optional(),
  resume_ms: nullableInt.optional(),
  // Added by migration 0004 (point batches); absent only through an older SELECT list.
  resume_point: nullableInt.optional(),
});

const requestSchema = z.record(z.string(), z.unknown());

const MALFORMED: AppError = { kind: 'db_error', message: 'stored data is malformed' };

/** Maps a queue_jobs row; a row the schema would not allow is a db_error, never a crash. */
export function toJob(row: unknown): Result<Job> {
  const parsed = rowSchema.safeParse(row);
  if (!parsed.success) return err(MALFORMED);
  const r = parsed.data;
  const result =
    r.result_key !== null &&
    r.result_bytes !== null &&
    r.result_samples !== null &&
    r.result_expires_at !== null
      ? {
          key: r.result_key,
          bytes: r.result_bytes,
          samples: r.result_samples,
          expiresAt: r.result_expires_at,
        }
      : null;
  return ok({
    id: r.id,
    principal: r.principal,
    site: r.site,
    requestKey: r.request_key,
    request: parseJsonColumnOr(r.request, requestSchema, {}),
    status: r.status,
    priority: r.priority,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    estimatedSamples: r.estimated_samples,
    progress: {
      pages: r.progress_pages,
      samples: r.progress_samples,
      bytes: r.progress_bytes,
      percent: r.progress_percent,
    },
    cancelRequested: r.cancel_requested === 1,
    result,
    error: r.error_code !== null ? { code: r.error_code, message: r.error_message ?? '' } : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    finishedAt: r.finished_at,
    enqueuedAt: r.enqueued_at ?? null,
    tasks: { done: r.tasks_done ?? 0, total: r.tasks_total ?? 1 },
    resume: { point: r.resume_point ?? null, ms: r.resume_ms ?? null },
  });
}
