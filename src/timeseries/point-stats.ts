// Learned sample densities (point_stats, review 26): after every upstream fetch each point's
// observed samples per second is folded into an exponentially weighted average in ONE upsert per
// row (the EWMA runs in SQL, so concurrent learners never lose an observation to a read-modify-
// write race). Reads give the estimator its inputs. Owns no estimate itself (estimator.ts).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { buildInserts, placeholders, stmt } from '../db/sql.ts';
import type { ColumnSeries } from '../encoding/layout.ts';
import { ok, type Result } from '../errors.ts';
import { EWMA_ALPHA, type LearnedDensity } from './estimator.ts';

/** Windows shorter than this say too little about a point's rate to be learned from. */
export const MIN_LEARN_WINDOW_MS = 3_600_000;

/** One upstream fetch, as the read path and the job consumer saw it. */
export interface FetchObservation {
  site: string;
  /** The window ACE was asked for, clamped to the past (the future has no samples yet). */
  startMs: number;
  endMs: number;
  series: readonly ColumnSeries[];
}

/** What the estimator needs about a site's points. */
export interface DensityKnowledge {
  learned: Map<string, LearnedDensity>;
  /** Mean learned density over the site's learned points; null before any was learned. */
  siteSamplesPerSecond: number | null;
}

export interface PointStats {
  /** Learned densities of `points` and the site's average. */
  knowledge(site: string, points: readonly string[]): Promise<Result<DensityKnowledge>>;
  /** Folds one fetch into the points' densities; windows under an hour are ignored. */
  learn(observation: FetchObservation): Promise<Result<{ learned: number }>>;
}

export interface PointStatsOptions {
  db: Db;
  clock: Clock;
}

/** Creates the point_stats store. */
export function createPointStats(options: PointStatsOptions): PointStats {
  const { db, clock } = options;
  return {
    async knowledge(site, points) {
      const distinct = [...new Set(points)];
      const rows = await db.allInChunks<
        { point: string; samples_per_second: number; observations: number },
        string
      >(
        'point_stats.read',
        distinct,
        (chunk) =>
          stmt(
            `SELECT point, samples_per_second, observations FROM point_stats WHERE site = ? AND point IN (${placeholders(chunk.length)})`,
            site,
            ...chunk,
          ),
        { reservedParams: 1 },
      );
      if (!rows.ok) return rows;
      const average = await db.first<{ average: number | null }>(
        'point_stats.site_average',
        stmt(
          'SELECT avg(samples_per_second) AS average FROM point_stats WHERE site = ? AND observations > 0',
          site,
        ),
      );
      if (!average.ok) return average;
      const learned = new Map(
        rows.value.map((r) => [
          r.point,
          { samplesPerSecond: r.samples_per_second, observations: r.observations },
        ]),
      );
      return ok({ learned, siteSamplesPerSecond: average.value?.average ?? null });
    },

    async learn(observation) {
      const durationMs = observation.endMs - observation.startMs;
      if (durationMs < MIN_LEARN_WINDOW_MS || observation.series.length === 0) return ok({ learned: 0 });
      const now = clock.now();
      const seconds = durationMs / 1000;
      // One row per point even if a series repeats: the last one wins, as in the response.
      const byPoint = new Map(observation.series.map((s) => [s.point, s.t.length]));
      // A new row is one observation; the bound 1 keeps buildInserts' rows of equal width.
      const rows = [...byPoint].map(([point, samples]) => [
        observation.site,
        point,
        samples / seconds,
        samples,
        now,
        1,
      ]);
      const statements = buildInserts(
        'INSERT INTO point_stats (site, point, samples_per_second, samples_seen, updated_at, observations) VALUES',
        rows,
        `ON CONFLICT (site, point) DO UPDATE SET
           samples_per_second = samples_per_second + ${EWMA_ALPHA} * (excluded.samples_per_second - samples_per_second),
           observations = observations + 1,
           samples_seen = samples_seen + excluded.samples_seen,
           updated_at = excluded.updated_at`,
      );
      const written = await db.runInGroups('point_stats.learn', statements);
      return written.ok ? ok({ learned: rows.length }) : written;
    },
  };
}
