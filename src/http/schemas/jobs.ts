// Schemas of the job routes (API.md): the job id parameter, the job's status body, the 202 body
// of an accepted request and the cancel answer, plus the presenter from a stored Job. Pure zod.
import { z } from '@hono/zod-openapi';
import { JOB_STATUSES } from '../../jobs/state.ts';
import type { Job } from '../../jobs/store.ts';

/** Job ids are random UUIDs; anything else is refused before a query is made. */
export const jobParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a job id')
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b6f6a8e-8f5c-4a55-9a52-6b0f8a0b9f3e' }),
});

const progressSchema = z.object({
  pages: z.number().int(),
  samples: z.number().int(),
  bytes: z.number().int(),
  percent: z.number(),
  // A job runs as tasks of at most JOB_TASK_MAX_SAMPLES estimated samples, one at a time.
  tasks_done: z.number().int().openapi({ description: 'tasks of the job done' }),
  tasks_total: z.number().int().openapi({ description: 'tasks its plan has (1 for a job of one task)' }),
});

/** `GET /api/jobs/{id}`. Times are epoch ms. */
export const jobStatusSchema = z
  .object({
    id: z.string(),
    status: z.enum(JOB_STATUSES),
    priority: z.enum(['normal', 'high']),
    progress: progressSchema,
    attempts: z.number().int().openapi({ description: 'attempts of the current task' }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    created_at: z.number().int(),
    started_at: z.number().int().nullable(),
    finished_at: z.number().int().nullable(),
    result_url: z.string().openapi({ description: 'answers 409 until the job succeeded, 410 once expired' }),
  })
  .openapi('Job');

/** The 202 answer to a request served as a job. */
export const jobAcceptedSchema = z
  .object({
    job: z.object({
      id: z.string(),
      status: z.enum(JOB_STATUSES),
      status_url: z.string(),
      result_url: z.string(),
    }),
  })
  .openapi('JobAccepted');

/** `DELETE /api/jobs/{id}`. */
export const jobCancelledSchema = z
  .object({
    id: z.string(),
    status: z.literal('cancelled'),
    pending: z
      .boolean()
      .openapi({ description: 'true while a running job has yet to reach its next page boundary' }),
  })
  .openapi('JobCancelled');

export const statusUrlOf = (id: string) => `/api/jobs/${id}`;
export const resultUrlOf = (id: string) => `/api/jobs/${id}/result`;

/** The status body of a job. */
export function presentJob(job: Job): z.output<typeof jobStatusSchema> {
  return {
    id: job.id,
    status: job.status,
    priority: job.priority,
    progress: { ...job.progress, tasks_done: job.tasks.done, tasks_total: job.tasks.total },
    attempts: job.attempts,
    error: job.error,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    result_url: resultUrlOf(job.id),
  };
}
