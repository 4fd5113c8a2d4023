// After every upstream fetch the read path teaches the estimator and feeds the aggregates, after
// the response (ctx.waitUntil): through the Worker (exports.default), a cold day leaves one point_stats row
// per point whose density matches the samples served, and hourly and daily buckets whose counts
// add up to the samples served; a cache hit teaches nothing more.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 3, 7);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(5, 8)
  .map((p) => p.point.name);

const read = (token: string) =>
  exports.default.fetch('https://vitals.test/api/sites/demo-small/timeseries', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ points: names, start: D0, end: D0 + DAY }),
  });

async function settled<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let value = await probe();
  for (let i = 0; i < 50 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

describe('fetch observers', () => {
  it('learns densities and records aggregates from a cold read, and nothing from a hit', async () => {
    const token = `observers-${crypto.randomUUID()}`;
    const res = await read(token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { series: { point: string; t: number[] }[]; meta: { cache: string } };
    expect(body.meta.cache).toBe('miss');

    const stats = await settled(
      () =>
        env.DB.prepare(
          `SELECT point, samples_per_second, observations FROM point_stats WHERE site = 'demo-small' AND point IN (?, ?, ?)`,
        )
          .bind(...names)
          .all<{ point: string; samples_per_second: number; observations: number }>(),
      (r) => r.results.length === names.length,
    );
    for (const s of body.series) {
      const row = stats.results.find((r) => r.point === s.point);
      expect(row?.observations).toBe(1);
      expect(row?.samples_per_second).toBeCloseTo(s.t.length / 86_400, 9);
    }

    const daily = await env.DB.prepare(
      `SELECT point, count FROM timeseries_agg WHERE site = 'demo-small' AND bucket = '1d' AND t = ? AND point IN (?, ?, ?)`,
    )
      .bind(D0, ...names)
      .all<{ point: string; count: number }>();
    const hourly = await env.DB.prepare(
      `SELECT sum(count) AS n FROM timeseries_agg WHERE site = 'demo-small' AND bucket = '1h' AND t >= ? AND t < ? AND point IN (?, ?, ?)`,
    )
      .bind(D0, D0 + DAY, ...names)
      .first<{ n: number }>();
    const served = body.series.reduce((n, s) => n + s.t.length, 0);
    expect(daily.results.reduce((n, r) => n + r.count, 0)).toBe(served);
    expect(hourly?.n).toBe(served);

    // A hit goes nowhere upstream, so nothing is observed again.
    expect((await read(token)).headers.get('x-cache')).toBe('HIT');
    await new Promise((r) => setTimeout(r, 200));
    const after = await env.DB.prepare(
      `SELECT max(observations) AS n FROM point_stats WHERE site = 'demo-small' AND point IN (?, ?, ?)`,
    )
      .bind(...names)
      .first<{ n: number }>();
    expect(after?.n).toBe(1);
  });
});
