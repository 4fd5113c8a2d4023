// The estimator per point class against a truth off the catalogue's grid (demo-large's real-site
// wing: jitter, duplicates, bursts, gaps, change of value), from catalogue intervals alone and from
// ONE learned fetch; the bounds each test asserts are in its name, the measured table (printed
// with --silent=false) in docs/PERFORMANCE.md, "Estimator accuracy". Also: the source order is
// learned → catalogue → site → default, and cached time costs nothing.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CataloguePoint, sitePoints } from '../../fixtures/ace/catalogue.ts';
import { countSamples } from '../../fixtures/ace/generator.ts';
import { estimate, learnDensity, type PointKnowledge, pointDensity } from '../../src/timeseries/estimator.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HISTORY_START = Date.UTC(2026, 0, 5);
const enabled = sitePoints('demo-large').filter((p) => p.point.collect_enabled);
/** The point classes, each a pool of enabled demo-large points. */
const CLASSES = {
  /** Older styles: exactly every collect_interval (the grid the catalogue describes). */
  grid: enabled.filter((p) => p.timing.kind === 'grid').slice(0, 500),
  /** Real-site analog points: jitter, duplicates, bursts, multi-hour gaps. */
  jittered: enabled.filter((p) => p.timing.kind === 'jittered'),
  /** Real-site binary and multi-state points: change of value only. */
  cov: enabled.filter((p) => p.timing.kind === 'cov'),
  /** A dashboard's mix: the whole real-site wing and 200 grid points. */
  mixed: [
    ...enabled.filter((p) => p.timing.kind !== 'grid'),
    ...enabled.filter((p) => p.timing.kind === 'grid').slice(0, 200),
  ],
};
type PointClass = keyof typeof CLASSES;

// Truth per (point, UTC day): ACE's entries, duplicates included (what a fetch reads and parses).
const dayCounts = new Map<string, number>();
function truthOf(p: CataloguePoint, startMs: number, endMs: number): number {
  let total = 0;
  for (let day = Math.floor(startMs / DAY) * DAY; day < endMs; day += DAY) {
    const [from, to] = [Math.max(startMs, day), Math.min(endMs, day + DAY)];
    if (from !== day || to !== day + DAY) {
      total += countSamples(p, from, to);
      continue;
    }
    const key = `${p.point.name}@${day}`;
    const n = dayCounts.get(key) ?? countSamples(p, day, day + DAY);
    dayCounts.set(key, n);
    total += n;
  }
  return total;
}

interface Case {
  truth: number;
  catalogue: number;
  learned: number;
}

/** 100 seeded requests on a class: 1–50 points, 1 hour to 7 days, somewhere in 200 days. */
function measure(cls: PointClass): Case[] {
  const pool = CLASSES[cls];
  const requestArb = fc.record({
    points: fc.shuffledSubarray(pool, { minLength: 1, maxLength: Math.min(50, pool.length) }),
    start: fc.integer({ min: HISTORY_START, max: HISTORY_START + 200 * DAY }),
    hours: fc.integer({ min: 1, max: 7 * 24 }),
  });
  return fc.sample(requestArb, { numRuns: 100, seed: 42 }).map(({ points, start, hours }) => {
    const [startMs, endMs] = [
      Math.floor(start / 1000) * 1000,
      Math.floor(start / 1000) * 1000 + hours * HOUR,
    ];
    const size = (knowledge: (p: CataloguePoint) => PointKnowledge) =>
      estimate({
        points: points.map(knowledge),
        uncachedMs: endMs - startMs,
        defaultSamplesPerSecond: 1 / 30,
      }).samples;
    return {
      truth: points.reduce((n, p) => n + truthOf(p, startMs, endMs), 0),
      catalogue: size((p) => ({
        point: p.point.name,
        collectIntervalS: p.point.collect_interval,
        collectEnabled: true,
      })),
      // ONE fetch: the day before the window, folded as point_stats folds a first observation.
      learned: size((p) => ({
        point: p.point.name,
        learned: learnDensity(null, { samples: truthOf(p, startMs - DAY, startMs), durationMs: DAY }),
      })),
    };
  });
}

const within = (est: number, truth: number, tolerance: number) =>
  truth === 0 ? est === 0 : Math.abs(est - truth) <= tolerance * truth;
const withinFactor = (est: number, truth: number, factor: number) =>
  truth === 0 ? est === 0 : est <= factor * truth && est >= truth / factor;
const share = (cases: readonly Case[], ok: (c: Case) => boolean) => cases.filter(ok).length / cases.length;

