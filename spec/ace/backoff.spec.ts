// Specifies src/ace/backoff.ts: Retry-After read as seconds or an HTTP date, honoured exactly
// (never retried sooner) unless past the cap, and full-jitter exponential backoff otherwise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryAfterAllowsRetry, retryDelayMs } from '../../src/ace/backoff.ts';

const options = { baseMs: 100, maxMs: 2_000, retryAfterCapMs: 5_000 };
const NOW = Date.UTC(2026, 0, 5, 12);

describe('parseRetryAfter', () => {
  it.each([
    ['1', 1_000],
    [' 30 ', 30_000],
    ['0', 0],
    ['Mon, 05 Jan 2026 12:00:07 GMT', 7_000],
    ['Mon, 05 Jan 2026 11:00:00 GMT', 0],
  ])('reads %j as %d ms', (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });

  it.each([null, undefined, '', '-1', '1.5', 'soon', '12345678901'])('ignores %j', (header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('waits exactly Retry-After when ACE gave one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.double({ min: 0, max: 1 }),
        (attempt, after, r) => {
          expect(retryDelayMs(attempt, after, options, () => r)).toBe(after);
        },
      ),
    );
  });

  it('otherwise waits below min(max, base · 2^(attempt-1)) (full jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
          const delay = retryDelayMs(attempt, undefined, options, () => r);
          expect(delay >= 0 && delay < ceiling).toBe(true);
        },
      ),
    );
  });

  // Worked by hand with base 100 ms and max 2 s: ceilings 100, 200, 400, 800, 1600, then 2000.
  it.each<[number, number, number]>([
    [1, 0, 0],
    [1, 0.5, 50],
    [1, 0.999_999, 99],
    [2, 0.25, 50],
    [3, 0.5, 200],
    [4, 0.1, 80],
    [5, 0.75, 1_200],
    [6, 0.5, 1_000],
    [30, 0.5, 1_000],
    [6, 1, 1_999],
    [2, -0.5, 0],
  ])('attempt %i with draw %d waits %i ms', (attempt, r, ms) => {
    expect(retryDelayMs(attempt, undefined, options, () => r)).toBe(ms);
  });

  it('draws uniformly: each whole ms below the ceiling is the wait of an equal share of draws', () => {
    // The inverse of a uniform draw: the draws in [d/ceiling, (d+1)/ceiling) are exactly those that
    // wait d ms, so the middle of each such interval must wait d, for every d below the ceiling.
    for (const attempt of [1, 3, 5, 6]) {
      const ceiling = [100, 200, 400, 800, 1_600, 2_000][attempt - 1] as number;
      for (let d = 0; d < ceiling; d++) {
        expect(retryDelayMs(attempt, undefined, options, () => (d + 0.5) / ceiling)).toBe(d);
      }
    }
  });

  it('retries only when Retry-After is absent or within the cap', () => {
    expect(retryAfterAllowsRetry(undefined, options)).toBe(true);
    expect(retryAfterAllowsRetry(5_000, options)).toBe(true);
    expect(retryAfterAllowsRetry(5_001, options)).toBe(false);
  });
});
