// Which earlier series a v2 chunk writes a series' times against (src/cache/chunk-times.ts's
// `like` form): only the 16 most recent, and only one holding at least half of 8 probed times
// spread along the series; otherwise the series is written as it would be alone. Worked from
// the times' construction (which positions were changed), byte by byte.
import { describe, expect, it } from 'vitest';
import { decodeChunkBody, encodeChunkBody } from '../../src/cache/chunk-codec-v2.ts';
import { body, header, timesAlone, varint, zeros, zeroValues, zigzag } from '../support/chunk-bytes.ts';

/** 200 ascending times whose steps (2 + a quadratic hash, 2…998 ms) vary: costly as steps. */
const A = (() => {
  const t = [0];
  for (let k = 1; k < 200; k++) t.push((t[k - 1] as number) + 2 + ((k * k * 31 + k * 7) % 997));
  return t;
})();

/** A with the times at these positions moved 1 ms later (steps are ≥ 2: still ascending, none in A). */
const moved = (positions: readonly number[]) => A.map((x, i) => (positions.includes(i) ? x + 1 : x));

/** The body of these series (values 0), checked to decode back, and its expected header. */
function chunk(ts: readonly number[][]) {
  const names = ts.map((_, i) => `s${i}`);
  const series = ts.map((t, i) => ({ point: names[i] as string, t, v: zeros(t.length) }));
  expect(decodeChunkBody(encodeChunkBody(series), names)).toEqual(series);
  return {
    bytes: body(series),
    head: header(
      names,
      ts.map((t) => t.length),
    ),
  };
}

const values = (ts: readonly number[][]) => ts.flatMap((t) => zeroValues(t.length));

describe('the like form: the probe threshold', () => {
  // The 8 probes of a 200-time series are its times 0, 25, 50, …, 175.
  it('writes a series as edits when it holds 4 of the 8 probed times of an earlier one', () => {
    const b = moved([25, 75, 125, 175]);
    const { bytes, head } = chunk([A, b]);
    // Keep 25, drop 1, add 1 (A[25] + 1, a delta from A[24]); keep 49 …; finally keep 24.
    const group = (keep: number, p: number) => [
      keep,
      1,
      1,
      ...zigzag((A[p] as number) + 1 - (A[p - 1] as number)),
    ];
    const script = [...group(25, 25), ...group(49, 75), ...group(49, 125), ...group(49, 175), 24, 0, 0];
    expect(bytes).toEqual([...head, ...timesAlone(A), 3, 0, ...script, ...values([A, b])]);
  });

  it('writes it as alone when it holds only 3 of them', () => {
    const b = moved([25, 75, 125, 150, 175]);
    const { bytes, head } = chunk([A, b]);
    expect(bytes).toEqual([...head, ...timesAlone(A), ...timesAlone(b), ...values([A, b])]);
  });
});

describe('the like form: the 16 most recent series', () => {
  /** Series sharing no time with A nor with each other: A shifted by 10^6·(m + 1) ms. */
  const others = (n: number) => Array.from({ length: n }, (_, m) => A.map((x) => x + 1_000_000 * (m + 1)));

  it('refers to a series 16 back', () => {
    const ts = [A, ...others(15), A];
    const { bytes, head } = chunk(ts);
    expect(bytes).toEqual([
      ...head,
      ...ts.slice(0, 16).flatMap(timesAlone),
      ...[3, 0, ...varint(200), 0, 0],
      ...values(ts),
    ]);
  });

  it('does not look 17 back: the series is written as alone', () => {
    const ts = [A, ...others(16), A];
    const { bytes, head } = chunk(ts);
    expect(bytes).toEqual([...head, ...ts.flatMap(timesAlone), ...values(ts)]);
  });
});
