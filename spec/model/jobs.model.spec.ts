// The job lifecycle, model-based (CONVENTIONS 16, issue 5): a model far simpler than the system —
// per job a status, attempts, runs and transient failures, plus the messages Queues holds — and one
// command per operation, run against the REAL D1 store, submitter and consumer. Only ACE is mocked
// (msw). Queues is simulated as Cloudflare runs it: each delivery is a createMessageBatch through
// handleBatch, acks and retries read back with getQueueResult, and a message retried more than
// max_retries times goes to the DLQ. Storage is shared by this file's runs: each run has its own ids.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { type AceClient, createAceClient } from '../../src/ace/client.ts';
import { createAceUpstream } from '../../src/ace/resilience.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createJobConsumer, type JobConsumer } from '../../src/jobs/consumer.ts';
import { createJobMaintenance, type JobMaintenance } from '../../src/jobs/maintenance.ts';
import type { SignedJobMessage } from '../../src/jobs/messages.ts';
import { isTerminal, type JobStatus } from '../../src/jobs/state.ts';
import { createJobStore, type JobPriority, type JobStore } from '../../src/jobs/store.ts';
import { createJobSubmitter, type JobSubmitter } from '../../src/jobs/submit.ts';
import { createLogger } from '../../src/obs/log.ts';
import { ACE_TEST_BASE, ACE_TEST_TOKEN, aceMock } from '../support/ace.ts';
import { jobPriorityArb, permanentAceStatusArb, transientAceStatusArb } from '../support/arbitraries.ts';
import { interleave } from '../support/interleave.ts';

/** wrangler.toml: max_retries of both job queues' consumers. */
const MAX_RETRIES = 5;
/** One claim per delivery Queues makes: the first and max_retries more. */
const MAX_ATTEMPTS = MAX_RETRIES + 1;
/** wrangler.toml JOB_HEARTBEAT_TIMEOUT_S. */
const HEARTBEAT_TIMEOUT_MS = 300_000;
const QUEUE_OF: Record<JobPriority, string> = { normal: 'vitals-edge-jobs', high: 'vitals-edge-jobs-high' };
const DLQ = 'vitals-edge-jobs-dlq';
/** Not the Worker's key: the real queues also deliver these sends to the Worker, which refuses them. */
const KEY = 'spec-model-signing-key';
const T0 = Date.UTC(2026, 1, 10, 15, 30);
const HOUR = 3_600_000;
/** Jobs per run: enough for identical requests, replays and DLQ traffic to meet. */
const MAX_JOBS = 5;
const POINTS = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 2)
  .map((p) => p.point.name);

const silent = createLogger({}, () => {});
const db = createDb({ db: env.DB, log: silent });

// ---- The model --------------------------------------------------------------------------------

/** What the model knows of one job. */
interface ModelJob {
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
  /** Transient failures (a lost heartbeat is one) since submit or the last replay. */
  failures: number;
  /** Times it was buried: one dead_letters row each. */
  deaths: number;
  heartbeatAt: number | null;
  lastBody: SignedJobMessage;
  /** When an operator last replayed it: messages issued before belong to its earlier life. */
  replayedAt: number | null;
}

/** A message Queues holds for a job: on its queue or, once retries ran out, on the DLQ. */
interface InFlight {
  jobId: string;
  body: SignedJobMessage;
  queue: string;
  /** Deliveries so far on this queue (what message.attempts says on the next one, minus one). */
  deliveries: number;
}

interface JobsModel {
  run: string;
  now: number;
  jobs: ModelJob[];
  inFlight: InFlight[];
  /** Distinct requests of this run; each gets its own ACE window, so ACE calls count per request. */
  requests: { principal: string; requestKey: string; startMs: number }[];
}

type AceOutcome = 'ok' | 'transient' | 'permanent' | 'crash';
type Decision = 'ack' | 'retry';

const ACTIVE: readonly JobStatus[] = ['queued', 'running', 'retrying'];

/** A message issued before the job's last replay may neither claim nor bury it. */
const predatesReplay = (job: ModelJob, issuedAt: number) =>
  job.replayedAt !== null && job.replayedAt > issuedAt;

