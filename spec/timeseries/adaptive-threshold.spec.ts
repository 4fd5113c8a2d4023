// The adaptive direct-path threshold (review 31): repeated overruns near the threshold lower it
// in bounded steps, it never leaves [floor, base] whatever happens, it recovers slowly when
// requests fit the budget, and small requests say nothing about it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAdaptiveThreshold } from '../../src/timeseries/adaptive-threshold.ts';

const BASE = 500_000;
const BUDGET = 15_000;

describe('adaptive threshold', () => {
  it('steps down after three consecutive overruns near the threshold', () => {
    const t = createAdaptiveThreshold({ base: BASE, budgetMs: BUDGET });
    t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    expect(t.current()).toBe(BASE);
    t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    expect(t.current()).toBe(400_000);
    expect(t.snapshot()).toMatchObject({
      base: BASE,
      effective: 400_000,
      lowered: 1,
      consecutiveOverruns: 0,
    });
  });

  it('ignores requests far below the threshold, however slow', () => {
    const t = createAdaptiveThreshold({ base: BASE, budgetMs: BUDGET });
    for (let i = 0; i < 10; i++) t.observe({ estimatedSamples: 10_000, durationMs: 60_000 });
    expect(t.current()).toBe(BASE);
  });

  it('resets the strike count when a request near the threshold fits the budget', () => {
    const t = createAdaptiveThreshold({ base: BASE, budgetMs: BUDGET });
    t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    t.observe({ estimatedSamples: 400_000, durationMs: 1_000 });
    t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    expect(t.current()).toBe(BASE);
  });

  it('recovers slowly: one percent of base per request that fits', () => {
    const t = createAdaptiveThreshold({ base: BASE, budgetMs: BUDGET });
    for (let i = 0; i < 3; i++) t.observe({ estimatedSamples: 400_000, durationMs: 20_000 });
    const lowered = t.current();
    t.observe({ estimatedSamples: lowered, durationMs: 1_000 });
    expect(t.current()).toBe(lowered + BASE * 0.01);
  });

  it('stays within [floor, base] for any sequence of observations', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ estimatedSamples: fc.nat({ max: 2 * BASE }), durationMs: fc.nat({ max: 4 * BUDGET }) }),
          { maxLength: 300 },
        ),
        (observations) => {
          const t = createAdaptiveThreshold({ base: BASE, budgetMs: BUDGET });
          for (const o of observations) {
            t.observe(o);
            expect(t.current()).toBeGreaterThanOrEqual(t.snapshot().floor);
            expect(t.current()).toBeLessThanOrEqual(BASE);
          }
          expect(t.snapshot().floor).toBe(BASE * 0.25);
        },
      ),
    );
  });
});
