// Specifies src/aggregates/store.ts against the real local D1 with the real migrations: what is
// recorded reads back as the statistic of its samples, recording twice equals once, halves of a
// window add up through the edge merge, bulk upserts and IN reads stay under D1's 100 bound
// parameters (review 13, 43), coverage names the missing windows, failures are values.
// Storage is shared by this file's tests, so each test records under its own site.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGG_BUCKETS,
  type AggBucket,
  computeBuckets,
  MAX_READ_BUCKETS,
} from '../../src/aggregates/buckets.ts';
import { type AggregateEvent, createAggregateStore } from '../../src/aggregates/store.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb, MAX_BATCH_STATEMENTS } from '../../src/db/d1.ts';
import { MAX_BOUND_PARAMS } from '../../src/db/sql.ts';
import type { ColumnSeries } from '../../src/encoding/layout.ts';
import { createLogger } from '../../src/obs/log.ts';
import { AGG_SPAN_MS, AGG_T0, aggSeriesArb, aggSpanArb } from '../support/arbitraries/aggregates.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../support/faults.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A wrapper around the REAL binding that records params per statement and statements per batch. */
function recording(real: D1Database) {
  const binds: number[] = [];
  const batches: number[] = [];
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql);
          return new Proxy(statement, {
            get(s, p) {
              if (p === 'bind') {
                return (...values: unknown[]) => {
                  binds.push(values.length);
                  return s.bind(...values);
                };
              }
              const value: unknown = Reflect.get(s, p, s);
              return typeof value === 'function' ? value.bind(s) : value;
            },
          });
        };
      }
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          batches.push(statements.length);
          return target.batch(statements);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db, binds, batches };
}

function setup(options: { d1?: D1Database; maxRowsPerRecord?: number } = {}) {
  let now = AGG_T0 + 10 * DAY;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
  const log = createLogger({}, () => {});
  const db = createDb({ db: options.d1 ?? env.DB, clock, log });
  const store = createAggregateStore({ db, clock, log, maxRowsPerRecord: options.maxRowsPerRecord });
  return { store, clock };
}

const newSite = () => `agg-${randomId()}`;

