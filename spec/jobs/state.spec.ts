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

const EVENTS: JobEvent[] = ['claim', 'succeed', 'fail', 'retry', 'exhaust', 'cancel', 'reap', 'replay'];

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
  ])('refuses %s --%s--> as a typed error', (from, event) => {
    expect(transition(from, event)).toEqual({
      ok: false,
      error: { kind: 'illegal_transition', from, event },
    });
  });

  it('only ever yields statuses of the contract (and of the schema CHECK)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 40 }), (events) => {
        let status: JobStatus = 'queued';
        for (const e of events) {
          const t = transition(status, e);
          if (t.ok) status = t.to;
          expect(JOB_STATUSES).toContain(status);
        }
      }),
    );
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
