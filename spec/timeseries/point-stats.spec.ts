// Specifies src/timeseries/point-stats.ts against the real local D1: the first fetch of a point
// is taken as its density, later ones move it by the EWMA weight (computed in SQL, so concurrent
// learners lose nothing), windows under an hour teach nothing, more points than one statement may
// bind are learned in chunks, and the site's average is the mean of its learned points.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/d1.ts';
import { createLogger } from '../../src/obs/log.ts';
import { EWMA_ALPHA, learnDensity } from '../../src/timeseries/estimator.ts';
import { createPointStats, MIN_LEARN_WINDOW_MS } from '../../src/timeseries/point-stats.ts';

const HOUR = 3_600_000;
const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
const stats = createPointStats({ db, clock: { now: () => 1_000 } });
const site = () => `stats-site-${crypto.randomUUID()}`;
const series = (point: string, samples: number) => ({ point, t: new Array<number>(samples).fill(0), v: [] });

describe('point stats', () => {
  it('takes the first observation as is and folds later ones with the EWMA', async () => {
    const s = site();
    await stats.learn({ site: s, startMs: 0, endMs: 2 * HOUR, series: [series('a', 240)] });
    let k = await stats.knowledge(s, ['a', 'b']);
    expect(k.ok && k.value.learned.get('a')).toEqual({ samplesPerSecond: 240 / 7200, observations: 1 });
    expect(k.ok && k.value.learned.has('b')).toBe(false);

    await stats.learn({ site: s, startMs: 0, endMs: HOUR, series: [series('a', 60)] });
    k = await stats.knowledge(s, ['a']);
    const expected = learnDensity(
      { samplesPerSecond: 240 / 7200, observations: 1 },
      { samples: 60, durationMs: HOUR },
    );
    expect(k.ok && k.value.learned.get('a')?.observations).toBe(2);
    expect(k.ok && k.value.learned.get('a')?.samplesPerSecond).toBeCloseTo(
      expected?.samplesPerSecond ?? Number.NaN,
      12,
    );
    expect(EWMA_ALPHA).toBeGreaterThan(0);
  });

  it('learns nothing from a window shorter than an hour', async () => {
    const s = site();
    const learned = await stats.learn({
      site: s,
      startMs: 0,
      endMs: MIN_LEARN_WINDOW_MS - 1,
      series: [series('a', 5)],
    });
    expect(learned).toEqual({ ok: true, value: { learned: 0 } });
    const k = await stats.knowledge(s, ['a']);
    expect(k.ok && k.value.learned.size).toBe(0);
    expect(k.ok && k.value.siteSamplesPerSecond).toBeNull();
  });

  it('learns and reads more points than one statement may bind, and averages the site', async () => {
    const s = site();
    const names = Array.from({ length: 130 }, (_, i) => `p${i}`);
    const learned = await stats.learn({
      site: s,
      startMs: 0,
      endMs: HOUR,
      series: names.map((n, i) => series(n, i % 2 === 0 ? 36 : 72)),
    });
    expect(learned).toEqual({ ok: true, value: { learned: 130 } });
    const k = await stats.knowledge(s, names);
    expect(k.ok && k.value.learned.size).toBe(130);
    expect(k.ok && k.value.siteSamplesPerSecond).toBeCloseTo((0.01 + 0.02) / 2, 12);
  });

  it('reads the points of a site too large for one batch of statements (a real site has thousands)', async () => {
    const s = site();
    // 99 points per statement and 50 statements per batch: 6,000 points need two batches.
    const names = Array.from({ length: 6_000 }, (_, i) => `p${i}`);
    const learned = await stats.learn({
      site: s,
      startMs: 0,
      endMs: HOUR,
      series: names.map((n) => series(n, 36)),
    });
    expect(learned).toEqual({ ok: true, value: { learned: 6_000 } });
    const k = await stats.knowledge(s, names);
    expect(k.ok && k.value.learned.size).toBe(6_000);
    expect(k.ok && k.value.learned.get('p5999')).toEqual({ samplesPerSecond: 0.01, observations: 1 });
    expect(k.ok && k.value.siteSamplesPerSecond).toBeCloseTo(0.01, 12);
  });

  it('keeps every observation when learners race (the EWMA runs in one statement)', async () => {
    const s = site();
    await Promise.all(
      Array.from({ length: 5 }, () =>
        stats.learn({ site: s, startMs: 0, endMs: HOUR, series: [series('a', 36)] }),
      ),
    );
    const k = await stats.knowledge(s, ['a']);
    expect(k.ok && k.value.learned.get('a')).toEqual({ samplesPerSecond: 0.01, observations: 5 });
  });
});
