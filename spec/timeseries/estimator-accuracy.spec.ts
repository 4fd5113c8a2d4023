// The estimator at scale (review 26) on demo-large's older-style grid points, whose truth is the
// catalogue's interval less drops and gaps: random sets of 1–500 of them and windows of 1 hour to
// 366 days. With densities learned from a week of daily fetches (the EWMA point_stats keeps), at
// least 95% of estimates are within ±20% of the true count; from catalogue intervals alone, at
// least 95% within a factor of 2 (here only drops and gaps can move them); the configured default
// never under-estimates the densest interval class. Accuracy against a truth off the catalogue's
// grid (jittered, duplicated, bursty, change-of-value series) is spec/timeseries/estimator.spec.ts.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CataloguePoint, COLLECT_INTERVALS, sitePoints } from '../../fixtures/ace/catalogue.ts';
import { countSamples, pointSamples } from '../../fixtures/ace/generator.ts';
import { parseConfig } from '../../src/config.ts';
import {
  estimate,
  type LearnedDensity,
  learnDensity,
  type PointKnowledge,
} from '../../src/timeseries/estimator.ts';
import { windowArb } from '../support/arbitraries/time.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** What the issue asks for, and what these specs assert. */
const LEARNED_TOLERANCE = 0.2;
const LEARNED_SHARE = 0.95;
const CATALOGUE_FACTOR = 2;
const CATALOGUE_SHARE = 0.95;
/** Cases per property: truth counting dominates the run time (about 0.3 s a case on CI). */
const RUNS = 60;
/**
 * The limit of a measuring spec: 60 cases of up to 500 points × 366 days took 70 s on the 2-core
 * machine while other jobs shared it (vitest's default here is 60 s); they are pure counting.
 */
const MEASURE_TIMEOUT_MS = 180_000;

/** The first 500 enabled points of demo-large: all older-style grid points (the spec checks). */
const pool = sitePoints('demo-large')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 500);

// Truth per (point, UTC day), so windows that share days cost nothing twice.
const dayCounts = new Map<string, number>();
function truthOf(p: CataloguePoint, startMs: number, endMs: number): number {
  let total = 0;
  for (let day = Math.floor(startMs / DAY) * DAY; day < endMs; day += DAY) {
    const from = Math.max(startMs, day);
    const to = Math.min(endMs, day + DAY);
    if (from === day && to === day + DAY) {
      const key = `${p.point.name}@${day}`;
      let n = dayCounts.get(key);
      if (n === undefined) {
        n = countSamples(p, day, day + DAY);
        dayCounts.set(key, n);
      }
      total += n;
    } else {
      total += countSamples(p, from, to);
    }
  }
  return total;
}

// A week of daily fetches before the windows, folded as point_stats folds them (EWMA).
const TRAIN_END = Date.UTC(2025, 5, 1);
const learned = new Map<string, LearnedDensity>();
function learnedOf(p: CataloguePoint): LearnedDensity {
  let d = learned.get(p.point.name);
  if (!d) {
    let acc: LearnedDensity | null | undefined = null;
    for (let day = TRAIN_END - 7 * DAY; day < TRAIN_END; day += DAY) {
      acc = learnDensity(acc, { samples: truthOf(p, day, day + DAY), durationMs: DAY });
    }
    d = acc ?? { samplesPerSecond: 0, observations: 0 };
    learned.set(p.point.name, d);
  }
  return d;
}

/** 1–500 distinct points of the pool, with mixed intervals. */
const pointSetArb = fc.shuffledSubarray(pool, { minLength: 1, maxLength: 500 }).filter((ps) => ps.length > 0);
/** Windows from 1 hour to 366 days, in the year after training. */
const caseArb = fc.record({ points: pointSetArb, window: windowArb(HOUR, 366 * DAY) });

function relativeError(estimated: number, truth: number): number {
  if (truth === 0) return estimated === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(estimated - truth) / truth;
}

