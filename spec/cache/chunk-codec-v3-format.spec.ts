// The bytes of a version-3 chunk (src/cache/chunk-codec-v3.ts), worked by hand for small chunks:
// v2's head, then (for more than one series) the order of the value blocks, quietest first by
// their bytes' entropy per byte and in listed order among equals, the blocks in that order, their
// low bits in that order too; the cuts into pieces; and the frame's flags and piece heads. Stored
// chunks outlive deploys, so the format is pinned here; the round trips are chunk-codec-v3.spec.ts.
import { describe, expect, it } from 'vitest';
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import {
  CHUNK_ENCODING_V3,
  decodeChunkBodyV3,
  encodeChunkBodyV3,
  framePieces,
  piecesOf,
  unframePieces,
} from '../../src/cache/chunk-codec-v3.ts';
import { header, timesAlone } from '../support/chunk-bytes.ts';

const MAGIC = [0x56, 0x43, 0x33];

/** The body, cuts and low bits of these series as arrays, checked to decode back. */
function encode(series: ChunkSeries[]) {
  const { body, cuts, low } = encodeChunkBodyV3(series);
  const names = series.map((s) => s.point);
  expect(decodeChunkBodyV3(body, names, low)).toEqual(series);
  return { body: [...body], cuts, low: [...low] };
}

// Times no two series share (so each is written alone, as timesAlone gives).
const T_A = [0, 60_000, 120_000];
const T_B = [1, 2, 3];

describe('chunk v3 bytes: the body', () => {
  it('is v2’s head then the one block, with no order, for one series', () => {
    // Values 1, 2, 3: scaled (0), exponent 0, deltas 1, 1, 1 (zig-zag 2).
    expect(encode([{ point: 'p', t: T_A, v: [1, 2, 3] }])).toEqual({
      body: [...header(['p'], [3]), ...timesAlone(T_A), 0, 0, 2, 2, 2],
      cuts: [],
      low: [],
    });
  });

  it('puts the quietest block first: zeros (0 bits a byte) before 1, 2, 3 (0.97)', () => {
    const loud = [0, 0, 2, 2, 2];
    const quiet = [0, 0, 0, 0, 0];
    const b = { point: 'b', t: T_B, v: [1, 2, 3] };
    const a = { point: 'a', t: T_A, v: [0, 0, 0] };
    expect(encode([b, a]).body).toEqual([
      ...header(['b', 'a'], [3, 3]),
      ...timesAlone(T_B),
      ...timesAlone(T_A),
      1,
      0,
      ...quiet,
      ...loud,
    ]);
    expect(encode([a, b]).body).toEqual([
      ...header(['a', 'b'], [3, 3]),
      ...timesAlone(T_A),
      ...timesAlone(T_B),
      0,
      1,
      ...quiet,
      ...loud,
    ]);
  });

  it('keeps the listed order between blocks alike', () => {
    const a = { point: 'a', t: T_A, v: [1, 2, 3] };
    const b = { point: 'b', t: T_B, v: [1, 2, 3] };
    expect(encode([a, b]).body.slice(-12)).toEqual([0, 1, 0, 0, 2, 2, 2, 0, 0, 2, 2, 2]);
  });

  it('writes the low bits of split blocks in the blocks’ order', () => {
    // x = [100, 0]: block 2 0 6 3 3 (1.92 bits a byte), low 200 1; y = [−100]: block 2 0 6 3
    // (2 bits a byte), low 7 (chunk-values-format.spec.ts). Listed y, x: written x, y.
    const y = { point: 'y', t: [5], v: [-100] };
    const x = { point: 'x', t: [7, 8], v: [100, 0] };
    const { body, low } = encode([y, x]);
    expect(body.slice(-11)).toEqual([1, 0, 2, 0, 6, 3, 3, 2, 0, 6, 3]);
    expect(low).toEqual([200, 1, 7]);
  });

  it('closes a piece at the first block boundary at or past 4096 bytes, and the next 4096 on', () => {
    // Four series of 300 raw values (no short decimal): blocks of 1 + 8·300 = 2401 bytes, alike,
    // so in listed order, after a head of H bytes under 1695: the first piece ends before the
    // third block, at H + 4802 (H + 2401 is under 4096); the fourth starts 2401 bytes into the
    // second piece, which is not closed there.
    const t = Array.from({ length: 300 }, (_, i) => i * 1000);
    const v = t.map((_, i) => Math.PI * (i + 1));
    const series = ['a', 'b', 'c', 'd'].map((point) => ({ point, t, v }));
    const { body, cuts, low } = encode(series);
    const head = body.length - 4 * 2401;
    expect(head).toBeLessThan(1695);
    expect(cuts).toEqual([head + 4802]);
    expect(low).toEqual([]);
    const { pieces } = piecesOf(encodeChunkBodyV3(series));
    expect(pieces.map((p) => p.byteLength)).toEqual([head + 4802, 2 * 2401]);
  });

  it('closes a piece at a block boundary exactly 4096 bytes in', () => {
    // a: 2037 zeros then 100 (a 2-byte zig-zag) every second: its block (2040 bytes, nearly all
    // zeros) first; b's block (0, 0, 2) last, 3 bytes, starting at 4096.
    const n = 2037;
    const t = Array.from({ length: n }, (_, i) => i * 1000);
    const a = { point: 'a', t, v: t.map((_, i) => (i === n - 1 ? 100 : 0)) };
    const { body, cuts } = encode([a, { point: 'b', t: [5], v: [1] }]);
    expect(body.length).toBe(4096 + 3);
    expect(body.slice(-3)).toEqual([0, 0, 2]);
    expect(cuts).toEqual([4096]);
  });

  it('orders forty blocks of two kinds: every quiet one, then every loud one, each in listed order', () => {
    const series = Array.from({ length: 40 }, (_, i) => ({
      point: `p${i}`,
      t: [3 * i, 3 * i + 1, 3 * i + 2],
      v: (i * 7) % 3 === 0 ? [0, 0, 0] : [1, 2, 3],
    }));
    const quiet = series.flatMap((s, i) => ((s.v[0] as number) === 0 ? [i] : []));
    const loud = series.flatMap((s, i) => ((s.v[0] as number) === 0 ? [] : [i]));
    const { body } = encode(series);
    // The order (40 one-byte varints) precedes the 40 blocks of 5 bytes each.
    expect(body.slice(-240, -200)).toEqual([...quiet, ...loud]);
  });

  it('refuses an order naming a series past the last', () => {
    // a: one value (block 0 0 2); b: none (block 0 0, quieter, first). Order 1 0 is whole; 2 0
    // names no series, even though the blocks read to the end.
    const head = [...header(['a', 'b'], [1, 0]), ...timesAlone([5]), ...timesAlone([])];
    const bodyWith = (order: number[]) => new Uint8Array([...head, ...order, 0, 0, 0, 0, 2]);
    expect(decodeChunkBodyV3(bodyWith([1, 0]), ['a', 'b'])).toEqual([
      { point: 'a', t: [5], v: [1] },
      { point: 'b', t: [], v: [] },
    ]);
    expect(decodeChunkBodyV3(bodyWith([2, 0]), ['a', 'b'])).toBeNull();
  });

  it('reads an empty chunk back as no series', () => {
    expect(encode([])).toEqual({ body: [...header([], [])], cuts: [], low: [] });
  });

  it('refuses a head not of these points even when nothing follows it: no series, another checksum', () => {
    // [0, checksum]: the head of no series reads to the end, so only its checksum tells it apart.
    const [count, ...checksum] = header([], []);
    expect(decodeChunkBodyV3(new Uint8Array([count as number, ...checksum]), [])).toEqual([]);
    const other = header(['a'], []).slice(1); // the checksum of ['a'], in place of that of none
    expect(decodeChunkBodyV3(new Uint8Array([0, ...other]), [])).toBeNull();
  });
});

