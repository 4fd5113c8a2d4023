// A v3 chunk's value blocks (src/cache/chunk-values.ts): exact for every double, split (high parts
// in the block, low bits apart) exactly when the deltas are wide, and v2's block otherwise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeValues } from '../../src/cache/chunk-codec-v2.ts';
import { readValueBlock, valueBlock } from '../../src/cache/chunk-values.ts';
import { ByteReader, ByteWriter } from '../../src/encoding/varint.ts';
import { valueArb } from '../support/chunk-arbitraries.ts';

/** Values whose deltas are of every width: narrow decimals, wide ones, to the edge of the safe integers. */
const valuesArb = fc.oneof(
  fc.array(valueArb, { maxLength: 60 }),
  fc.array(
    fc.integer({ min: -3_000, max: 3_000 }).map((k) => k / 10),
    { maxLength: 300 },
  ),
  fc.array(
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((k) => k / 100),
    { maxLength: 100 },
  ),
  fc.array(fc.integer({ min: -(2 ** 51), max: 2 ** 51 }), { maxLength: 50 }),
  fc.array(fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, 2 ** 52), { maxLength: 20 }),
);

/** A block written and read back as v3 reads it (its low bits from the chunk's low-bits section). */
function roundTrip(v: readonly number[]): { back: number[]; split: boolean } {
  const block = valueBlock(v);
  const r = new ByteReader(block.bytes);
  const low = { bytes: block.low, pos: 0 };
  const back = readValueBlock(r, v.length, low);
  expect(r.remaining).toBe(0);
  expect(low.pos).toBe(block.low.byteLength);
  return { back, split: block.low.byteLength > 0 };
}

describe('value blocks of a v3 chunk', () => {
  it('round-trip every value bit for bit, split or not', () => {
    let split = 0;
    fc.assert(
      fc.property(valuesArb, (v) => {
        const got = roundTrip(v);
        if (got.split) split++;
        expect(got.back.length).toBe(v.length);
        expect(got.back.every((x, i) => Object.is(x, v[i]))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    expect(split).toBeGreaterThan(200);
  });

  it('are v2’s block when the deltas are narrow, and split when they need two varint bytes on average', () => {
    const narrow = Array.from({ length: 200 }, (_, i) => 70 + ((i * 7) % 11) / 10);
    const w = new ByteWriter();
    writeValues(w, narrow);
    expect(valueBlock(narrow)).toStrictEqual({ bytes: w.finish(), low: new Uint8Array(0) });
    const wide = Array.from({ length: 200 }, (_, i) => 500 + ((i * 7919) % 1000));
    expect(valueBlock(wide).low.byteLength).toBeGreaterThan(0);
  });
});
