// Backoff: full jitter within an exponentially growing, capped ceiling; never below Retry-After;
// never past Queues' 12-hour limit; high priority retries sooner. One invariant per property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_BY_PRIORITY, MAX_QUEUE_DELAY_S, retryDelaySeconds } from '../../src/jobs/backoff.ts';

const policyArb = fc
  .record({ baseSeconds: fc.integer({ min: 1, max: 60 }), capSeconds: fc.integer({ min: 1, max: 100_000 }) })
  .filter((p) => p.capSeconds >= p.baseSeconds);
const attemptArb = fc.integer({ min: 1, max: 200 });
const randomArb = fc.double({ min: 0, max: 1, noNaN: true });

describe('retryDelaySeconds', () => {
  it('stays within [0, min(cap, base·2^(attempt-1))] and Queues’ limit', () => {
    fc.assert(
      fc.property(attemptArb, policyArb, randomArb, (attempt, policy, r) => {
        const d = retryDelaySeconds(attempt, policy, r);
        const ceiling = Math.min(policy.capSeconds, policy.baseSeconds * 2 ** Math.min(attempt - 1, 30));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(ceiling, MAX_QUEUE_DELAY_S));
        expect(Number.isInteger(d)).toBe(true);
      }),
    );
  });

  it('is never shorter than an upstream Retry-After (up to the 12-hour limit)', () => {
    fc.assert(
      fc.property(
        attemptArb,
        policyArb,
        randomArb,
        fc.double({ min: 0, max: 100_000, noNaN: true }),
        (a, p, r, ra) => {
          expect(retryDelaySeconds(a, p, r, ra)).toBeGreaterThanOrEqual(
            Math.min(Math.ceil(ra), MAX_QUEUE_DELAY_S),
          );
        },
      ),
    );
  });

  it('grows with the attempt for the same draw until the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), policyArb, randomArb, (attempt, policy, r) => {
        expect(retryDelaySeconds(attempt + 1, policy, r)).toBeGreaterThanOrEqual(
          retryDelaySeconds(attempt, policy, r),
        );
      }),
    );
  });

  it('spreads retries: the full range of the ceiling is reachable', () => {
    expect(retryDelaySeconds(4, { baseSeconds: 10, capSeconds: 900 }, 0)).toBe(0);
    expect(retryDelaySeconds(4, { baseSeconds: 10, capSeconds: 900 }, 0.999_999)).toBe(79);
  });

  it('retries high priority sooner than normal at every attempt (same draw)', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(retryDelaySeconds(attempt, BACKOFF_BY_PRIORITY.high, 0.9)).toBeLessThanOrEqual(
        retryDelaySeconds(attempt, BACKOFF_BY_PRIORITY.normal, 0.9),
      );
    }
  });
});