function value<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string } }): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}`);
  return result.value;
}

/** D1 keeps no negative zero; neither does the comparison. */
const z = (x: number) => (x === 0 ? 0 : x);

/** The served buckets the samples of `range` must give. */
function expected(series: ColumnSeries, bucket: AggBucket, range: { startMs: number; endMs: number }) {
  return computeBuckets(series, bucket, range).map((b) => ({
    t: b.t,
    count: b.stats.count,
    min: z(b.stats.min),
    max: z(b.stats.max),
    avg: z(b.stats.sum / b.stats.count),
    last: z(b.stats.last),
  }));
}

const normalized = (
  buckets: { t: number; count: number; min: number; max: number; avg: number; last: number }[],
) => buckets.map((b) => ({ ...b, min: z(b.min), max: z(b.max), avg: z(b.avg), last: z(b.last) }));

async function rowsOf(site: string) {
  const rows = await env.DB.prepare(
    `SELECT point, bucket, t, count, min, max, sum, first, first_t, last, last_t FROM timeseries_agg
     WHERE site = ? ORDER BY point, bucket, t`,
  )
    .bind(site)
    .all();
  return rows.results;
}

const WHOLE = { startMs: AGG_T0 - DAY, endMs: AGG_T0 + AGG_SPAN_MS + DAY };

describe('record and read', () => {
  it('reads back, per point and window, the count/min/max/avg/last of the recorded samples', async () => {
    const { store } = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(aggSeriesArb(), { selector: (s) => s.point, maxLength: 3 }),
        aggSpanArb,
        async (series, range) => {
          const site = newSite();
          value(await store.record({ site, ...range, series }));
          for (const bucket of AGG_BUCKETS) {
            const read = value(
              await store.read({ site, points: series.map((s) => s.point), ...WHOLE, bucket }),
            );
            expect(read.series.map((s) => s.point)).toEqual(series.map((s) => s.point));
            read.series.forEach((s, i) => {
              expect(normalized(s.buckets)).toEqual(expected(series[i] as ColumnSeries, bucket, range));
            });
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves the table as it was when the same fetch is recorded again', async () => {
    const { store, clock } = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(aggSeriesArb(), { selector: (s) => s.point, maxLength: 3 }),
        fc.array(aggSpanArb, { minLength: 1, maxLength: 3 }),
        async (series, ranges) => {
          const site = newSite();
          for (const range of ranges) value(await store.record({ site, ...range, series }));
          const once = await rowsOf(site);
          clock.advance(60_000);
          const last = ranges[ranges.length - 1] as { startMs: number; endMs: number };
          value(await store.record({ site, ...last, series }));
          expect(await rowsOf(site)).toEqual(once);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('adds up an hour fetched in two halves (the edge merge reads the stored half)', async () => {
    const { store } = setup();
    const site = newSite();
    const series = [
      { point: 'p', t: [AGG_T0 + 60_000, AGG_T0 + 40 * 60_000, AGG_T0 + HOUR + 5], v: [4, 8, 1] },
    ];
    const half = { site, startMs: AGG_T0, endMs: AGG_T0 + 30 * 60_000, series };
    value(await store.record(half));
    value(await store.record({ site, startMs: AGG_T0 + 30 * 60_000, endMs: AGG_T0 + 2 * HOUR, series }));
    value(await store.record(half));
    const read = value(
      await store.read({ site, points: ['p'], startMs: AGG_T0, endMs: AGG_T0 + 2 * HOUR, bucket: '1h' }),
    );
    expect(read.series[0]?.buckets).toEqual([
      { t: AGG_T0, count: 2, min: 4, max: 8, avg: 6, last: 8 },
      { t: AGG_T0 + HOUR, count: 1, min: 1, max: 1, avg: 1, last: 1 },
    ]);
    expect(read.coverage).toEqual({
      from: AGG_T0,
      to: AGG_T0 + 2 * HOUR,
      expected: 2,
      complete: true,
      points: [{ point: 'p', buckets: 2, missing: [] }],
    });
  });

  it('upserts more than 100 bound parameters worth of rows in statements of ≤ 100 params, and reads > 100 points back', async () => {
    const { db, binds, batches } = recording(env.DB);
    const { store } = setup({ d1: db });
    const site = newSite();
    const points = Array.from({ length: 120 }, (_, i) => `pt-${String(i).padStart(3, '0')}`);
    const t = Array.from({ length: 48 }, (_, i) => AGG_T0 + i * 30 * 60_000);
    const series = points.map((point, p) => ({ point, t, v: t.map((_, i) => p * 1000 + i) }));
    const event: AggregateEvent = { site, startMs: AGG_T0, endMs: AGG_T0 + DAY, series };
    value(await store.record(event));
    const rows = 120 * 24 + 120;
    expect(binds.length).toBeGreaterThan(1);
    expect(Math.max(...binds)).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
    expect(binds.reduce((a, b) => a + b, 0)).toBe(rows * 13);
    expect(batches.length).toBeGreaterThan(1);
    expect(Math.max(...batches)).toBeLessThanOrEqual(MAX_BATCH_STATEMENTS);
    const count = await env.DB.prepare('SELECT count(*) AS n FROM timeseries_agg WHERE site = ?')
      .bind(site)
      .first<{ n: number }>();
    expect(count?.n).toBe(rows);

    binds.length = 0;
    const read = value(
      await store.read({ site, points, startMs: AGG_T0, endMs: AGG_T0 + DAY, bucket: '1h' }),
    );
    expect(binds.length).toBe(2);
    expect(Math.max(...binds)).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
    expect(read.series.map((s) => s.buckets.length)).toEqual(points.map(() => 24));
    expect(read.series[119]?.buckets[23]).toEqual({
      t: AGG_T0 + 23 * HOUR,
      count: 2,
      min: 119046,
      max: 119047,
      avg: 119046.5,
      last: 119047,
    });
    expect(read.coverage.complete).toBe(true);
  });

  it('reports which windows hold no bucket, per point', async () => {
    const { store } = setup();
    const site = newSite();
    const series = [
      { point: 'a', t: [AGG_T0 + 1, AGG_T0 + 3 * HOUR + 1], v: [1, 2] },
      { point: 'b', t: [], v: [] },
    ];
    value(await store.record({ site, startMs: AGG_T0, endMs: AGG_T0 + DAY, series }));
    const read = value(
      await store.read({
        site,
        points: ['a', 'b'],
        startMs: AGG_T0 + 30 * 60_000,
        endMs: AGG_T0 + 5 * HOUR,
        bucket: '1h',
      }),
    );
    expect(read.coverage).toEqual({
      from: AGG_T0,
      to: AGG_T0 + 5 * HOUR,
      expected: 5,
      complete: false,
      points: [
        {
          point: 'a',
          buckets: 2,
          missing: [
            [AGG_T0 + HOUR, AGG_T0 + 3 * HOUR],
            [AGG_T0 + 4 * HOUR, AGG_T0 + 5 * HOUR],
          ],
        },
        { point: 'b', buckets: 0, missing: [[AGG_T0, AGG_T0 + 5 * HOUR]] },
      ],
    });
  });

  it('skips a bucket whose sum overflows, and tolerates a point listed twice', async () => {
    const { store } = setup();
    const site = newSite();
    const series = [
      { point: 'huge', t: [AGG_T0, AGG_T0 + 1], v: [1.7e308, 1.7e308] },
      { point: 'p', t: [AGG_T0], v: [1] },
      { point: 'p', t: [AGG_T0], v: [1] },
    ];
    value(await store.record({ site, startMs: AGG_T0, endMs: AGG_T0 + DAY, series }));
    expect((await rowsOf(site)).map((r) => [r.point, r.bucket, r.count])).toEqual([
      ['p', '1d', 1],
      ['p', '1h', 1],
    ]);
  });

  it('returns a D1 failure as an error value and writes nothing', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('batch', { kind: 'error', message: 'SQLITE_BUSY: INSERT INTO timeseries_agg' });
    const { store } = setup({ d1: faultyD1(env.DB, plan) });
    const site = newSite();
    const result = await store.record({
      site,
      startMs: AGG_T0,
      endMs: AGG_T0 + DAY,
      series: [{ point: 'p', t: [AGG_T0], v: [1] }],
    });
    expect(result).toEqual({
      ok: false,
      error: { kind: 'db_error', message: 'the database request failed' },
    });
    expect(await rowsOf(site)).toEqual([]);
  });

  it('refuses a record over maxRowsPerRecord whole, and a read over MAX_READ_BUCKETS', async () => {
    const { store } = setup({ maxRowsPerRecord: 10 });
    const site = newSite();
    const t = Array.from({ length: 24 }, (_, i) => AGG_T0 + i * HOUR);
    const result = await store.record({
      site,
      startMs: AGG_T0,
      endMs: AGG_T0 + DAY,
      series: [{ point: 'p', t, v: t }],
    });
    expect(result.ok ? null : result.error.kind).toBe('payload_too_large');
    expect(await rowsOf(site)).toEqual([]);
    const points = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const read = await store.read({ site, points, startMs: 0, endMs: 366 * DAY, bucket: '1h' });
    expect(read.ok ? null : read.error.kind).toBe('invalid_input');
    expect(points.length * 366 * 24).toBeGreaterThan(MAX_READ_BUCKETS);
  });
});
