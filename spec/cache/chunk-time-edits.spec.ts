// Specifies src/cache/chunk-time-edits.ts's edit scripts by hand: the groups (keep, drop, add k,
// then the k added times as zig-zag deltas from the time before) for each kind of difference,
// what they cost as varints (1 byte below 2^7, 2 below 2^14, then 7 bits a byte), the budget, and
// readEdits giving back the times the script was made for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editScript, readEdits } from '../../src/cache/chunk-time-edits.ts';
import { ByteReader, ByteWriter } from '../../src/encoding/varint.ts';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** The script's tokens as chunk-times.ts writes them, read back against ref. */
const replay = (ref: number[], t: number[]): number[] => {
  const script = editScript(ref, t, Number.POSITIVE_INFINITY);
  if (!script) throw new Error('no script');
  const w = new ByteWriter();
  for (const [i, x] of script.tokens.entries()) {
    if (script.signed[i]) w.zigzag(x);
    else w.varint(x);
  }
  const bytes = w.finish();
  expect(bytes.byteLength).toBe(script.bytes);
  return readEdits(new ByteReader(bytes), ref, t.length);
};

describe('editScript: the groups', () => {
  it.each([
    ['the same times', [1, 2, 3], [1, 2, 3], [3, 0, 0], 0],
    ['one dropped inside', [1, 2, 3], [1, 3], [1, 1, 0, 1, 0, 0], 0],
    ['the tail missing (nothing to say)', [1, 2, 3], [1], [1, 0, 0], 0],
    ['one added before all (a delta from 0)', [1, 2, 3], [0, 1, 2, 3], [0, 0, 1, 0, 3, 0, 0], 0b0001000],
    ['two added after all (deltas from 3)', [1, 2, 3], [1, 2, 3, 5, 9], [3, 0, 2, 2, 4], 0b00011],
    ['one swapped for another', [10, 20, 30], [10, 25, 30], [1, 1, 1, 15, 1, 0, 0], 0b0001000],
    ['nothing to start from', [], [5, 10], [0, 0, 2, 5, 5], 0b00011],
    ['nothing asked for', [1, 2, 3], [], [], 0],
  ])('%s: %j → %j', (_, ref, t, tokens, signedMask) => {
    const script = editScript(ref, t, Number.POSITIVE_INFINITY);
    expect(script?.tokens).toEqual(tokens);
    // The mask's bits, last token lowest: which tokens are the added times' deltas.
    expect(script?.signed).toEqual(tokens.map((_, i) => ((signedMask >> (tokens.length - 1 - i)) & 1) === 1));
  });
});

describe('editScript: the cost in bytes', () => {
  it.each([
    [127, 3],
    [128, 4],
    [16_383, 4],
    [16_384, 5],
  ])('keeping %d times costs %d bytes (keep as a varint, then drop 0 and add 0)', (n, bytes) => {
    const times = range(n);
    expect(editScript(times, times, Number.POSITIVE_INFINITY)?.bytes).toBe(bytes);
  });

  it.each([
    // An added time's delta is counted zig-zag: 63 → 126 (1 byte), 64 → 128 (2), −64 → 127 (1),
    // 2^20 → 2^21 (22 bits: 4 bytes).
    [63, 4],
    [64, 5],
    [-64, 4],
    [2 ** 20, 7],
  ])('adding one time %d after nothing costs %d bytes', (x, bytes) => {
    expect(editScript([], [x], Number.POSITIVE_INFINITY)?.bytes).toBe(bytes);
  });

  it('gives up when the script would cost more than the budget, not when it costs exactly that', () => {
    expect(editScript([1, 2, 3], [1, 3], 6)?.bytes).toBe(6);
    expect(editScript([1, 2, 3], [1, 3], 5.5)).toBeNull();
    // Over the budget after its first group already.
    expect(editScript([1, 2, 3], [1, 3], 2)).toBeNull();
  });

  it('gives up on an added time whose delta is not a safe zig-zag integer', () => {
    expect(editScript([], [0, 2 ** 52 - 1], Number.POSITIVE_INFINITY)?.tokens).toEqual([
      0,
      0,
      2,
      0,
      2 ** 52 - 1,
    ]);
    expect(editScript([], [0, 2 ** 52], Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('readEdits', () => {
  it.each([
    [
      [1, 2, 3],
      [1, 3],
    ],
    [
      [1, 2, 3],
      [0, 1, 2, 3],
    ],
    [
      [10, 20, 30],
      [10, 25, 30],
    ],
    [[], [5, 10]],
    [
      [1, 2, 3],
      [1, 2, 3, 5, 9],
    ],
  ])('turns %j into %j by the script made for it', (ref, t) => {
    expect(replay(ref, t)).toEqual(t);
  });

  it('turns any ascending times into any others by their script', () => {
    const times = fc
      .uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 30 })
      .map((xs) => xs.sort((a, b) => a - b));
    fc.assert(
      fc.property(times, times, (ref, t) => {
        expect(replay(ref, t)).toEqual(t);
      }),
    );
  });
});

describe('the last edges', () => {
  const bytes = (...b: number[]) => new ByteReader(new Uint8Array(b));

  it('counts a negative added delta by its zig-zag form: −65 is 129, two bytes', () => {
    expect(editScript([], [-65], Number.POSITIVE_INFINITY)?.bytes).toBe(5);
  });

  it('gives up on an unsafe delta between two added times that are safe themselves', () => {
    expect(editScript([], [-(2 ** 51), 2 ** 51], Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('refuses a script that keeps or adds past the end after its first group', () => {
    // Keep 2, then keep 2 more of a reference of 3.
    expect(() => readEdits(bytes(2, 0, 0, 2, 0, 0), [1, 2, 3], 4)).toThrow('bad time edits');
    // Keep 2, then add 2 to a series of 3.
    expect(() => readEdits(bytes(2, 0, 0, 0, 0, 2, 2, 2), [1, 2, 3], 3)).toThrow('bad time edits');
    // The same groups within bounds.
    expect(readEdits(bytes(2, 0, 0, 1, 0, 0), [1, 2, 3], 3)).toEqual([1, 2, 3]);
    expect(readEdits(bytes(2, 0, 0, 0, 0, 1, 2), [1, 2, 3], 3)).toEqual([1, 2, 3]);
  });
});