/** The consumer as the model sees it: a claim runs the job once; the outcome decides the rest. */
function modelConsume(job: ModelJob, outcome: AceOutcome, now: number, issuedAt: number): Decision {
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
function modelBury(job: ModelJob, issuedAt: number): Decision {
  if (ACTIVE.includes(job.status) && !predatesReplay(job, issuedAt)) {
    job.status = 'dead';
    job.deaths++;
  }
  return 'ack';
}

/** Queues after a delivery: an ack ends the message; a retry past max_retries moves it to the DLQ. */
function platformSettle(model: JobsModel, message: InFlight, decisions: Decision[]): void {
  if (decisions.includes('ack') || message.queue === DLQ) {
    model.inFlight = model.inFlight.filter((m) => m !== message);
  } else if (message.deliveries > MAX_RETRIES) {
    message.queue = DLQ;
    message.deliveries = 0;
  }
}

function jobOf(model: JobsModel, id: string): ModelJob {
  const job = model.jobs.find((j) => j.id === id);
  if (!job) throw new Error(`the model has no job ${id}`);
  return job;
}

/** Element `pick` of a non-empty list, modulo its length (commands are drawn before the state). */
function pickFrom<T>(list: readonly T[], pick: number): T {
  const item = list[pick % list.length];
  if (item === undefined) throw new Error('picked from an empty list');
  return item;
}

const mainMessages = (m: Readonly<JobsModel>) => m.inFlight.filter((x) => x.queue !== DLQ);
/** Job-queue messages, most delivered first: small picks (fc.nat's bias) drive one job to exhaustion. */
const mostDelivered = (m: Readonly<JobsModel>) =>
  [...mainMessages(m)].sort((a, b) => b.deliveries - a.deliveries);
const dlqMessages = (m: Readonly<JobsModel>) => m.inFlight.filter((x) => x.queue === DLQ);

// ---- The real system ---------------------------------------------------------------------------

interface JobsReal {
  clock: Clock & { advance(ms: number): void };
  store: JobStore;
  submitter: JobSubmitter;
  consumer: JobConsumer;
  /** A consumer whose invocation dies after the first ACE page: the job's heartbeat stops. */
  crashing: JobConsumer;
  /** The cron's job passes: the reaper. */
  maintenance: JobMaintenance;
  /** Every message the submitter sent in this run, in order. */
  sent: { priority: JobPriority; body: SignedJobMessage }[];
}

/** Everything sent to the real queues by this file: the Worker's queue() handler refuses each. */
const allSent: unknown[] = [];

// The real local queues hand these sends to the Worker's queue() handler, which refuses them (this
// file's key is not the Worker's) and records a rejection. Wait for that before the file's runtime
// is torn down, so no delivery is still running when vitest closes it.
afterAll(async () => {
  for (let i = 0; i < 150; i++) {
    const row = await env.DB.prepare('SELECT count(*) AS n FROM queue_rejections').first<{ n: number }>();
    if ((row?.n ?? 0) >= allSent.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

/** The real queue binding, recording each body this run sent through it. */
function recordingQueue(real: Queue, priority: JobPriority, sent: JobsReal['sent']): Queue {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'send') {
        return async (body: SignedJobMessage, options?: QueueSendOptions) => {
          const response = await target.send(body, options);
          sent.push({ priority, body });
          allSent.push(body);
          return response;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function aceClientFor(clock: Clock): AceClient {
  return createAceClient({
    baseUrl: ACE_TEST_BASE,
    fetch: (input, init) => fetch(input, init),
    clock,
    log: silent,
    upstream: createAceUpstream({ clock, breakerThreshold: 1_000_000 }),
    timeoutMs: 5_000,
    maxPages: 10_000,
    maxBytes: 64 * 1024 * 1024,
    retries: 0,
  });
}

/** The real store, except that a heartbeat kills the invocation (as an eviction or a CPU limit would). */
function dyingAtHeartbeat(store: JobStore): JobStore {
  return {
    ...store,
    heartbeat: () => Promise.reject(new Error('the invocation died mid-run')),
  };
}

function consumerOf(store: JobStore, clock: Clock, ace: AceClient): JobConsumer {
  return createJobConsumer({
    store,
    ace,
    bucket: env.CACHE,
    signingKey: KEY,
    serviceToken: ACE_TEST_TOKEN,
    clock,
    log: silent,
    resultTtlMs: 24 * HOUR,
    random: () => 0.5,
  });
}

function freshRun(): { model: JobsModel; real: JobsReal } {
  let now = T0;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const store = createJobStore({ db, clock, ids: randomId });
  const sent: JobsReal['sent'] = [];
  const submitter = createJobSubmitter({
    store,
    queues: {
      normal: recordingQueue(env.JOBS, 'normal', sent),
      high: recordingQueue(env.JOBS_HIGH, 'high', sent),
    },
    signingKey: KEY,
    clock,
    log: silent,
  });
  const ace = aceClientFor(clock);
  aceMock.reset();
  return {
    model: { run: randomId().slice(0, 8), now: T0, jobs: [], inFlight: [], requests: [] },
    real: {
      clock,
      store,
      submitter,
      consumer: consumerOf(store, clock, ace),
      crashing: consumerOf(dyingAtHeartbeat(store), clock, ace),
      maintenance: createJobMaintenance({
        store,
        submitter,
        bucket: env.CACHE,
        clock,
        log: silent,
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      }),
      sent,
    },
  };
}

/** Runs one batch through a real consumer; each message's decision as getQueueResult reports it. */
async function deliverBatch(
  consumer: JobConsumer,
  queue: string,
  bodies: unknown[],
  attempts: number,
  now: number,
): Promise<Decision[]> {
  const messages = bodies.map((body) => ({ id: randomId(), timestamp: now, attempts, body }));
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await consumer.handleBatch(batch);
  const result = await getQueueResult(batch, ctx);
  expect(result.ackAll, 'never a whole-batch ack').toBe(false);
  expect(result.retryBatch.retry, 'never a whole-batch retry').toBe(false);
  const acked = new Set(result.explicitAcks);
  const retried = new Set(result.retryMessages.map((m) => m.msgId));
  return messages.map(({ id }) => {
    expect(acked.has(id) !== retried.has(id), 'each message is acked or retried, once').toBe(true);
    return acked.has(id) ? 'ack' : 'retry';
  });
}

/** ACE faults for exactly one delivery. */
async function withAceFault<T>(status: number | null, run: () => Promise<T>): Promise<T> {
  if (status !== null) aceMock.setFaults({ status, routes: ['get_timeseries'] });
  try {
    return await run();
  } finally {
    aceMock.clearFaults();
  }
}

/**
 * Delivers a message of a job queue `copies` times in one batch (copies > 1: a duplicate delivery),
 * and checks each decision against the model's before Queues settles the message.
 */
async function deliverMain(
  model: JobsModel,
  real: JobsReal,
  message: InFlight,
  outcome: AceOutcome,
  faultStatus: number | null,
  copies = 1,
): Promise<void> {
  message.deliveries++;
  const job = jobOf(model, message.jobId);
  const expected = Array.from({ length: copies }, () =>
    modelConsume(job, outcome, model.now, message.body.issued_at),
  );
  const consumer = outcome === 'crash' ? real.crashing : real.consumer;
  const got = await withAceFault(faultStatus, () =>
    deliverBatch(
      consumer,
      message.queue,
      Array.from({ length: copies }, () => message.body),
      message.deliveries,
      model.now,
    ),
  );
  expect(got, `decisions for ${job.id}`).toEqual(expected);
  platformSettle(model, message, got);
}

// ---- The invariants, after every command ------------------------------------------------------

interface JobRow {
  id: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  cancel_requested: number;
  open_letters: number;
  letters: number;
}

async function expectInvariants(model: JobsModel): Promise<void> {
  const { results } = await env.DB.prepare(
    `SELECT q.id, q.status, q.attempts, q.max_attempts, q.cancel_requested,
       (SELECT count(*) FROM dead_letters d WHERE d.job_id = q.id AND d.replayed_at IS NULL) AS open_letters,
       (SELECT count(*) FROM dead_letters d WHERE d.job_id = q.id) AS letters
     FROM queue_jobs q WHERE q.principal LIKE ?`,
  )
    .bind(`p-${model.run}-%`)
    .all<JobRow>();
  // Each job is exactly one row, so in exactly one state; and no row the model does not know of.
  expect(results.map((r) => r.id).sort(), 'one row per job, none unknown').toEqual(
    model.jobs.map((j) => j.id).sort(),
  );
  const calls = new Map<number, number>();
  for (const r of aceMock.stats().recent) {
    if (r.route === 'get_timeseries' && r.start_ms !== undefined) {
      calls.set(r.start_ms, (calls.get(r.start_ms) ?? 0) + 1);
    }
  }
  for (const job of model.jobs) {
    const row = results.find((r) => r.id === job.id);
    if (!row) throw new Error('unreachable: ids compared above');
    const where = `job ${job.id}`;
    expect(
      { status: row.status, attempts: row.attempts, cancelRequested: row.cancel_requested === 1 },
      `${where}: the store agrees with the model`,
    ).toEqual({ status: job.status, attempts: job.attempts, cancelRequested: job.cancelRequested });
    expect(row.max_attempts, where).toBe(MAX_ATTEMPTS);
    expect(row.attempts, `${where}: attempts never exceed maxAttempts`).toBeLessThanOrEqual(row.max_attempts);
    // Dead iff its transient failures outran max_retries (before the DLQ delivers, it is on its way).
    if (row.status === 'dead') {
      expect(job.failures, `${where}: dead only after more than max_retries failures`).toBeGreaterThan(
        MAX_RETRIES,
      );
    }
    if (job.failures > MAX_RETRIES) {
      // Nothing claims it again: it waits for the DLQ or the reaper to bury it.
      expect(['running', 'dead'], `${where}: exhausted, so dead or about to be`).toContain(row.status);
    }
    expect(row.open_letters, `${where}: one open dead letter iff dead`).toBe(row.status === 'dead' ? 1 : 0);
    expect(row.letters, `${where}: one dead letter per death`).toBe(job.deaths);
    if (job.cancelAccepted) expect(row.status, `${where}: cancelled, never succeeded`).not.toBe('succeeded');
    // A running job needs no message: if it never finishes, the reaper finds it by its heartbeat.
    if (row.status === 'queued' || row.status === 'retrying') {
      expect(
        model.inFlight.some((m) => m.jobId === job.id && m.queue !== DLQ),
        `${where}: ${row.status} with no message left to run it (a lost message)`,
      ).toBe(true);
    }
  }
  // Duplicate deliveries never run a job twice: one ACE fetch per claim, none without one.
  model.requests.forEach((request, i) => {
    const runs = model.jobs.filter((j) => j.request === i).reduce((n, j) => n + j.runs, 0);
    expect(calls.get(request.startMs) ?? 0, `ACE fetches of request ${i}`).toBe(runs);
  });
}

/**
 * Time passes with ACE healthy: Queues delivers every message it holds and the reaper runs, until
 * no message is left and nothing is running. Nothing may be lost on the way.
 */
async function drain(model: JobsModel, real: JobsReal): Promise<void> {
  for (let round = 0; model.inFlight.length > 0 || model.jobs.some((j) => j.status === 'running'); round++) {
    if (round > 4 * MAX_ATTEMPTS) throw new Error('the queues never drained');
    for (const message of [...model.inFlight]) {
      if (message.queue === DLQ) await deliverDlq(model, real, message);
      else await deliverMain(model, real, message, 'ok', null);
    }
    await reaperPass(model, real);
  }
  await expectInvariants(model);
  for (const job of model.jobs) {
    expect(isTerminal(job.status), `job ${job.id} ends terminal (${job.status})`).toBe(true);
    expect(job.status === 'dead', `job ${job.id}: dead iff failed more than max_retries times`).toBe(
      job.failures > MAX_RETRIES,
    );
  }
}

async function deliverDlq(model: JobsModel, real: JobsReal, message: InFlight): Promise<void> {
  message.deliveries++;
  const expected = modelBury(jobOf(model, message.jobId), message.body.issued_at);
  const got = await deliverBatch(real.consumer, DLQ, [message.body], message.deliveries, model.now);
  expect(got, `DLQ decision for ${message.jobId}`).toEqual([expected]);
  platformSettle(model, message, got);
}

/**
 * The heartbeat timeout passes and the cron's reaper runs: every running job has gone quiet by
 * then. Out of attempts it is buried; with a cancel requested it is cancelled (the cancel was
 * accepted, and nothing else will ever stop it); otherwise it goes back to retrying with a message.
 */
async function reaperPass(model: JobsModel, real: JobsReal): Promise<void> {
  model.now += HEARTBEAT_TIMEOUT_MS + 1_000;
  real.clock.advance(HEARTBEAT_TIMEOUT_MS + 1_000);
  const sentBefore = real.sent.length;
  const report = await real.maintenance.reapStale();
  if (!report.ok) throw new Error(`the reaper failed: ${report.error.kind}`);
  const requeued: ModelJob[] = [];
  for (const job of model.jobs) {
    if (job.status !== 'running') continue;
    if (job.attempts >= MAX_ATTEMPTS) {
      job.status = 'dead';
      job.deaths++;
    } else if (job.cancelRequested) {
      job.status = 'cancelled';
    } else {
      job.status = 'retrying';
      requeued.push(job);
    }
  }
  // Another run's leftovers (a failed run being shrunk) may be reaped too: only ours count here.
  const ours = new Set(model.jobs.map((j) => j.id));
  const sent = real.sent.slice(sentBefore).filter((s) => ours.has(s.body.job_id));
  expect(
    sent.map((s) => [s.body.job_id, s.priority]).sort(),
    'the reaper re-queues (a fresh message each) exactly the quiet jobs with attempts left and no cancel',
  ).toEqual(requeued.map((j) => [j.id, j.priority]).sort());
  for (const { body } of sent) {
    const job = jobOf(model, body.job_id);
    job.lastBody = body;
    model.inFlight.push({ jobId: job.id, body, queue: QUEUE_OF[job.priority], deliveries: 0 });
  }
}

// ---- The commands: one per operation -----------------------------------------------------------

type JobsCommand = fc.AsyncCommand<JobsModel, JobsReal>;

/** Submits a new request, or again one of this run's (an identical active job is returned). */
class SubmitCommand implements JobsCommand {
  readonly priority: JobPriority;
  readonly again: number | null;
  constructor(priority: JobPriority, again: number | null) {
    this.priority = priority;
    this.again = again;
  }
  check = (m: Readonly<JobsModel>) => m.jobs.length < MAX_JOBS;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    let index = this.again === null || model.requests.length === 0 ? -1 : this.again % model.requests.length;
    if (index < 0) {
      index = model.requests.length;
      model.requests.push({
        principal: `p-${model.run}-${index}`,
        requestKey: `${model.run}${index}`.padEnd(64, '0'),
        startMs: T0 - 30 * 24 * HOUR + index * HOUR,
      });
    }
    const request = model.requests[index];
    if (!request) throw new Error('unreachable');
    const sentBefore = real.sent.length;
    const result = await real.submitter.submit({
      principal: request.principal,
      site: 'demo-small',
      requestKey: request.requestKey,
      request: { points: POINTS, start: request.startMs, end: request.startMs + HOUR, interval: 'raw' },
      priority: this.priority,
      maxAttempts: MAX_ATTEMPTS,
      estimatedSamples: 1_000,
    });
    if (!result.ok) throw new Error(`submit refused: ${result.error.kind}`);
    const active = model.jobs.find((j) => j.request === index && ACTIVE.includes(j.status));
    if (active) {
      expect(result.value, 'an identical active request returns its job').toMatchObject({
        created: false,
        job: { id: active.id },
      });
      expect(real.sent.length, 'and sends nothing').toBe(sentBefore);
    } else {
      expect(result.value.created).toBe(true);
      const sent = real.sent.slice(sentBefore);
      expect(sent.map((s) => [s.priority, s.body.job_id])).toEqual([[this.priority, result.value.job.id]]);
      const body = sent[0]?.body;
      if (!body) throw new Error('unreachable');
      model.jobs.push({
        id: result.value.job.id,
        principal: request.principal,
        request: index,
        priority: this.priority,
        status: 'queued',
        attempts: 0,
        cancelRequested: false,
        cancelAccepted: false,
        runs: 0,
        failures: 0,
        deaths: 0,
        heartbeatAt: null,
        lastBody: body,
        replayedAt: null,
      });
      model.inFlight.push({
        jobId: result.value.job.id,
        body,
        queue: QUEUE_OF[this.priority],
        deliveries: 0,
      });
    }
    await expectInvariants(model);
  }
  toString = () => `Submit(${this.priority}${this.again === null ? '' : `, again #${this.again}`})`;
}

/** Queues delivers a job message; ACE answers. */
class DeliverCommand implements JobsCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (m: Readonly<JobsModel>) => mainMessages(m).length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    await deliverMain(model, real, pickFrom(mainMessages(model), this.pick), 'ok', null);
    await expectInvariants(model);
  }
  toString = () => `Deliver(${this.pick})`;
}

/**
 * At-least-once delivery: a held message arrives twice in one batch, or a message already acked
 * arrives once more (its ack was lost).
 */
class DuplicateDeliveryCommand implements JobsCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (m: Readonly<JobsModel>) => m.jobs.length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    const job = pickFrom(model.jobs, this.pick);
    const held = model.inFlight.find((m) => m.jobId === job.id && m.queue !== DLQ);
    if (held) {
      await deliverMain(model, real, held, 'ok', null, 2);
    } else {
      const expected = modelConsume(job, 'ok', model.now, job.lastBody.issued_at);
      const got = await deliverBatch(real.consumer, QUEUE_OF[job.priority], [job.lastBody], 1, model.now);
      expect(got, `late duplicate for ${job.id}`).toEqual([expected]);
    }
    await expectInvariants(model);
  }
  toString = () => `DuplicateDelivery(${this.pick})`;
}

/**
 * ACE fails transiently (5xx, 408, 429) for the next `times` deliveries of a message: Queues keeps
 * redelivering it while it is retried, until it is acked or moved to the DLQ.
 */
class TransientFailureCommand implements JobsCommand {
  readonly pick: number;
  readonly status: number;
  readonly times: number;
  constructor(pick: number, status: number, times = 1) {
    this.pick = pick;
    this.status = status;
    this.times = times;
  }
  check = (m: Readonly<JobsModel>) => mainMessages(m).length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    const message = pickFrom(mostDelivered(model), this.pick);
    for (let i = 0; i < this.times && model.inFlight.includes(message) && message.queue !== DLQ; i++) {
      await deliverMain(model, real, message, 'transient', this.status);
      await expectInvariants(model);
    }
  }
  toString = () => `TransientFailure(${this.pick}, ${this.status}, ×${this.times})`;
}

/** A delivery while ACE refuses the request for good (400, 401, 403, 404). */
class PermanentFailureCommand implements JobsCommand {
  readonly pick: number;
  readonly status: number;
  constructor(pick: number, status: number) {
    this.pick = pick;
    this.status = status;
  }
  check = (m: Readonly<JobsModel>) => mainMessages(m).length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    await deliverMain(model, real, pickFrom(mainMessages(model), this.pick), 'permanent', this.status);
    await expectInvariants(model);
  }
  toString = () => `PermanentFailure(${this.pick}, ${this.status})`;
}

