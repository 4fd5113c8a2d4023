// Specifies src/ace/plan.ts at its edges, worked by hand: an explicit `auto` strategy, the known
// site's half-way line, the site's page size from every point it has, the page budget met exactly,
// the last slice of a long window whose span × n / n rounds below the span, and the budget errors'
// words. The general properties are spec/ace/plan.spec.ts.
import { describe, expect, it } from 'vitest';
import { byteBudgetError, pageBudgetError, planFetch, sliceWindow } from '../../src/ace/plan.ts';

const MiB = 1024 ** 2;
const names = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);
// One hour at one sample every 30 s: 120 samples a point.
const hour = { startMs: 0, endMs: 3_600_000, samplesPerSecond: 1 / 30 };
const limits = { maxPages: 2000, maxBytes: 64 * MiB };
const kind = (r: ReturnType<typeof planFetch>) => (r.ok ? r.value.kind : r.error.kind);

describe('strategy', () => {
  it('an explicit auto chooses as no strategy does', () => {
    expect(kind(planFetch({ ...hour, points: names(301), strategy: 'auto' }, limits))).toBe('site');
    expect(kind(planFetch({ ...hour, points: names(300), strategy: 'auto' }, limits))).toBe('batches');
  });

  it('batches exactly half of a known site, pages it past half', () => {
    expect(kind(planFetch({ ...hour, points: names(26), sitePointCount: 52 }, limits))).toBe('batches');
    expect(kind(planFetch({ ...hour, points: names(27), sitePointCount: 52 }, limits))).toBe('site');
  });
});

describe('site page size', () => {
  it('counts every point of the site, not only those asked for', () => {
    // 52 points × 120 = 6,240 samples: 10,000-sample pages (30 × 120 = 3,600 would take 5,000).
    expect(planFetch({ ...hour, points: names(30), sitePointCount: 52 }, limits)).toEqual({
      ok: true,
      value: { kind: 'site', pageSize: 10_000 },
    });
  });

  it('counts the points asked for when the site claims fewer', () => {
    // 301 × 120 = 36,120 samples: 50,000-sample pages (10 × 120 = 1,200 would take 5,000).
    expect(planFetch({ ...hour, points: names(301), sitePointCount: 10 }, limits)).toEqual({
      ok: true,
      value: { kind: 'site', pageSize: 50_000 },
    });
  });
});

describe('page budget', () => {
  // 60 names: groups of 50 and 10, each under 100,000 samples an hour (6,000 and 1,200): two calls.
  const twoCalls = (maxPages: number) =>
    planFetch({ ...hour, points: names(60) }, { maxPages, maxBytes: 64 * MiB, maxSamplesPerCall: 100_000 });

  it('admits a plan of exactly maxPages calls', () => {
    const plan = twoCalls(2);
    expect(plan.ok && plan.value.kind === 'batches' ? plan.value.calls.length : plan).toBe(2);
  });

  it('refuses it one call over, counting the calls of earlier groups', () => {
    expect(twoCalls(1)).toEqual({ ok: false, error: pageBudgetError(1) });
  });

  it('says what passed the budget', () => {
    expect(pageBudgetError(10)).toEqual({
      kind: 'payload_too_large',
      message: 'the upstream fetch needs more than 10 ACE requests; narrow the range or points',
    });
    expect(byteBudgetError(1000)).toEqual({
      kind: 'payload_too_large',
      message: 'the upstream fetch exceeds 1000 bytes; narrow the range or points',
    });
  });
});

describe('sliceWindow', () => {
  it('ends the last slice at the window end where span × n / n rounds below the span', () => {
    // 147,660,103,499,329 × 61 is past 2^53: as a double, divided by 61 again it is
    // 147,660,103,499,328. The window still ends where it was asked to.
    const span = 147_660_103_499_329;
    const slices = sliceWindow(0, span, 61);
    expect(slices).toHaveLength(61);
    expect(slices.at(-1)?.endMs).toBe(span);
  });
});
