// Specifies src/aggregates/retention.ts against the real local D1 and R2 (review 33, 36): rows past
// retention move to one gzip NDJSON object per site and month and leave D1 only after the put
// succeeded; an existing month is merged, not overwritten; a failing or refused R2 write, or a
// corrupt archive, deletes nothing; each pass is bounded; rows changed meanwhile stay.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { type ArchivedBucket, archiveKey, createAggregateRetention } from '../../src/aggregates/retention.ts';
import { createAggregateStore } from '../../src/aggregates/store.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { gunzip, gzip } from '../../src/encoding/gzip.ts';
import type { ColumnSeries } from '../../src/encoding/layout.ts';
import { createLogger, type LogLevel } from '../../src/obs/log.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** "Now" for retention: 90 days back is 2026-03-17, so February and early March are past it. */
const NOW = Date.UTC(2026, 5, 15, 3, 30);
const FEB_27 = Date.UTC(2026, 1, 27);
const JUN_01 = Date.UTC(2026, 5, 1);

let now = NOW;
const clock: Clock = { now: () => now };

function setup(options: { bucket?: R2Bucket; maxRowsPerRun?: number } = {}) {
  const lines: { level: LogLevel; event: unknown }[] = [];
  const log = createLogger({}, (level, line) => lines.push({ level, event: line.event }));
  const db = createDb({ db: env.DB, clock, log });
  const store = createAggregateStore({ db, clock, log });
  const retention = createAggregateRetention({
    db,
    bucket: options.bucket ?? env.CACHE,
    clock,
    log,
    retentionDays: 90,
    maxRowsPerRun: options.maxRowsPerRun,
  });
  return { store, retention, lines };
}

/** One sample an hour for `hours` hours from `start`, for each point. */
function hourly(points: string[], start: number, hours: number): ColumnSeries[] {
  const t = Array.from({ length: hours }, (_, i) => start + i * HOUR + 60_000);
  return points.map((point, p) => ({ point, t, v: t.map((_, i) => p + i / 4) }));
}

async function rows(site: string, where = ''): Promise<ArchivedBucket[]> {
  const result = await env.DB.prepare(
    `SELECT site, point, bucket, t, count, min, max, sum, first, first_t, last, last_t, updated_at
     FROM timeseries_agg WHERE site = ? ${where} ORDER BY point, bucket, t`,
  )
    .bind(site)
    .all<ArchivedBucket>();
  return result.results;
}

