// Routing at the configured thresholds (wrangler.toml, through the Worker's own config parse and
// adaptive threshold): catalogue knowledge never sends four points × one hour to a job, down to the
// adaptive floor, whatever the intervals (change-of-value points are over-estimated ~30×); and on
// real-site series a request over the threshold by the safety margin is never served directly.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CataloguePoint, sitePoints } from '../../fixtures/ace/catalogue.ts';
import { countSamples } from '../../fixtures/ace/generator.ts';
import { parseConfig } from '../../src/config.ts';
import { createAdaptiveThreshold } from '../../src/timeseries/adaptive-threshold.ts';
import { estimate, learnDensity, type PointKnowledge } from '../../src/timeseries/estimator.ts';
import { decideRoute, SAFETY_MARGIN } from '../../src/timeseries/router.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);
const config = parseConfig({ ...env });
const { base, floor } = createAdaptiveThreshold({
  base: config.directMaxSamples,
  budgetMs: config.directBudgetMs,
}).snapshot();
const demoLarge = sitePoints('demo-large').filter((p) => p.point.collect_enabled);
const real = demoLarge.filter((p) => p.timing.kind !== 'grid');

const catalogueOnly = (p: CataloguePoint): PointKnowledge => ({
  point: p.point.name,
  collectIntervalS: p.point.collect_interval,
  collectEnabled: p.point.collect_enabled,
});

function route(points: readonly PointKnowledge[], ms: number, threshold: number) {
  const e = estimate({ points, uncachedMs: ms, defaultSamplesPerSecond: config.defaultSamplesPerSecond });
  return decideRoute({
    estimate: e,
    threshold,
    preferAsync: false,
    fullyCached: false,
    cachedSamples: 0,
    maxSamples: config.jobMaxSamples,
    streamMaxSamples: config.cachedStreamMaxSamples,
  });
}

describe('routing at the configured thresholds', () => {
  it('never sends four points × one hour to a job on catalogue knowledge, down to the adaptive floor', () => {
    expect(floor).toBeGreaterThan(0);
    const intervalArb = fc.oneof(
      fc.constantFrom(...demoLarge.map(catalogueOnly)),
      fc.record({
        point: fc.string(),
        // The densest a catalogue says (1 s) often, so the boundary is where cases are.
        collectIntervalS: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3600 }), fc.constant(null)),
        collectEnabled: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(intervalArb, { minLength: 4, maxLength: 4 }),
        fc.oneof(fc.constant(floor), fc.integer({ min: floor, max: base })),
        (points, threshold) => {
          expect(route(points, HOUR, threshold)).toMatchObject({
            route: 'direct',
            reason: 'within_threshold',
          });
        },
      ),
      { numRuns: 2000 },
    );
    // Change-of-value points, the catalogue's worst over-estimate, in fours from the real-site wing.
    const cov = real.filter((p) => p.timing.kind === 'cov');
    for (let i = 0; i + 4 <= cov.length; i += 4) {
      expect(route(cov.slice(i, i + 4).map(catalogueOnly), HOUR, floor).route).toBe('direct');
    }
  });

  it('never serves directly a real-site request whose true size exceeds the threshold by the margin', () => {
    // Truth per (point, day), over a month of days the requests share.
    const counts = new Map<string, number>();
    const truthOf = (p: CataloguePoint, day: number) => {
      const key = `${p.point.name}@${day}`;
      const n = counts.get(key) ?? countSamples(p, day, day + DAY);
      counts.set(key, n);
      return n;
    };
    let near = 0;
    let lowestLearned = Number.POSITIVE_INFINITY;
    fc.assert(
      fc.property(
        // Indices, so a failure prints short.
        fc.uniqueArray(fc.integer({ min: 0, max: real.length - 1 }), {
          minLength: 50,
          maxLength: real.length,
        }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.double({ min: 0.3, max: 1.5, noNaN: true }),
        (indices, firstDay, days, learned, ratio) => {
          const points = indices.map((i) => real[i] as CataloguePoint);
          const startMs = START + firstDay * DAY;
          let truth = 0;
          for (let d = startMs; d < startMs + days * DAY; d += DAY)
            for (const p of points) truth += truthOf(p, d);
          // Thresholds the Worker can have (between the floor and DIRECT_MAX_SAMPLES), near the truth.
          const threshold = Math.min(base, Math.max(floor, Math.floor(truth * ratio)));
          const knowledge = points.map((p) =>
            learned
              ? {
                  point: p.point.name,
                  learned: learnDensity(null, { samples: truthOf(p, startMs - DAY), durationMs: DAY }),
                }
              : catalogueOnly(p),
          );
          const decision = route(knowledge, days * DAY, threshold);
          if (learned) {
            const e = estimate({
              points: knowledge,
              uncachedMs: days * DAY,
              defaultSamplesPerSecond: 1 / 30,
            });
            lowestLearned = Math.min(lowestLearned, e.samples / truth);
          }
          if (truth > threshold * (1 + SAFETY_MARGIN)) {
            near++;
            // A job, or refused as larger than any answer may be: anything but the direct path.
            expect(decision.route).not.toBe('direct');
          }
        },
      ),
      { numRuns: 120 },
    );
    // The property met requests over the threshold, not only ones safely under it.
    expect(near).toBeGreaterThan(10);
    console.log(
      `real-site routing: ${near} requests over the margin; learned est/truth ≥ ${lowestLearned.toFixed(3)}`,
    );
  });
});
