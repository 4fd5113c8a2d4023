// How a job's parts become its points' series (src/jobs/result-series.ts): parts group into
// batches that must tile the job's points exactly, in order; a batch of several points over the
// in-memory bound is named; worked by hand.
import { describe, expect, it } from 'vitest';
import { batchesOf, oversizedBatch, type ResultPart } from '../../src/jobs/result-series.ts';

const part = (key: string, from: number, count: number | null, samples = 10): ResultPart => ({
  key,
  points: { from, count },
  samples,
});

describe('batchesOf', () => {
  it('groups consecutive parts of the same points, in order', () => {
    const batches = batchesOf([part('a', 0, 2), part('b', 2, 1, 5), part('c', 2, 1, 7), part('d', 3, 2)], 5);
    expect(batches).toEqual([
      { from: 0, count: 2, parts: [part('a', 0, 2)], samples: 10 },
      { from: 2, count: 1, parts: [part('b', 2, 1, 5), part('c', 2, 1, 7)], samples: 12 },
      { from: 3, count: 2, parts: [part('d', 3, 2)], samples: 10 },
    ]);
  });

  it('reads a part of no stated points (written before batches) as all of them', () => {
    expect(batchesOf([part('a', 0, null), part('b', 0, null)], 7)).toEqual([
      { from: 0, count: 7, parts: [part('a', 0, null), part('b', 0, null)], samples: 20 },
    ]);
  });

  it('refuses parts that skip, repeat or overrun points, or stop short', () => {
    expect(batchesOf([part('a', 0, 2), part('b', 3, 2)], 5)).toBeNull();
    expect(batchesOf([part('a', 0, 2), part('b', 1, 2)], 3)).toBeNull();
    expect(batchesOf([part('a', 0, 2), part('b', 2, 2)], 3)).toBeNull();
    expect(batchesOf([part('a', 0, 2)], 3)).toBeNull();
    expect(batchesOf([part('a', 1, 2)], 3)).toBeNull();
    expect(batchesOf([], 0)).toEqual([]);
  });
});

describe('oversizedBatch', () => {
  it('names the first batch of several points over the bound; one point is never read whole', () => {
    const batches = batchesOf([part('a', 0, 1, 900), part('b', 1, 2, 400), part('c', 3, 2, 501)], 5) ?? [];
    expect(oversizedBatch(batches, 500)?.from).toBe(3);
    expect(oversizedBatch(batches, 501)).toBeUndefined();
    expect(oversizedBatch(batches, 399)?.from).toBe(1);
  });
});