/** The job's principal cancels it: at once unless running, at the next page boundary if running. */
class CancelCommand implements JobsCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (m: Readonly<JobsModel>) => m.jobs.length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    const job = pickFrom(model.jobs, this.pick);
    const result = await real.store.requestCancel(job.id, job.principal);
    if (isTerminal(job.status)) {
      expect(result.ok ? 'accepted' : result.error.kind, 'a finished job cannot be cancelled').toBe(
        'conflict',
      );
    } else {
      expect(result.ok, 'an unfinished job can be cancelled').toBe(true);
      job.cancelRequested = true;
      job.cancelAccepted = true;
      if (job.status !== 'running') job.status = 'cancelled';
    }
    await expectInvariants(model);
  }
  toString = () => `Cancel(${this.pick})`;
}

/**
 * A delivery whose invocation dies after the first ACE page (an eviction, a CPU limit): the job
 * stays running, its heartbeat stops, and Queues retries the message.
 */
class CrashCommand implements JobsCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (m: Readonly<JobsModel>) => mainMessages(m).length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    await deliverMain(model, real, pickFrom(mostDelivered(model), this.pick), 'crash', null);
    await expectInvariants(model);
  }
  toString = () => `Crash(${this.pick})`;
}

/** The heartbeat timeout passes and the cron's reaper pass runs (src/jobs/maintenance.ts). */
class HeartbeatTimeoutAndReapCommand implements JobsCommand {
  check = () => true;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    await reaperPass(model, real);
    await expectInvariants(model);
  }
  toString = () => 'HeartbeatTimeoutAndReap';
}

