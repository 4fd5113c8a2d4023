// The job lifecycle, model-based (CONVENTIONS 16, issue 5): a model far simpler than the system —
// per job a status, attempts, runs and transient failures, plus the messages Queues holds
// (jobs/model.ts) — and one command per operation (jobs/commands.ts), run against the REAL D1
// store, submitter and consumer (jobs/system.ts). Only ACE is mocked (msw). These are the
// properties: random command sequences, two consumers racing for one job, and the regressions the
// property found, replayed step by step. Storage is shared by this file's runs: each has its own ids.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobStore } from '../../src/jobs/store.ts';
import { jobPriorityArb } from '../support/arbitraries/jobs.ts';
import { drainRejections } from '../support/builders.ts';
import { interleave } from '../support/interleave.ts';
import {
  CancelCommand,
  CrashCommand,
  commandArbs,
  DeliverCommand,
  DlqDeliveryCommand,
  DuplicateDeliveryCommand,
  HeartbeatTimeoutAndReapCommand,
  ReplayCommand,
  replay,
  SubmitCommand,
  TransientFailureCommand,
} from './jobs/commands.ts';
import { MAX_ATTEMPTS, mainMessages, modelConsume, platformSettle } from './jobs/model.ts';
import {
  aceClientFor,
  consumerOf,
  deliverBatch,
  drain,
  expectInvariants,
  freshRun,
  sentSoFar,
} from './jobs/system.ts';

// The real local queues hand this file's sends to the Worker's queue() handler, which refuses them
// (this file's key is not the Worker's): wait for every refusal before the runtime is torn down.
afterAll(() => drainRejections(sentSoFar), 30_000);

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
        // The race is over the job's last task (an earlier one's duplicate may run the next task).
        await new DeliverCommand(0).run(model, real);
        if (afterRetry) await new TransientFailureCommand(0, 503).run(model, real);
        const message = mainMessages(model)[0];
        const job = model.jobs[0];
        if (!message || !job) throw new Error('no job to race on');
        const claims: boolean[] = [];
        const consumers = ['a', 'b'].map((name) =>
          consumerOf(
            scheduledStore(s, name, real.store, claims),
            real.clock,
            aceClientFor(real.clock),
            real.submitter,
          ),
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
  it('a replay fails when a step does not apply, rather than skipping it as fc.asyncModelRun would', async () => {
    // Nothing has exhausted its retries, so there is no dead-letter message to deliver.
    await expect(replay([new SubmitCommand('normal', null), new DlqDeliveryCommand(0)])).rejects.toThrow(
      /replay step 2, DlqDelivery\(0\), does not apply/,
    );
  });

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

  // Jobs of several tasks (issue 15): each of a job's two points is a task. The replay's drain
  // checks the job ends succeeded with both tasks recorded and one ACE fetch per claim.
  it('a job dead in its second task is replayed from that task, keeping the first one done', async () => {
    await replay([
      new SubmitCommand('normal', null),
      new DeliverCommand(0),
      new TransientFailureCommand(0, 503, MAX_ATTEMPTS),
      new DlqDeliveryCommand(0),
      new ReplayCommand(0),
    ]);
  });

  it('a job cancelled between its tasks is cancelled at once; its next message runs nothing', async () => {
    await replay([new SubmitCommand('normal', null), new DeliverCommand(0), new CancelCommand(0)]);
  });

  it('a task message delivered twice runs its task once, and its duplicate may run the next task', async () => {
    await replay([
      new SubmitCommand('high', null),
      new DuplicateDeliveryCommand(0),
      new DuplicateDeliveryCommand(0),
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
