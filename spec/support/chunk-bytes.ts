// Helpers for the specs of the version-2 chunk bytes (spec/cache/chunk-*-format specs): varints
// and zig-zags as bytes (src/encoding/varint.ts, specified byte by byte in varint.spec.ts), a
// body as a plain array, and one series' time block as a chunk of that series alone writes it.
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import { encodeChunkBody, namesChecksum } from '../../src/cache/chunk-codec-v2.ts';
import { ByteWriter } from '../../src/encoding/varint.ts';

export const varint = (n: number): number[] => {
  const w = new ByteWriter();
  w.varint(n);
  return [...w.finish()];
};

export const zigzag = (n: number): number[] => {
  const w = new ByteWriter();
  w.zigzag(n);
  return [...w.finish()];
};

export const body = (series: readonly ChunkSeries[]): number[] => [...encodeChunkBody(series)];

export const zeros = (n: number): number[] => Array<number>(n).fill(0);

/** The value block of n zeros: scaled, exponent 0, n zig-zag deltas of 0. */
export const zeroValues = (n: number): number[] => [0, 0, ...zeros(n)];

/** The header of a body: series count, names checksum, every length. */
export const header = (names: readonly string[], lengths: readonly number[]): number[] => [
  ...varint(names.length),
  ...varint(namesChecksum(names)),
  ...lengths.flatMap(varint),
];

/** The time block of `t` as a chunk holding only it (values all 0) writes it. */
export function timesAlone(t: readonly number[]): number[] {
  const alone = body([{ point: 'x', t: [...t], v: zeros(t.length) }]);
  return alone.slice(header(['x'], [t.length]).length, alone.length - zeroValues(t.length).length);
}