describe('chunk v3 bytes: the frame', () => {
  it('is named "chunk-v3" in the object’s metadata, which stored objects keep', () => {
    expect(CHUNK_ENCODING_V3).toBe('chunk-v3');
  });

  const p = new Uint8Array([9, 9, 9]);
  const shorter = new Uint8Array([1, 2]);
  const longer = new Uint8Array([1, 2, 3, 4, 5]);

  it('is "VC3" and flags 1 for one piece stored deflated, when that is smaller', () => {
    const framed = framePieces({ pieces: [p], low: false }, [shorter]);
    expect([...framed]).toEqual([...MAGIC, 1, 1, 2]);
    expect(unframePieces(framed)).toEqual({ pieces: [{ deflated: true, payload: shorter }], low: false });
  });

  it('is flags 0 and the piece as it is when deflating does not make it smaller', () => {
    expect([...framePieces({ pieces: [p], low: false }, [new Uint8Array([7, 7, 7])])]).toEqual([
      ...MAGIC,
      0,
      9,
      9,
      9,
    ]);
  });

  it('is flags 2 | 4, the count and each piece’s length·2 + deflated, when the last piece is low bits', () => {
    const framed = framePieces({ pieces: [p, shorter], low: true }, [shorter, longer]);
    // p deflated (2 bytes: 2·2 + 1 = 5), the low bits as they are (2 bytes: 4).
    expect([...framed]).toEqual([...MAGIC, 6, 2, 5, 4, 1, 2, 1, 2]);
    expect(unframePieces(framed)).toEqual({
      pieces: [
        { deflated: true, payload: shorter },
        { deflated: false, payload: shorter },
      ],
      low: true,
    });
  });

  it('is flags 2 for several pieces of body', () => {
    const framed = framePieces({ pieces: [p, p], low: false }, [longer, shorter]);
    expect([...framed]).toEqual([...MAGIC, 2, 2, 6, 5, 9, 9, 9, 1, 2]);
    expect(unframePieces(framed)?.low).toBe(false);
  });

  it('reads back the frame of empty pieces, one or several', () => {
    const empty = new Uint8Array(0);
    const one = framePieces({ pieces: [empty], low: false }, [shorter]);
    expect([...one]).toEqual([...MAGIC, 0]);
    expect(unframePieces(one)).toEqual({ pieces: [{ deflated: false, payload: empty }], low: false });
    const two = framePieces({ pieces: [empty, empty], low: false }, [shorter, shorter]);
    expect([...two]).toEqual([...MAGIC, 2, 2, 0, 0]);
    expect(unframePieces(two)?.pieces).toEqual([
      { deflated: false, payload: empty },
      { deflated: false, payload: empty },
    ]);
  });

  it('refuses, as null, piece heads cut short', () => {
    expect(unframePieces(new Uint8Array([...MAGIC, 2]))).toBeNull();
    expect(unframePieces(new Uint8Array([...MAGIC, 2, 0x80]))).toBeNull();
  });

  it('refuses low bits as the only piece, and a frame too short for its flags', () => {
    expect(unframePieces(new Uint8Array([...MAGIC, 6, 1, 4, 1, 2]))).toBeNull();
    expect(unframePieces(new Uint8Array(MAGIC))).toBeNull();
  });
});