/** Runs the cases and returns each one's estimate and truth. */
function measure(knowledgeOf: (p: CataloguePoint) => PointKnowledge, runs: number) {
  const out: Array<{ estimated: number; truth: number; points: number; hours: number }> = [];
  fc.assert(
    fc.property(caseArb, ({ points, window }) => {
      const truth = points.reduce((n, p) => n + truthOf(p, window.startMs, window.endMs), 0);
      const { samples } = estimate({
        points: points.map(knowledgeOf),
        uncachedMs: window.endMs - window.startMs,
        defaultSamplesPerSecond: 1 / 30,
      });
      out.push({
        estimated: samples,
        truth,
        points: points.length,
        hours: (window.endMs - window.startMs) / HOUR,
      });
    }),
    { numRuns: runs },
  );
  return out;
}

describe('estimator accuracy against the synthetic truth', () => {
  it('measures grid points only, of every collect_interval', () => {
    expect(pool.every((p) => p.timing.kind === 'grid')).toBe(true);
    expect(new Set(pool.map((p) => p.point.collect_interval)).size).toBe(COLLECT_INTERVALS.length);
  });

  it('countSamples is the length of the truth it counts', () => {
    fc.assert(
      fc.property(fc.constantFrom(...pool.slice(0, 40)), windowArb(1, 3 * DAY), (p, w) => {
        expect(countSamples(p, w.startMs, w.endMs)).toBe(pointSamples(p, w.startMs, w.endMs).length);
      }),
      { numRuns: 60 },
    );
  });

  it(
    `with learned densities, ≥${LEARNED_SHARE * 100}% of estimates are within ±${LEARNED_TOLERANCE * 100}%`,
    () => {
      const cases = measure((p) => ({ point: p.point.name, learned: learnedOf(p) }), RUNS);
      const within = cases.filter((c) => relativeError(c.estimated, c.truth) <= LEARNED_TOLERANCE);
      const share = within.length / cases.length;
      console.log(
        `estimator accuracy, learned: ${within.length}/${cases.length} within ±20%, worst ${Math.max(...cases.map((c) => relativeError(c.estimated, c.truth))).toFixed(3)}`,
      );
      expect(
        share,
        `misses: ${JSON.stringify(cases.filter((c) => !within.includes(c)).slice(0, 5))}`,
      ).toBeGreaterThanOrEqual(LEARNED_SHARE);
    },
    MEASURE_TIMEOUT_MS,
  );

  it(
    `from catalogue intervals alone, ≥${CATALOGUE_SHARE * 100}% are within a factor of ${CATALOGUE_FACTOR}`,
    () => {
      const cases = measure(
        (p) => ({ point: p.point.name, collectIntervalS: p.point.collect_interval, collectEnabled: true }),
        RUNS,
      );
      const within = cases.filter(
        (c) =>
          c.truth > 0 &&
          c.estimated <= c.truth * CATALOGUE_FACTOR &&
          c.estimated >= c.truth / CATALOGUE_FACTOR,
      );
      expect(within.length / cases.length).toBeGreaterThanOrEqual(CATALOGUE_SHARE);
    },
    MEASURE_TIMEOUT_MS,
  );

  it('the configured default never under-estimates the densest interval class', () => {
    const configured = parseConfig({ ...env }).defaultSamplesPerSecond;
    const densest = pool.filter((p) => p.point.collect_interval === Math.min(...COLLECT_INTERVALS));
    expect(densest.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(densest, { minLength: 1, maxLength: 20 }),
        windowArb(HOUR, 30 * DAY),
        (points, w) => {
          const truth = points.reduce((n, p) => n + truthOf(p, w.startMs, w.endMs), 0);
          const { samples, sources } = estimate({
            points: points.map((p) => ({ point: p.point.name })),
            uncachedMs: w.endMs - w.startMs,
            defaultSamplesPerSecond: configured,
          });
          expect(sources.default).toBe(points.length);
          expect(samples).toBeGreaterThanOrEqual(truth);
        },
      ),
      { numRuns: 100 },
    );
  });
});
