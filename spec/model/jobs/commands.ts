// The operations of the job model (spec/model/jobs.model.spec.ts), one command each: each runs
// against the real system (system.ts) and updates the model (model.ts) as it expects the system to
// change, then checks the invariants. commandArbs draws them for the property; replay runs a fixed
// list as a regression, failing when a step no longer applies.
import fc from 'fast-check';
import { expect } from 'vitest';
import { isTerminal } from '../../../src/jobs/state.ts';
import type { JobPriority } from '../../../src/jobs/store.ts';
import {
  jobPriorityArb,
  permanentAceStatusArb,
  transientAceStatusArb,
} from '../../support/arbitraries/jobs.ts';
import {
  ACTIVE,
  DLQ,
  dlqMessages,
  HOUR,
  type JobsModel,
  MAX_ATTEMPTS,
  MAX_JOBS,
  mainMessages,
  modelConsume,
  mostDelivered,
  POINTS,
  pickFrom,
  QUEUE_OF,
  T0,
} from './model.ts';
import {
  deliverBatch,
  deliverDlq,
  deliverMain,
  drain,
  expectInvariants,
  freshRun,
  type JobsReal,
  reaperPass,
  takeNextTasks,
} from './system.ts';

// ---- The commands: one per operation -----------------------------------------------------------

export type JobsCommand = fc.AsyncCommand<JobsModel, JobsReal>;

/** Submits a new request, or again one of this run's (an identical active job is returned). */
export class SubmitCommand implements JobsCommand {
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
        tasksDone: 0,
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
export class DeliverCommand implements JobsCommand {
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
export class DuplicateDeliveryCommand implements JobsCommand {
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
      const tasksBefore = job.tasksDone;
      const sentBefore = real.sent.length;
      const expected = modelConsume(job, 'ok', model.now, job.lastBody.issued_at);
      const got = await deliverBatch(real.consumer, QUEUE_OF[job.priority], [job.lastBody], 1, model.now);
      expect(got, `late duplicate for ${job.id}`).toEqual([expected]);
      takeNextTasks(model, real, sentBefore, job, tasksBefore);
    }
    await expectInvariants(model);
  }
  toString = () => `DuplicateDelivery(${this.pick})`;
}

/**
 * ACE fails transiently (5xx, 408, 429) for the next `times` deliveries of a message: Queues keeps
 * redelivering it while it is retried, until it is acked or moved to the DLQ.
 */
export class TransientFailureCommand implements JobsCommand {
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
export class PermanentFailureCommand implements JobsCommand {
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
export class CancelCommand implements JobsCommand {
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
export class CrashCommand implements JobsCommand {
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
export class HeartbeatTimeoutAndReapCommand implements JobsCommand {
  check = () => true;
  async run(model: JobsModel, real: JobsReal): Promise<void> {
    await reaperPass(model, real);
    await expectInvariants(model);
  }
  toString = () => 'HeartbeatTimeoutAndReap';
}

/** Queues delivers a message whose retries ran out to the DLQ consumer. */
export class DlqDeliveryCommand implements JobsCommand {
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
export class ReplayCommand implements JobsCommand {
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

export const pickArb = fc.nat({ max: 15 });

/** `weight` copies of a command's arbitrary: fc.commands draws each entry equally often. */
export const weighted = (weight: number, arb: fc.Arbitrary<JobsCommand>) =>
  Array.from({ length: weight }, () => arb);

/** Every command, weighted so that runs reach exhausted retries, the DLQ and replays. */
export const commandArbs: fc.Arbitrary<JobsCommand>[] = [
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

/**
 * Runs `commands` in order on a fresh run, then drains it. fc.asyncModelRun silently skips a
 * command whose check() is false, so a regression replay could pass without reaching the state it
 * was written for; here a step that does not apply fails the replay.
 */
export async function replay(commands: readonly JobsCommand[]): Promise<void> {
  const { model, real } = freshRun();
  for (const [i, command] of commands.entries()) {
    if (!command.check(model)) {
      throw new Error(`replay step ${i + 1}, ${command.toString()}, does not apply to the model's state`);
    }
    await command.run(model, real);
  }
  await drain(model, real);
}
