// A job as the application sees it (the D1 row's shape is store-rows.ts'): its request, status,
// priority, progress, result and error. Types only, shared by the store, the consumer, the
// submitter and the routes.
import type { JobStatus } from './state.ts';
import type { TaskPosition } from './tasks.ts';

export type JobPriority = 'normal' | 'high';
export const JOB_PRIORITIES = ['normal', 'high'] as const satisfies readonly JobPriority[];

/** The stored request: whatever the consumer needs to rerun it (never a token). */
export type JobRequest = Record<string, unknown>;

export interface JobProgress {
  pages: number;
  samples: number;
  bytes: number;
  /** 0–100; clamped on write (the schema's CHECK). */
  percent: number;
}

export interface JobResult {
  key: string;
  bytes: number;
  samples: number;
  /** Epoch ms after which the result is gone (410). */
  expiresAt: number;
}

export interface JobError {
  code: string;
  message: string;
}

/** One queue_jobs row as the rest of the code sees it. */
export interface Job {
  id: string;
  principal: string;
  site: string;
  requestKey: string;
  request: JobRequest;
  status: JobStatus;
  priority: JobPriority;
  attempts: number;
  maxAttempts: number;
  estimatedSamples: number | null;
  progress: JobProgress;
  cancelRequested: boolean;
  result: JobResult | null;
  error: JobError | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  heartbeatAt: number | null;
  finishedAt: number | null;
  /** When its message was last known sent; null while a queued job may have none. */
  enqueuedAt: number | null;
  /**
   * A job runs as a chain of tasks (tasks.ts): how many are done, and how many the plan has now
   * (done + those still planned; 1 for a job that fits one task).
   */
  tasks: { done: number; total: number };
  /** Where the next task starts (tasks.ts): the first point of its batch, and the time within it. */
  resume: TaskPosition;
}

export interface NewJob {
  principal: string;
  site: string;
  /** Hex SHA-256 of the canonical request: identical active requests share one job. */
  requestKey: string;
  request: JobRequest;
  priority: JobPriority;
  maxAttempts: number;
  estimatedSamples: number | null;
}
