// The job lifecycle as an explicit, pure state machine: queued → running → succeeded | failed |
// cancelled, running → retrying → running, running → queued between two tasks of a job that runs
// as several (tasks.ts), and → dead when retries are exhausted. Every status it
// yields is one the schema's CHECK allows (the earlier version wrote one it rejected). Owns which
// transitions are legal; the store applies them atomically in D1.

/** The job statuses of the HTTP contract and of queue_jobs.status. */
export const JOB_STATUSES = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves (replay of a dead job starts a new attempt cycle explicitly). */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'dead'];
/** Statuses in which an identical request returns the existing job. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running', 'retrying'];

/** What can happen to a job. */
export type JobEvent =
  | 'claim' // a consumer starts an attempt
  | 'succeed'
  | 'fail' // permanent failure
  | 'retry' // transient failure, attempts left
  | 'exhaust' // transient failure, no attempts left, or the DLQ says so
  | 'cancel'
  | 'reap' // heartbeat lost: back to retrying (or dead via exhaust)
  | 'replay' // an operator re-queues a dead job
  | 'yield'; // a task is done and the next one's message is on its way

const TRANSITIONS: Record<JobStatus, Partial<Record<JobEvent, JobStatus>>> = {
  queued: { claim: 'running', cancel: 'cancelled', fail: 'failed', exhaust: 'dead' },
  running: {
    succeed: 'succeeded',
    fail: 'failed',
    retry: 'retrying',
    exhaust: 'dead',
    cancel: 'cancelled',
    reap: 'retrying',
    yield: 'queued',
  },
  retrying: { claim: 'running', cancel: 'cancelled', fail: 'failed', exhaust: 'dead' },
  succeeded: {},
  failed: {},
  cancelled: {},
  dead: { replay: 'queued' },
};

/** A transition that the machine forbids: a bug or a race the caller lost, never a crash. */
export interface IllegalTransition {
  kind: 'illegal_transition';
  from: JobStatus;
  event: JobEvent;
}

/** The status after `event`, or the typed refusal. */
export function transition(
  from: JobStatus,
  event: JobEvent,
): { ok: true; to: JobStatus } | { ok: false; error: IllegalTransition } {
  const to = TRANSITIONS[from][event];
  return to ? { ok: true, to } : { ok: false, error: { kind: 'illegal_transition', from, event } };
}

/** The statuses from which `event` is legal: what a conditional UPDATE's WHERE must list. */
export function sourcesOf(event: JobEvent): JobStatus[] {
  return JOB_STATUSES.filter((s) => TRANSITIONS[s][event] !== undefined);
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