/** Wraps a bucket (itself a wrapper around the real one) to say when the first put begins. */
function whenPutStarts(bucket: R2Bucket): { bucket: R2Bucket; started: Promise<void> } {
  let signal = () => {};
  const started = new Promise<void>((resolve) => (signal = resolve));
  const wrapped = new Proxy(bucket, {
    get(target, prop) {
      const real: unknown = Reflect.get(target, prop, target);
      if (prop !== 'put' || typeof real !== 'function') return real;
      return (...args: unknown[]) => {
        signal();
        return (real as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { bucket: wrapped, started };
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string } }): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}`);
  return result.value;
}

const newSite = () => `ret-${randomId()}`;
const monthBounds = {
  feb: [Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)],
  mar: [Date.UTC(2026, 2, 1), Date.UTC(2026, 3, 1)],
};
const inMonth = (m: keyof typeof monthBounds) => `AND t >= ${monthBounds[m][0]} AND t < ${monthBounds[m][1]}`;

beforeEach(async () => {
  now = NOW;
  await env.DB.prepare('DELETE FROM timeseries_agg').run();
});

describe('retention pass', () => {
  it('moves rows past retention to one gzip NDJSON object per site and month, then deletes them', async () => {
    const { store, retention } = setup();
    const site = newSite();
    // Feb 27 00:00 → Mar 3 00:00 (old), and Jun 1 (recent).
    value(
      await store.record({
        site,
        startMs: FEB_27,
        endMs: FEB_27 + 4 * DAY,
        series: hourly(['a', 'b'], FEB_27, 96),
      }),
    );
    value(
      await store.record({ site, startMs: JUN_01, endMs: JUN_01 + DAY, series: hourly(['a'], JUN_01, 24) }),
    );
    const feb = await rows(site, inMonth('feb'));
    const mar = await rows(site, inMonth('mar'));
    const recent = await rows(site, `AND t >= ${JUN_01}`);
    expect(feb).toHaveLength(2 * (48 + 2));
    expect(mar).toHaveLength(2 * (48 + 2));

    const report = await retention.run();
    expect(report).toEqual({
      cutoff: Date.UTC(2026, 2, 17),
      selected: feb.length + mar.length,
      archived: feb.length + mar.length,
      objects: 2,
      failed: 0,
    });
    expect(await rows(site)).toEqual(recent);
    expect(value(await retention.readArchive(site, '2026-02'))).toEqual(feb);
    expect(value(await retention.readArchive(site, '2026-03'))).toEqual(mar);

    const object = await env.CACHE.get(archiveKey(site, '2026-02'));
    expect(object?.httpMetadata?.contentEncoding).toBe('gzip');
    const text = new TextDecoder().decode(
      await gunzip(new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0))),
    );
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(feb);
    expect(value(await retention.readArchive(site, '2026-01'))).toBeNull();
  });

  it('keeps a bucket whose window has not wholly passed the cutoff', async () => {
    const { store, retention } = setup();
    const site = newSite();
    const cutoff = Date.UTC(2026, 2, 17);
    // The hour and the day just before the cutoff go; the day starting at the cutoff stays.
    value(
      await store.record({
        site,
        startMs: cutoff - DAY,
        endMs: cutoff + DAY,
        series: hourly(['a'], cutoff - DAY, 48),
      }),
    );
    await retention.run();
    const left = await rows(site);
    expect(left.every((r) => r.t >= cutoff)).toBe(true);
    expect(left).toHaveLength(24 + 1);
  });

  it('merges into the month already archived, so nothing archived before is lost', async () => {
    const { store, retention } = setup();
    const site = newSite();
    value(
      await store.record({ site, startMs: FEB_27, endMs: FEB_27 + DAY, series: hourly(['a'], FEB_27, 24) }),
    );
    const first = await rows(site);
    await retention.run();
    now += 60_000;
    value(
      await store.record({ site, startMs: FEB_27, endMs: FEB_27 + DAY, series: hourly(['b'], FEB_27, 24) }),
    );
    // A re-recorded row of an archived key: the newer row wins in the archive.
    value(
      await store.record({
        site,
        startMs: FEB_27,
        endMs: FEB_27 + DAY,
        series: [{ point: 'a', t: [FEB_27 + 5], v: [99] }],
      }),
    );
    const second = await rows(site);
    const report = await retention.run();
    expect(report).toMatchObject({ archived: second.length, objects: 1, failed: 0 });
    const archived = value(await retention.readArchive(site, '2026-02'));
    const merged = [
      ...first.filter(
        (r) => !second.some((s) => s.point === r.point && s.bucket === r.bucket && s.t === r.t),
      ),
      ...second,
    ];
    expect(archived).toHaveLength(first.length + 24 + 1);
    expect(new Set(archived?.map((r) => JSON.stringify(r)))).toEqual(
      new Set(merged.map((r) => JSON.stringify(r))),
    );
    expect(archived?.find((r) => r.point === 'a' && r.bucket === '1d')?.count).toBe(1);
  });

  it.each(['put', 'get'] as const)(
    'deletes nothing when the R2 %s fails, and archives on the next pass',
    async (op) => {
      const plan = createFaultPlan<R2Op>();
      plan.set(op, { kind: 'error', message: 'R2 is down' });
      const { store, retention, lines } = setup({ bucket: faultyR2(env.CACHE, plan) });
      const site = newSite();
      // Two site-months: February 27–28 and March 1.
      value(
        await store.record({
          site,
          startMs: FEB_27,
          endMs: FEB_27 + 3 * DAY,
          series: hourly(['a'], FEB_27, 72),
        }),
      );
      const before = await rows(site);

      const failed = await retention.run();
      expect(failed).toMatchObject({ selected: before.length, archived: 0, objects: 0, failed: 2 });
      expect(await rows(site)).toEqual(before);
      expect(await env.CACHE.head(archiveKey(site, '2026-02'))).toBeNull();
      expect(lines.some((l) => l.level === 'error' && l.event === 'aggregates.archive_failed')).toBe(true);

      plan.clear();
      expect(await retention.run()).toMatchObject({ archived: before.length, failed: 0 });
      expect(await rows(site)).toEqual([]);
      expect(value(await retention.readArchive(site, '2026-02'))?.length).toBe(50);
      expect(value(await retention.readArchive(site, '2026-03'))?.length).toBe(25);
    },
  );

  it('leaves a corrupt archive object and its month’s rows alone', async () => {
    const { store, retention } = setup();
    const site = newSite();
    await env.CACHE.put(archiveKey(site, '2026-02'), 'not gzip at all');
    value(
      await store.record({ site, startMs: FEB_27, endMs: FEB_27 + DAY, series: hourly(['a'], FEB_27, 24) }),
    );
    const before = await rows(site);
    expect(await retention.run()).toMatchObject({ archived: 0, failed: 1 });
    expect(await rows(site)).toEqual(before);
    expect(await (await env.CACHE.get(archiveKey(site, '2026-02')))?.text()).toBe('not gzip at all');
    const read = await retention.readArchive(site, '2026-02');
    expect(read.ok ? null : read.error.kind).toBe('unavailable');
  });

  it('archives at most maxRowsPerRun rows a pass, oldest first, and drains over passes', async () => {
    const { store, retention } = setup({ maxRowsPerRun: 20 });
    const site = newSite();
    value(
      await store.record({
        site,
        startMs: FEB_27,
        endMs: FEB_27 + 2 * DAY,
        series: hourly(['a', 'b'], FEB_27, 48),
      }),
    );
    const all = await rows(site);
    expect(all).toHaveLength(100);
    const first = await retention.run();
    expect(first).toMatchObject({ selected: 20, archived: 20 });
    const left = await rows(site);
    expect(left).toHaveLength(80);
    expect(Math.min(...left.map((r) => r.t))).toBeGreaterThanOrEqual(
      Math.max(
        ...all
          .filter((r) => !left.some((l) => l.point === r.point && l.bucket === r.bucket && l.t === r.t))
          .map((r) => r.t),
      ),
    );
    for (let pass = 0; pass < 4; pass++) await retention.run();
    expect(await rows(site)).toEqual([]);
    expect(value(await retention.readArchive(site, '2026-02'))).toEqual(all);
  });

  it('keeps a row re-recorded while its month was being written (archived as it was read)', async () => {
    const plan = createFaultPlan<R2Op>();
    plan.set('put', { kind: 'delay', ms: 200 });
    const putting = whenPutStarts(faultyR2(env.CACHE, plan));
    const { store, retention } = setup({ bucket: putting.bucket });
    const site = newSite();
    value(
      await store.record({ site, startMs: FEB_27, endMs: FEB_27 + HOUR, series: hourly(['a'], FEB_27, 1) }),
    );
    const [row] = await rows(site, "AND bucket = '1h'");
    const pass = retention.run();
    await putting.started;
    await env.DB.prepare(
      "UPDATE timeseries_agg SET count = 7, updated_at = updated_at + 1 WHERE site = ? AND bucket = '1h'",
    )
      .bind(site)
      .run();
    expect(await pass).toMatchObject({ objects: 1, archived: 1 });
    expect((await rows(site)).map((r) => [r.bucket, r.count])).toEqual([['1h', 7]]);
    expect(value(await retention.readArchive(site, '2026-02'))?.find((r) => r.bucket === '1h')).toEqual(row);
  });

  it('writes nothing over a month another pass wrote meanwhile, and merges it next time', async () => {
    const plan = createFaultPlan<R2Op>();
    plan.set('put', { kind: 'delay', ms: 200 });
    const putting = whenPutStarts(faultyR2(env.CACHE, plan));
    const { store, retention } = setup({ bucket: putting.bucket });
    const site = newSite();
    value(
      await store.record({ site, startMs: FEB_27, endMs: FEB_27 + HOUR, series: hourly(['a'], FEB_27, 1) }),
    );
    const before = await rows(site);
    const other: ArchivedBucket = { ...(before[0] as ArchivedBucket), point: 'written-by-another-pass' };
    const pass = retention.run();
    await putting.started;
    await env.CACHE.put(
      archiveKey(site, '2026-02'),
      await gzip(new TextEncoder().encode(`${JSON.stringify(other)}\n`)),
    );
    expect(await pass).toMatchObject({ objects: 0, archived: 0, failed: 1 });
    expect(await rows(site)).toEqual(before);
    plan.clear();
    expect(await retention.run()).toMatchObject({ objects: 1, archived: before.length, failed: 0 });
    expect(value(await retention.readArchive(site, '2026-02'))).toEqual([...before, other]);
  });

  it('refuses a month that is not YYYY-MM', async () => {
    const { retention } = setup();
    for (const month of ['2026-13', '2026-1', '../x', '']) {
      const read = await retention.readArchive('s', month);
      expect(read.ok ? null : read.error.kind, month).toBe('invalid_input');
    }
  });
});
