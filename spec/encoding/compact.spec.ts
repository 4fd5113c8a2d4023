// The compact layout: exact round trip for any series (times and values compared with Object.is,
// -0, tiny and huge doubles, non-integer times included), the short forms taken where they are
// exact (regular decimals become scaled integer deltas), and a fallback where they are not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromCompact, MAX_DECIMALS, toCompact } from '../../src/encoding/compact.ts';
import { columnSeriesArb, finiteDoubleArb } from '../support/arbitraries/edge.ts';

/**
 * Exactly equal, index by index. (Array.every skips the holes of a sparse array, so `a.every(…)`
 * would pass an `a` that was allocated with its length and never filled: mutation testing found it.)
 */
const same = (a: number[], b: number[]) =>
  a.length === b.length && Array.from(a.keys()).every((i) => Object.is(a[i], b[i]));

describe('compact layout', () => {
  it('round-trips any series exactly', () => {
    fc.assert(
      fc.property(columnSeriesArb, (s) => {
        const back = fromCompact(toCompact(s));
        expect(back.point).toBe(s.point);
        expect(same(back.t, s.t)).toBe(true);
        expect(same(back.v, s.v)).toBe(true);
      }),
    );
  });

  it('round-trips decimal sensor values through the scaled-integer form, and uses it', () => {
    const decimalArb = fc
      .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: MAX_DECIMALS }))
      .map(([n, e]) => n / 10 ** e);
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 900_000 }), decimalArb), { maxLength: 200 }),
        (t0, steps) => {
          let t = t0;
          const s = { point: 'p', t: [] as number[], v: [] as number[] };
          for (const [dt, v] of steps) {
            t += dt;
            s.t.push(t);
            s.v.push(v);
          }
          const compact = toCompact(s);
          if (s.v.every((v) => !Object.is(v, -0))) expect('dv' in compact).toBe(true);
          const back = fromCompact(compact);
          expect(same(back.t, s.t) && same(back.v, s.v)).toBe(true);
        },
      ),
    );
  });

  it('keeps values as they are when no scale is exact, and times as they are when not integers', () => {
    const irrational = toCompact({ point: 'p', t: [1, 2], v: [Math.PI, Math.E] });
    expect('v' in irrational && 'dt' in irrational).toBe(true);
    const fractional = toCompact({ point: 'p', t: [0.5, 1.25], v: [1, 2] });
    expect(fractional).toEqual({ point: 'p', t: [0.5, 1.25], v: [1, 2] });
    expect(fromCompact(fractional)).toEqual({ point: 'p', t: [0.5, 1.25], v: [1, 2] });
    fc.assert(
      fc.property(fc.array(finiteDoubleArb, { maxLength: 30 }), (v) => {
        const s = { point: 'x', t: v.map((_, i) => i * 1000), v };
        expect(same(fromCompact(toCompact(s)).v, v)).toBe(true);
      }),
    );
  });

  it('encodes an empty series from time 0, and keeps values whose deltas are not safe integers as they are', () => {
    expect(toCompact({ point: 'p', t: [], v: [] })).toEqual({ point: 'p', t0: 0, dt: [], e: 0, dv: [] });
    // Each value is a safe integer, but the step between them (2^54 - 2) is not: its running sum
    // could round, so the values stay as they are.
    const wide = { point: 'p', t: [0, 1_000], v: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };
    expect(toCompact(wide)).toEqual({ point: 'p', t0: 0, dt: [1_000], v: wide.v });
  });

  it('encodes a regular series as one repeated small delta', () => {
    const s = { point: 'p', t: [1000, 31000, 61000, 91000], v: [20.5, 20.5, 20.75, 21] };
    expect(toCompact(s)).toEqual({
      point: 'p',
      t0: 1000,
      dt: [30000, 30000, 30000],
      e: 2,
      dv: [2050, 0, 25, 25],
    });
  });
});
