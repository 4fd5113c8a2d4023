// The job state machine: every reachable status is one the schema allows, terminal states stay
// terminal, and the transitions are exactly the lifecycle of the issue.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isTerminal,
  JOB_STATUSES,
  type JobEvent,
  type JobStatus,
  sourcesOf,
  TERMINAL_STATUSES,
  transition,
} from '../../src/jobs/state.ts';

const EVENTS: JobEvent[] = [
  'claim',
  'succeed',
  'fail',
  'retry',
  'exhaust',
  'cancel',
  'reap',
  'replay',
  'yield',
];
/** The statuses of the HTTP contract (shared/design/API.md) and of queue_jobs.status's CHECK. */
const CONTRACT_STATUSES = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
] as const;
/**
 * The lifecycle, cell by cell, as the spec of src/jobs/state.ts (not read from it): a job is
 * claimed from queued or retrying; a running one succeeds, fails, retries, is reaped or cancelled,
 * or yields between two of its tasks (queued again, its next task's message on the way); a cancel
 * reaches any active job; only an operator's replay leaves dead; nothing leaves the rest.
 */
const LIFECYCLE: Record<JobStatus, Partial<Record<JobEvent, JobStatus>>> = {
  // fail: its message could not be sent (enqueue_failed); exhaust: the DLQ buries a job whose
  // message ran out of deliveries before any claim (the consumer acks unclaimable ones).
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
  // fail: the reaper's fresh message could not be sent; exhaust: the reaper or the DLQ buries it.
  retrying: { claim: 'running', cancel: 'cancelled', fail: 'failed', exhaust: 'dead' },
  succeeded: {},
  failed: {},
  cancelled: {},
  dead: { replay: 'queued' },
};

describe('job state machine', () => {
  it.each<[JobStatus, JobEvent, JobStatus]>([
    ['queued', 'claim', 'running'],
    ['running', 'succeed', 'succeeded'],
    ['running', 'fail', 'failed'],
    ['running', 'cancel', 'cancelled'],
    ['running', 'retry', 'retrying'],
    ['retrying', 'claim', 'running'],
    ['running', 'exhaust', 'dead'],
    ['retrying', 'exhaust', 'dead'],
    ['running', 'reap', 'retrying'],
    ['queued', 'cancel', 'cancelled'],
    ['dead', 'replay', 'queued'],
    ['running', 'yield', 'queued'],
  ])('%s --%s--> %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, to });
  });

  it.each<[JobStatus, JobEvent]>([
    ['succeeded', 'claim'],
    ['cancelled', 'succeed'],
    ['failed', 'retry'],
    ['queued', 'succeed'],
    ['retrying', 'succeed'],
    ['dead', 'claim'],
    ['running', 'claim'],
    ['cancelled', 'cancel'],
    ['queued', 'yield'],
    ['retrying', 'yield'],
  ])('refuses %s --%s--> as a typed error', (from, event) => {
    expect(transition(from, event)).toEqual({
      ok: false,
      error: { kind: 'illegal_transition', from, event },
    });
  });

  it('is exactly the lifecycle: every (status, event) pair, legal or not', () => {
    for (const from of CONTRACT_STATUSES) {
      for (const event of EVENTS) {
        const to = LIFECYCLE[from][event];
        expect(transition(from, event), `${from} --${event}-->`).toEqual(
          to === undefined
            ? { ok: false, error: { kind: 'illegal_transition', from, event } }
            : { ok: true, to },
        );
      }
    }
  });

  it('reaches every status of the contract from queued, and no other', () => {
    const reached = new Set<JobStatus>(['queued']);
    const frontier: JobStatus[] = ['queued'];
    for (let from = frontier.pop(); from !== undefined; from = frontier.pop()) {
      for (const t of EVENTS.map((e) => transition(from, e))) {
        if (t.ok && !reached.has(t.to)) frontier.push(t.to);
        if (t.ok) reached.add(t.to);
      }
    }
    expect([...reached].sort()).toEqual([...CONTRACT_STATUSES].sort());
    expect([...JOB_STATUSES].sort()).toEqual([...CONTRACT_STATUSES].sort());
  });

  it('never leaves succeeded, failed or cancelled, and leaves dead only by replay', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const e of EVENTS) {
        const t = transition(from, e);
        if (from === 'dead' && e === 'replay') expect(t).toEqual({ ok: true, to: 'queued' });
        else expect(t.ok).toBe(false);
      }
    }
    expect(TERMINAL_STATUSES.every(isTerminal)).toBe(true);
  });

  it('never lets a cancelled job succeed, whatever happens after', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 20 }), (events) => {
        let status: JobStatus = 'cancelled';
        for (const e of events) {
          const t = transition(status, e);
          if (t.ok) status = t.to;
        }
        expect(status).toBe('cancelled');
      }),
    );
  });

  it('lists the source statuses of each event for conditional updates', () => {
    expect(sourcesOf('claim').sort()).toEqual(['queued', 'retrying']);
    expect(sourcesOf('cancel').sort()).toEqual(['queued', 'retrying', 'running']);
    expect(sourcesOf('replay')).toEqual(['dead']);
  });
});
