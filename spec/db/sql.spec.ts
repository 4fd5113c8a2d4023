// Specifies src/db/sql.ts: placeholder lists, chunk planning under D1's 100 bound parameters and
// multi-row INSERT building. Pure, so plain examples and fast-check properties; the runs against
// real D1 are in spec/db/d1.spec.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertWithinLimits,
  buildInserts,
  chunkItems,
  MAX_BOUND_PARAMS,
  placeholders,
  planChunks,
  stmt,
} from '../../src/db/sql.ts';

// A chunking problem that has a solution: at least one item fits beside the reserved params.
const chunkProblemArb = fc
  .record({ paramsPerItem: fc.integer({ min: 1, max: 100 }), itemCount: fc.integer({ min: 0, max: 5000 }) })
  .chain(({ paramsPerItem, itemCount }) =>
    fc.record({
      paramsPerItem: fc.constant(paramsPerItem),
      itemCount: fc.constant(itemCount),
      reservedParams: fc.integer({ min: 0, max: MAX_BOUND_PARAMS - paramsPerItem }),
    }),
  );

describe('placeholders', () => {
  it('lists n placeholders for 1 ≤ n ≤ 100', () => {
    expect(placeholders(1)).toBe('?');
    expect(placeholders(3)).toBe('?,?,?');
    expect(placeholders(100).split(',')).toHaveLength(100);
  });

  it.each([0, 101, -1, 1.5, Number.NaN])('refuses n = %s', (n) => {
    expect(() => placeholders(n)).toThrow(RangeError);
  });
});

describe('planChunks', () => {
  it.each([
    { items: 99, reserved: 0, sizes: [99] },
    { items: 100, reserved: 0, sizes: [100] },
    { items: 101, reserved: 0, sizes: [100, 1] },
    { items: 1000, reserved: 0, sizes: Array(10).fill(100) },
    { items: 99, reserved: 2, sizes: [98, 1] },
    { items: 100, reserved: 2, sizes: [98, 2] },
    { items: 101, reserved: 2, sizes: [98, 3] },
    { items: 1000, reserved: 2, sizes: [...Array(10).fill(98), 20] },
    { items: 0, reserved: 0, sizes: [] },
  ])(
    'splits $items items with $reserved reserved params into $sizes.length chunks',
    ({ items, reserved, sizes }) => {
      expect(planChunks(items, 1, reserved)).toEqual(sizes);
    },
  );

  it('counts every param of a multi-param item', () => {
    expect(planChunks(101, 2)).toEqual([50, 50, 1]);
    expect(planChunks(100, 3, 1)).toEqual([33, 33, 33, 1]);
  });

  it('refuses plans where not even one item fits', () => {
    expect(() => planChunks(5, 1, 100)).toThrow(RangeError);
    expect(() => planChunks(5, 101)).toThrow(RangeError);
    expect(() => planChunks(-1)).toThrow(RangeError);
  });

  it('chunks sum to the item count', () => {
    fc.assert(
      fc.property(chunkProblemArb, ({ itemCount, paramsPerItem, reservedParams }) => {
        const sum = planChunks(itemCount, paramsPerItem, reservedParams).reduce((a, b) => a + b, 0);
        expect(sum).toBe(itemCount);
      }),
    );
  });

  it('no chunk binds more than 100 params, reserved ones included, and none is empty', () => {
    fc.assert(
      fc.property(chunkProblemArb, ({ itemCount, paramsPerItem, reservedParams }) => {
        const sizes = planChunks(itemCount, paramsPerItem, reservedParams);
        return sizes.every((size) => size > 0 && size * paramsPerItem + reservedParams <= MAX_BOUND_PARAMS);
      }),
    );
  });

  // With "no chunk over the limit" above, this makes the count the fewest possible: all chunks but
  // the last are full, so no plan with one statement fewer could hold every item.
  it('fills every chunk but the last (one more item would pass the limit), so it uses the fewest statements', () => {
    fc.assert(
      fc.property(chunkProblemArb, ({ itemCount, paramsPerItem, reservedParams }) => {
        const sizes = planChunks(itemCount, paramsPerItem, reservedParams);
        const overIfOneMore = sizes
          .slice(0, -1)
          .map((size) => (size + 1) * paramsPerItem + reservedParams > MAX_BOUND_PARAMS);
        expect(overIfOneMore).toEqual(overIfOneMore.map(() => true));
      }),
    );
  });
});

describe('chunkItems', () => {
  it('keeps every item once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 700 }),
        fc.integer({ min: 0, max: 50 }),
        (items, reserved) => {
          expect(chunkItems(items, 1, reserved).flat()).toEqual(items);
        },
      ),
    );
  });
});

describe('buildInserts', () => {
  it('builds multi-row VALUES lists with the tail appended', () => {
    const rows = [
      ['a', 1],
      ['b', 2],
    ];
    expect(buildInserts('INSERT INTO t (k, v) VALUES', rows, 'ON CONFLICT (k) DO NOTHING')).toEqual([
      { sql: 'INSERT INTO t (k, v) VALUES (?,?),(?,?) ON CONFLICT (k) DO NOTHING', params: ['a', 1, 'b', 2] },
    ]);
  });

  it('puts at most floor(100 / width) rows in a statement and keeps every value in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 400 }), (width, count) => {
        const rows = Array.from({ length: count }, (_, r) =>
          Array.from({ length: width }, (_, c) => r * width + c),
        );
        const statements = buildInserts('INSERT INTO t VALUES', rows);
        for (const s of statements) {
          expect(s.params.length).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
          expect(s.sql.split('?')).toHaveLength(s.params.length + 1);
        }
        // Fewest statements: every one but the last is full (one more row would pass the limit).
        for (const st of statements.slice(0, -1)) {
          expect(st.params.length + width).toBeGreaterThan(MAX_BOUND_PARAMS);
        }
        expect(statements.flatMap((s) => s.params)).toEqual(rows.flat());
      }),
    );
  });

  it('builds nothing from no rows and refuses ragged rows', () => {
    expect(buildInserts('INSERT INTO t VALUES', [])).toEqual([]);
    expect(() => buildInserts('INSERT INTO t VALUES', [[1, 2], [3]])).toThrow(RangeError);
  });
});

describe('assertWithinLimits', () => {
  it('accepts 100 params and refuses 101 or an oversized statement', () => {
    const params = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(() => assertWithinLimits(stmt('x', ...params(100)))).not.toThrow();
    expect(() => assertWithinLimits(stmt('x', ...params(101)))).toThrow(RangeError);
    expect(() => assertWithinLimits(stmt('x'.repeat(100_001)))).toThrow(RangeError);
  });
});