const quantile = (xs: readonly number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;

/** The table docs/PERFORMANCE.md records (printed with `--silent=false`). */
function table(results: Record<PointClass, Case[]>): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const lines = [
    '| class | catalogue: within ×2 | catalogue: est/truth p5 · p50 · p95 | learned (1 fetch): within ±20% | within ±50% | est/truth p5 · p50 · p95 |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [cls, cases] of Object.entries(results)) {
    const counted = cases.filter((c) => c.truth > 0);
    const ratio = counted.map((c) => c.catalogue / c.truth);
    const learned = counted.map((c) => c.learned / c.truth);
    lines.push(
      `| ${cls} | ${pct(share(cases, (c) => withinFactor(c.catalogue, c.truth, 2)))} | ${[0.05, 0.5, 0.95].map((q) => quantile(ratio, q).toFixed(2)).join(' · ')} | ${pct(share(cases, (c) => within(c.learned, c.truth, 0.2)))} | ${pct(share(cases, (c) => within(c.learned, c.truth, 0.5)))} | ${[0.05, 0.5, 0.95].map((q) => quantile(learned, q).toFixed(2)).join(' · ')} |`,
    );
  }
  return lines.join('\n');
}

describe('estimator accuracy on jittered, duplicated, gappy and change-of-value series', () => {
  let results: Record<PointClass, Case[]>;
  beforeAll(() => {
    results = Object.fromEntries(
      (Object.keys(CLASSES) as PointClass[]).map((cls) => [cls, measure(cls)]),
    ) as Record<PointClass, Case[]>;
    console.log(`estimator accuracy (100 requests a class, seed 42):\n${table(results)}`);
  });

  it('has every class, its truth off the catalogue’s grid for the real-site classes', () => {
    expect(CLASSES.jittered.length).toBeGreaterThan(200);
    expect(CLASSES.cov.length).toBeGreaterThan(50);
    expect(CLASSES.cov.every((p) => p.point.collect_interval <= 600)).toBe(true);
  });

  it('from catalogue intervals alone: analog points within ×2 for ≥ 95%; no class under-estimated by more than ×2', () => {
    for (const cls of ['grid', 'jittered'] as const) {
      expect(
        share(results[cls], (c) => withinFactor(c.catalogue, c.truth, 2)),
        cls,
      ).toBeGreaterThanOrEqual(0.95);
    }
    for (const cls of Object.keys(CLASSES) as PointClass[]) {
      expect(
        share(results[cls], (c) => c.catalogue >= c.truth / 2),
        cls,
      ).toBe(1);
    }
    // Change-of-value points report far less often than their collect_interval: never under.
    expect(share(results.cov, (c) => c.catalogue >= c.truth)).toBe(1);
  });

  it('with densities learned from one fetch: analog ±20% for ≥ 90% (±50% for ≥ 98%), change of value ±50% for ≥ 85%, a mix ±20% for ≥ 85%', () => {
    for (const cls of ['grid', 'jittered'] as const) {
      expect(
        share(results[cls], (c) => within(c.learned, c.truth, 0.2)),
        cls,
      ).toBeGreaterThanOrEqual(0.9);
      expect(
        share(results[cls], (c) => within(c.learned, c.truth, 0.5)),
        cls,
      ).toBeGreaterThanOrEqual(0.98);
    }
    expect(share(results.cov, (c) => within(c.learned, c.truth, 0.5))).toBeGreaterThanOrEqual(0.85);
    expect(share(results.mixed, (c) => within(c.learned, c.truth, 0.2))).toBeGreaterThanOrEqual(0.85);
  });

  it('converges after one fetch: change-of-value estimates go from ~30× over to within a few percent (median)', () => {
    const counted = results.cov.filter((c) => c.truth > 0);
    expect(
      quantile(
        counted.map((c) => c.catalogue / c.truth),
        0.5,
      ),
    ).toBeGreaterThan(10);
    expect(
      quantile(
        counted.map((c) => Math.abs(c.learned - c.truth) / c.truth),
        0.5,
      ),
    ).toBeLessThan(0.2);
  });
});

describe('estimate', () => {
  it('prefers learned, then catalogue, then the site average, then the default', () => {
    const d = (p: PointKnowledge, site?: number) => pointDensity(p, site, 0.5);
    expect(
      d({ point: 'a', learned: { samplesPerSecond: 2, observations: 3 }, collectIntervalS: 60 }),
    ).toEqual({ samplesPerSecond: 2, source: 'learned' });
    expect(d({ point: 'a', collectIntervalS: 60 }, 9)).toEqual({
      samplesPerSecond: 1 / 60,
      source: 'catalogue',
    });
    expect(d({ point: 'a' }, 9)).toEqual({ samplesPerSecond: 9, source: 'site' });
    expect(d({ point: 'a' })).toEqual({ samplesPerSecond: 0.5, source: 'default' });
    expect(d({ point: 'a', collectIntervalS: 60, collectEnabled: false })).toEqual({
      samplesPerSecond: 0,
      source: 'catalogue',
    });
  });

  it('costs nothing for cached time and grows linearly with uncached time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 366 * DAY }), (n, ms) => {
        const points = Array.from({ length: n }, (_, i) => ({
          point: `p${i}`,
          collectIntervalS: 30 + (i % 5) * 60,
        }));
        expect(estimate({ points, uncachedMs: 0, defaultSamplesPerSecond: 1 }).samples).toBe(0);
        const one = estimate({ points, uncachedMs: ms, defaultSamplesPerSecond: 1 }).samples;
        const two = estimate({ points, uncachedMs: 2 * ms, defaultSamplesPerSecond: 1 }).samples;
        expect(Math.abs(two - 2 * one)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('never under-estimates the densest interval class with the default density (1 per 30 s)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 366 * DAY }), (n, ms) => {
        const unknown = Array.from({ length: n }, (_, i) => ({ point: `p${i}` }));
        const est = estimate({ points: unknown, uncachedMs: ms, defaultSamplesPerSecond: 1 / 30 }).samples;
        expect(est).toBeGreaterThanOrEqual(Math.floor((n * ms) / 30_000));
      }),
    );
  });
});

