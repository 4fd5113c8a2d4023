// Learned sample densities (point_stats, review 26): after every upstream fetch each point's
// observed samples per second is folded into an exponentially weighted average in ONE upsert per
// row (the EWMA runs in SQL, so concurrent learners never lose an observation to a read-modify-
// write race). Reads give the estimator its inputs. Owns no estimate itself (estimator.ts).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { buildInserts, chunkItems, placeholders, type Statement, stmt } from '../db/sql.ts';
import { ok, type Result } from '../errors.ts';
import { EWMA_ALPHA, type LearnedDensity } from './estimator.ts';
import type { FetchObservation } from './fetch-observation.ts';

/** Windows shorter than this say too little about a point's rate to be learned from. */
export const MIN_LEARN_WINDOW_MS = 3_600_000;

export type { FetchObservation } from './fetch-observation.ts';

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

/**
 * The reads behind knowledge(): the points' rows (one statement per 99 points), then the site's
 * average. Statements only, so the read path can send them in its own batch (lookup.ts).
 */
export function knowledgeStatements(site: string, points: readonly string[]): Statement[] {
  const rows = chunkItems([...new Set(points)], 1, 1).map((chunk) =>
    stmt(
      `SELECT point, samples_per_second, observations FROM point_stats WHERE site = ? AND point IN (${placeholders(chunk.length)})`,
      site,
      ...chunk,
    ),
  );
  const average = stmt(
    'SELECT avg(samples_per_second) AS average FROM point_stats WHERE site = ? AND observations > 0',
    site,
  );
  return [...rows, average];
}

/** knowledge()'s answer from the rows of each of knowledgeStatements' statements, in order. */
export function knowledgeFromRows(
  results: readonly (readonly Record<string, unknown>[])[],
): DensityKnowledge {
  const learned = new Map<string, LearnedDensity>();
  for (const row of results.slice(0, -1).flat()) {
    const { point, samples_per_second, observations } = row;
    if (typeof point !== 'string' || typeof samples_per_second !== 'number') continue;
    learned.set(point, {
      samplesPerSecond: samples_per_second,
      observations: typeof observations === 'number' ? observations : 0,
    });
  }
  const average = results.at(-1)?.[0]?.average;
  return { learned, siteSamplesPerSecond: typeof average === 'number' ? average : null };
}

/** Creates the point_stats store. */
export function createPointStats(options: PointStatsOptions): PointStats {
  const { db, clock } = options;
  return {
    async knowledge(site, points) {
      const batch = await db.readInGroups('point_stats.read', knowledgeStatements(site, points));
      return batch.ok ? ok(knowledgeFromRows(batch.value.map((b) => b.rows))) : batch;
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