/** Queues delivers a message whose retries ran out to the DLQ consumer. */
class DlqDeliveryCommand implements JobsCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (m: Readonly<JobsModel>) => dlqMessages(m).length > 0;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    await deliverDlq(model, real, pickFrom(dlqMessages(model), this.pick));
    await expectInvariants(model);
  }
  toString = () => `DlqDelivery(${this.pick})`;
}

/** An operator replays a dead job: refused while an identical job is active. */
class ReplayCommand implements JobsCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (m: Readonly<JobsModel>) => m.jobs.some((j) => j.status === 'dead');
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    const job = pickFrom(
      model.jobs.filter((j) => j.status === 'dead'),
      this.pick,
    );
    const sentBefore = real.sent.length;
    const result = await real.submitter.replay(job.id);
    const twinActive = model.jobs.some((j) => j.request === job.request && ACTIVE.includes(j.status));
    if (job.status !== 'dead' || twinActive) {
      expect(result.ok ? 'replayed' : result.error.kind, `replay of ${job.status} ${job.id}`).toBe(
        'conflict',
      );
      expect(real.sent.length).toBe(sentBefore);
    } else {
      expect(result.ok, `replay of dead ${job.id}`).toBe(true);
      const sent = real.sent.slice(sentBefore);
      expect(sent.map((s) => [s.priority, s.body.job_id])).toEqual([[job.priority, job.id]]);
      const body = sent[0]?.body;
      if (!body) throw new Error('unreachable');
      Object.assign(job, {
        status: 'queued',
        attempts: 0,
        failures: 0,
        cancelRequested: false,
        heartbeatAt: null,
        lastBody: body,
        replayedAt: model.now,
        // A replay is an operator's decision to run it again: an earlier life's cancel is over.
        cancelAccepted: false,
      });
      model.inFlight.push({ jobId: job.id, body, queue: QUEUE_OF[job.priority], deliveries: 0 });
    }
    await expectInvariants(model);
  }
  toString = () => `Replay(${this.pick})`;
}