describe('pointDensity and estimate: worked examples at the guards', () => {
  const d = (p: PointKnowledge, site?: number | null) => pointDensity(p, site, 0.5);
  it('uses a learned density from its first observation, never one with none', () => {
    expect(
      d({ point: 'a', learned: { samplesPerSecond: 2, observations: 1 }, collectIntervalS: 60 }),
    ).toEqual({
      samplesPerSecond: 2,
      source: 'learned',
    });
    expect(
      d({ point: 'a', learned: { samplesPerSecond: 2, observations: 0 }, collectIntervalS: 60 }),
    ).toEqual({
      samplesPerSecond: 1 / 60,
      source: 'catalogue',
    });
  });

  it('ignores an interval or a site average that is zero, negative or not finite', () => {
    for (const bad of [0, -60, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(d({ point: 'a', collectIntervalS: bad }, 9)).toEqual({ samplesPerSecond: 9, source: 'site' });
      expect(d({ point: 'a' }, bad)).toEqual({ samplesPerSecond: 0.5, source: 'default' });
    }
  });

  it('counts samples, bytes and sources: 2 catalogue points at 1/60 s and 1 default at 0.5/s over 10 minutes', () => {
    const e = estimate({
      points: [{ point: 'a', collectIntervalS: 60 }, { point: 'b', collectIntervalS: 60 }, { point: 'c' }],
      uncachedMs: 600_000,
      defaultSamplesPerSecond: 0.5,
    });
    // 2 × 10 + 300 = 320 samples at 24 bytes each; each point's density in the order given.
    expect(e).toEqual({
      samples: 320,
      bytes: 320 * 24,
      sources: { learned: 0, catalogue: 2, site: 0, default: 1 },
      samplesBySource: { learned: 0, catalogue: 20, site: 0, default: 300 },
      densities: [1 / 60, 1 / 60, 0.5],
    });
  });

  it('adds every source: a learned point at 0.2/s and a site-average point at 0.1/s over 10 minutes', () => {
    const e = estimate({
      points: [{ point: 'a', learned: { samplesPerSecond: 0.2, observations: 3 } }, { point: 'b' }],
      uncachedMs: 600_000,
      siteSamplesPerSecond: 0.1,
      defaultSamplesPerSecond: 0.5,
    });
    expect(e.samplesBySource).toEqual({ learned: 120, catalogue: 0, site: 60, default: 0 });
    expect(e.samples).toBe(180);
    expect(e.densities).toEqual([0.2, 0.1]);
  });

  it('learns nothing from an empty window or an impossible count, and starts over from no observations', () => {
    const known = { samplesPerSecond: 1, observations: 2 };
    expect(learnDensity(known, { samples: 10, durationMs: -1 })).toBe(known);
    expect(learnDensity(known, { samples: -1, durationMs: 1_000 })).toBe(known);
    expect(learnDensity(known, { samples: Number.NaN, durationMs: 1_000 })).toBe(known);
    // Zero samples is an observation: the density falls by the EWMA weight.
    expect(learnDensity(known, { samples: 0, durationMs: 1_000 })?.samplesPerSecond).toBeCloseTo(0.7, 10);
    expect(learnDensity({ samplesPerSecond: 5, observations: 0 }, { samples: 3, durationMs: 1_000 })).toEqual(
      {
        samplesPerSecond: 3,
        observations: 1,
      },
    );
    // 1 → 11 per second: 1 + 0.3 × 10.
    expect(
      learnDensity({ samplesPerSecond: 1, observations: 4 }, { samples: 11, durationMs: 1_000 }),
    ).toEqual({
      samplesPerSecond: 4,
      observations: 5,
    });
  });
});

describe('learnDensity', () => {
  it('takes the first observation as is and moves by the EWMA weight after', () => {
    const first = learnDensity(null, { samples: 100, durationMs: 100_000 });
    expect(first).toEqual({ samplesPerSecond: 1, observations: 1 });
    const second = learnDensity(first, { samples: 200, durationMs: 100_000 });
    expect(second?.observations).toBe(2);
    expect(second?.samplesPerSecond).toBeCloseTo(1.3, 10);
    expect(learnDensity(second, { samples: 5, durationMs: 0 })).toBe(second);
  });
});
