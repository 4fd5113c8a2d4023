// The job lifecycle as the model sees it (spec/model/jobs.model.spec.ts): per job a status,
// attempts, runs and transient failures, plus the messages Queues holds, and what the consumer,
// the DLQ consumer and Queues itself do to them. Far simpler than the system, and pure: the real
// system it is compared with is system.ts, the operations that drive both are commands.ts.
import { sitePoints } from '../../../fixtures/ace/catalogue.ts';
import type { SignedJobMessage } from '../../../src/jobs/messages.ts';
import type { JobStatus } from '../../../src/jobs/state.ts';
import type { JobPriority } from '../../../src/jobs/store.ts';

/** wrangler.toml: max_retries of both job queues' consumers. */
export const MAX_RETRIES = 5;
/** One claim per delivery Queues makes: the first and max_retries more. */
export const MAX_ATTEMPTS = MAX_RETRIES + 1;
/** wrangler.toml JOB_HEARTBEAT_TIMEOUT_S. */
export const HEARTBEAT_TIMEOUT_MS = 300_000;
export const QUEUE_OF: Record<JobPriority, string> = {
  normal: 'vitals-edge-jobs',
  high: 'vitals-edge-jobs-high',
};
export const DLQ = 'vitals-edge-jobs-dlq';
export const T0 = Date.UTC(2026, 1, 10, 15, 30);
export const HOUR = 3_600_000;
/** Jobs per run: enough for identical requests, replays and DLQ traffic to meet. */
export const MAX_JOBS = 5;
/**
 * Tasks per job: a job's two points are each a task (system.ts' task limit is half the job's
 * estimate), so every job yields once to its next task's message on the way to success.
 */
export const TASKS = 2;
export const POINTS = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 2)
  .map((p) => p.point.name);

/** What the model knows of one job. */
export interface ModelJob {
  id: string;
  principal: string;
  /** Index of its request in JobsModel.requests: jobs of one request share principal and key. */
  request: number;
  priority: JobPriority;
  status: JobStatus;
  attempts: number;
  cancelRequested: boolean;
  /** A cancel the store accepted, ever. */
  cancelAccepted: boolean;
  /** Claims over the job's whole life: each is exactly one ACE fetch. */
  runs: number;
  /** Transient failures (a lost heartbeat is one) of its current task, since it began or was replayed. */
  failures: number;
  /** Tasks done: the next claim runs task tasksDone + 1 of TASKS. */
  tasksDone: number;
  /** Times it was buried: one dead_letters row each. */
  deaths: number;
  heartbeatAt: number | null;
  lastBody: SignedJobMessage;
  /** When an operator last replayed it: messages issued before belong to its earlier life. */
  replayedAt: number | null;
}

/** A message Queues holds for a job: on its queue or, once retries ran out, on the DLQ. */
export interface InFlight {
  jobId: string;
  body: SignedJobMessage;
  queue: string;
  /** Deliveries so far on this queue (what message.attempts says on the next one, minus one). */
  deliveries: number;
}

export interface JobsModel {
  run: string;
  now: number;
  jobs: ModelJob[];
  inFlight: InFlight[];
  /** Distinct requests of this run; each gets its own ACE window, so ACE calls count per request. */
  requests: { principal: string; requestKey: string; startMs: number }[];
}

export type AceOutcome = 'ok' | 'transient' | 'permanent' | 'crash';
export type Decision = 'ack' | 'retry';

export const ACTIVE: readonly JobStatus[] = ['queued', 'running', 'retrying'];

/** A message issued before the job's last replay may neither claim nor bury it. */
export const predatesReplay = (job: ModelJob, issuedAt: number) =>
  job.replayedAt !== null && job.replayedAt > issuedAt;

/**
 * The consumer as the model sees it: a claim runs the job's next task once; the outcome decides
 * the rest (a task done yields the job to its next task, the last one succeeds it).
 */
export function modelConsume(job: ModelJob, outcome: AceOutcome, now: number, issuedAt: number): Decision {
  const claimable =
    (job.status === 'queued' || job.status === 'retrying') &&
    job.attempts < MAX_ATTEMPTS &&
    !job.cancelRequested &&
    !predatesReplay(job, issuedAt);
  if (!claimable) return 'ack';
  job.attempts++;
  job.runs++;
  job.status = 'running';
  job.heartbeatAt = now;
  switch (outcome) {
    case 'ok':
      job.tasksDone++;
      if (job.tasksDone < TASKS) {
        // The task's part is recorded and the job yields: queued, its attempts and failures those
        // of the next task, whose message the consumer sends.
        job.status = 'queued';
        job.attempts = 0;
        job.failures = 0;
        return 'ack';
      }
      job.status = 'succeeded';
      return 'ack';
    case 'permanent':
      job.status = 'failed';
      return 'ack';
    case 'transient':
      job.failures++;
      // The last attempt stays running: Queues' DLQ (or the reaper) ends it, nothing claims it.
      if (job.attempts < MAX_ATTEMPTS) job.status = 'retrying';
      return 'retry';
    case 'crash':
      job.failures++;
      return 'retry';
  }
}

/** The DLQ consumer as the model sees it: an unfinished job is buried, once. */
export function modelBury(job: ModelJob, issuedAt: number): Decision {
  if (ACTIVE.includes(job.status) && !predatesReplay(job, issuedAt)) {
    job.status = 'dead';
    job.deaths++;
  }
  return 'ack';
}

/** Queues after a delivery: an ack ends the message; a retry past max_retries moves it to the DLQ. */
export function platformSettle(model: JobsModel, message: InFlight, decisions: Decision[]): void {
  if (decisions.includes('ack') || message.queue === DLQ) {
    model.inFlight = model.inFlight.filter((m) => m !== message);
  } else if (message.deliveries > MAX_RETRIES) {
    message.queue = DLQ;
    message.deliveries = 0;
  }
}

export function jobOf(model: JobsModel, id: string): ModelJob {
  const job = model.jobs.find((j) => j.id === id);
  if (!job) throw new Error(`the model has no job ${id}`);
  return job;
}

/** Element `pick` of a non-empty list, modulo its length (commands are drawn before the state). */
export function pickFrom<T>(list: readonly T[], pick: number): T {
  const item = list[pick % list.length];
  if (item === undefined) throw new Error('picked from an empty list');
  return item;
}

export const mainMessages = (m: Readonly<JobsModel>) => m.inFlight.filter((x) => x.queue !== DLQ);
/** Job-queue messages, most delivered first: small picks (fc.nat's bias) drive one job to exhaustion. */
export const mostDelivered = (m: Readonly<JobsModel>) =>
  [...mainMessages(m)].sort((a, b) => b.deliveries - a.deliveries);
export const dlqMessages = (m: Readonly<JobsModel>) => m.inFlight.filter((x) => x.queue === DLQ);