const pickArb = fc.nat({ max: 15 });

/** `weight` copies of a command's arbitrary: fc.commands draws each entry equally often. */
const weighted = (weight: number, arb: fc.Arbitrary<JobsCommand>) =>
  Array.from({ length: weight }, () => arb);

/** Every command, weighted so that runs reach exhausted retries, the DLQ and replays. */
const commandArbs: fc.Arbitrary<JobsCommand>[] = [
  ...weighted(
    3,
    fc
      .tuple(jobPriorityArb, fc.option(pickArb, { freq: 3 }))
      .map(([priority, again]) => new SubmitCommand(priority, again)),
  ),
  ...weighted(
    1,
    pickArb.map((p) => new DeliverCommand(p)),
  ),
  ...weighted(
    1,
    pickArb.map((p) => new DuplicateDeliveryCommand(p)),
  ),
  ...weighted(
    4,
    fc
      .tuple(pickArb, transientAceStatusArb, fc.integer({ min: 1, max: MAX_ATTEMPTS }))
      .map(([p, s, times]) => new TransientFailureCommand(p, s, times)),
  ),
  ...weighted(
    1,
    fc.tuple(pickArb, permanentAceStatusArb).map(([p, s]) => new PermanentFailureCommand(p, s)),
  ),
  ...weighted(
    1,
    pickArb.map((p) => new CancelCommand(p)),
  ),
  ...weighted(
    1,
    pickArb.map((p) => new CrashCommand(p)),
  ),
  ...weighted(1, fc.constant(new HeartbeatTimeoutAndReapCommand())),
  ...weighted(
    1,
    pickArb.map((p) => new DlqDeliveryCommand(p)),
  ),
  ...weighted(
    1,
    pickArb.map((p) => new ReplayCommand(p)),
  ),
];

