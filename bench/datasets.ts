// Deterministic benchmark datasets from the synthetic ACE generator (fixtures/ace): the same
// points, window and values on every run and machine, so byte counts can be gated exactly.
// `realistic` mixes the three naming styles and real sites' series (jitter, duplicates, bursts,
// gaps, change of value), its series made by the Worker's own transform (src/ace/parse.ts).
import { type CataloguePoint, sitePoints } from '../fixtures/ace/catalogue.ts';
import { formatAceTime, pointSamples } from '../fixtures/ace/generator.ts';
import { createSeriesAccumulator } from '../src/ace/parse.ts';
import type { ColumnSeries } from '../src/encoding/layout.ts';

export type DatasetName = 'small' | 'medium' | 'large' | 'realistic';

export interface Dataset {
  name: DatasetName;
  points: number;
  days: number;
  /** Finite samples (what the Worker serves); ACE's "NaN"/"inf" entries are dropped. */
  samples: number;
  series: ColumnSeries[];
  /** ACE's own row JSON for the same window (`{point_samples:[{name,value,time}]}`), all entries. */
  aceJson: string;
}

/**
 * Site the datasets come from: 5,442 points, the first 4,962 in the older naming styles (small,
 * medium and large take theirs from those), then the real-site wing.
 */
export const SITE = 'demo-large';
/** A fixed Monday, so the window never moves. */
export const START_MS = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

/**
 * Sizes. `large` is 200 points × 3 days (~0.38 M finite samples, ~50 MB of ACE JSON): the issue's
 * 200 × 30 days (~10 M samples) would need minutes per encoder on these 2-core machines and over a
 * GB of heap for the row layouts; 3 days keeps the whole `npm run bench` near a minute while still
 * being ~4× the biggest ACE page (100k samples).
 */
export const SIZES: Readonly<Record<DatasetName, { points: number; days: number }>> = {
  small: { points: 1, days: 1 },
  medium: { points: 20, days: 7 },
  large: { points: 200, days: 3 },
  realistic: { points: 120, days: 3 },
};

/** The datasets `npm run bench` builds, in report order (`large` stays the charted one). */
export const DATASETS: readonly DatasetName[] = ['small', 'medium', 'large', 'realistic'];

/**
 * `realistic`'s points: 40 of demo-large's older-style points spread over its catalogue (short
 * names, Niagara and BACnet paths, all on the grid) and 80 of its real-site wing spread over it
 * (jittered analog points and change-of-value binary and multi-state points).
 */
export function realisticPoints(): CataloguePoint[] {
  const all = sitePoints(SITE);
  const older = all.filter((p) => p.timing.kind === 'grid');
  const real = all.filter((p) => p.timing.kind !== 'grid');
  const spread = (from: readonly CataloguePoint[], n: number) =>
    Array.from({ length: n }, (_, k) => from[Math.floor((k * from.length) / n)] as CataloguePoint);
  return [...spread(older, 40), ...spread(real, 80)];
}

/** What the Worker makes of ACE's entries: its own accumulator (duplicates resolved, NaN dropped). */
function servedSeries(points: readonly CataloguePoint[], startMs: number, endMs: number): ColumnSeries[] {
  const acc = createSeriesAccumulator(
    points.map((p) => p.point.name),
    startMs,
    endMs,
  );
  acc.add(aceEntries(points, startMs, endMs));
  return acc.finish().series;
}

/** ACE's row entries for points over [startMs, endMs), time-ordered (ties in catalogue order). */
export function aceEntries(
  points: readonly CataloguePoint[],
  startMs: number,
  endMs: number,
): { name: string; value: string; time: string }[] {
  const rows: { name: string; value: string; t: number; i: number }[] = [];
  for (const p of points) {
    for (const s of pointSamples(p, startMs, endMs))
      rows.push({ name: p.point.name, value: s.value, t: s.t, i: p.index });
  }
  rows.sort((a, b) => a.t - b.t || a.i - b.i);
  return rows.map((r) => ({ name: r.name, value: r.value, time: formatAceTime(r.t) }));
}

/** Builds one dataset (pure; takes up to ~1 s for `large`). */
export function buildDataset(name: DatasetName): Dataset {
  const { points: n, days } = SIZES[name];
  const points = name === 'realistic' ? realisticPoints() : sitePoints(SITE).slice(0, n);
  if (points.length !== n) throw new Error(`site ${SITE} has fewer than ${n} points`);
  const endMs = START_MS + days * DAY_MS;
  const series: ColumnSeries[] = name === 'realistic' ? servedSeries(points, START_MS, endMs) : [];
  if (name !== 'realistic') {
    for (const p of points) {
      const t: number[] = [];
      const v: number[] = [];
      for (const s of pointSamples(p, START_MS, endMs)) {
        const x = Number(s.value);
        if (!Number.isFinite(x)) continue;
        t.push(s.t);
        v.push(x);
      }
      series.push({ point: p.point.name, t, v });
    }
  }
  const samples = series.reduce((sum, s) => sum + s.t.length, 0);
  const aceJson = JSON.stringify({ point_samples: aceEntries(points, START_MS, endMs) });
  return { name, points: n, days, samples, series, aceJson };
}