describe('job lifecycle model', () => {
  it('store, submitter and consumer agree with the model after every command, and drain to terminal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 40, size: 'max' }), async (commands) => {
        const { model, real } = freshRun();
        await fc.asyncModelRun(() => ({ model, real }), commands);
        await drain(model, real);
      }),
      { numRuns: 15 },
    );
  });
});

/** The real store with every call parked on the scheduler, and each claim's outcome recorded. */
function scheduledStore(s: fc.Scheduler, name: string, store: JobStore, claims: boolean[]): JobStore {
  const step =
    <A extends unknown[], R>(label: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      s.schedule(Promise.resolve(`${name}.${label}`), `${name}.${label}`).then(() => call(...args));
  return {
    ...store,
    claim: step('claim', async (id: string) => {
      const claimed = await store.claim(id);
      claims.push(claimed.ok);
      return claimed;
    }),
    heartbeat: step('heartbeat', store.heartbeat),
    succeed: step('succeed', store.succeed),
    fail: step('fail', store.fail),
    retry: step('retry', store.retry),
    confirmCancel: step('confirmCancel', store.confirmCancel),
  };
}

describe('job lifecycle races', () => {
  it('two consumers handed the same job at once: exactly one claims and runs it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), jobPriorityArb, fc.boolean(), async (s, priority, afterRetry) => {
        const { model, real } = freshRun();
        await new SubmitCommand(priority, null).run(model, real);
        if (afterRetry) await new TransientFailureCommand(0, 503).run(model, real);
        const message = mainMessages(model)[0];
        const job = model.jobs[0];
        if (!message || !job) throw new Error('no job to race on');
        const claims: boolean[] = [];
        const consumers = ['a', 'b'].map((name) =>
          consumerOf(scheduledStore(s, name, real.store, claims), real.clock, aceClientFor(real.clock)),
        );
        message.deliveries++;
        const deliveries = consumers.map((consumer) =>
          deliverBatch(consumer, message.queue, [message.body], message.deliveries, model.now),
        );
        await interleave(s, deliveries);
        const decisions = (await Promise.all(deliveries)).flat();
        expect(
          claims.filter((won) => won),
          'exactly one claim wins',
        ).toEqual([true]);
        expect(claims).toHaveLength(2);
        const issuedAt = message.body.issued_at;
        const expected = [
          modelConsume(job, 'ok', model.now, issuedAt),
          modelConsume(job, 'ok', model.now, issuedAt),
        ];
        expect(decisions, 'both acked: the loser as a duplicate').toEqual(expected);
        platformSettle(model, message, decisions);
        await expectInvariants(model);
        expect(job.status).toBe('succeeded');
      }),
      { numRuns: 15 },
    );
  });
});

describe('job lifecycle model: regressions (minimal counterexamples the property found, now fixed)', () => {
  const replay = async (commands: JobsCommand[]) => {
    const { model, real } = freshRun();
    await fc.asyncModelRun(() => ({ model, real }), commands);
    await drain(model, real);
  };

  // src/jobs/maintenance.ts reapStale re-queues every quiet job with attempts left, and store.reap's
  // guard ignores cancel_requested: the job goes back to retrying with a cancel requested, claim
  // refuses it forever, the consumer acks the fresh message as a duplicate, and the job holds its
  // request's active slot for good (identical submits get it back).
  it('a job cancelled while its heartbeat is lost ends cancelled, not retrying forever', async () => {
    await replay([
      new SubmitCommand('normal', null),
      new CrashCommand(0),
      new CancelCommand(0),
      new HeartbeatTimeoutAndReapCommand(),
    ]);
  });

  // The reaper buries an exhausted job whose message is still on its way to the DLQ; an operator
  // replays it; the late DLQ message then marks the fresh, queued job dead again (markDead accepts
  // queued: state.ts exhaust from queued), with 0 attempts and a second dead letter.
  it('a dead-letter message from before a replay does not bury the replayed job', async () => {
    await replay([
      new SubmitCommand('normal', null),
      new TransientFailureCommand(0, 503, MAX_ATTEMPTS),
      new HeartbeatTimeoutAndReapCommand(),
      new ReplayCommand(0),
      new DlqDeliveryCommand(0),
    ]);
  });

  // Exhausted while a cancel was pending, buried by the reaper, replayed: an old message of the
  // job's earlier life delivered twice must not claim the replayed job.
  it('a message from before a replay cannot claim the replayed job', async () => {
    await replay([
      new SubmitCommand('normal', null),
      new TransientFailureCommand(0, 500, 1),
      new TransientFailureCommand(0, 500, 4),
      new TransientFailureCommand(0, 500, 1),
      new CancelCommand(0),
      new HeartbeatTimeoutAndReapCommand(),
      new ReplayCommand(0),
      new DuplicateDeliveryCommand(0),
    ]);
  });
});
