// The cache's chunk codecs as the bench measures them: the Worker's own encoders and decoders
// (src/cache/chunk-codec*.ts) with node:zlib's synchronous deflate, inflate and gzip in place of
// the platform's (de)compression streams, the same zlib, so a call's whole cost is on this thread
// (thread CPU time is what pairedRatio reads) and the bytes are the ones the Worker stores.
import { deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { type ChunkSeries, decodeChunk, encodeChunk } from '../src/cache/chunk-codec.ts';
import { decodeChunkBody, encodeChunkBody, frameChunk, unframeChunk } from '../src/cache/chunk-codec-v2.ts';
import {
  decodePieces,
  encodeChunkBodyV3,
  framePieces,
  piecesOf,
  unframePieces,
} from '../src/cache/chunk-codec-v3.ts';
import { slowed } from './lib.ts';

/** Codec v3: what chunk-tiers.ts writes (packChunkV3). BENCH_SLOW=chunk-encode encodes twice. */
export function packChunkSync(series: readonly ChunkSeries[]): Uint8Array {
  if (slowed('chunk-encode')) encodeChunkBodyV3(series);
  const pieces = piecesOf(encodeChunkBodyV3(series));
  return framePieces(
    pieces,
    pieces.pieces.map((p) => deflateRawSync(p)),
  );
}

/** Codec v3: what chunk-tiers.ts reads (unpackChunkV3). BENCH_SLOW=chunk-decode decodes twice. */
export function unpackChunkSync(bytes: Uint8Array, points: readonly string[]): ChunkSeries[] | null {
  const framed = unframePieces(bytes);
  if (!framed) return null;
  const pieces = framed.pieces.map((p) => (p.deflated ? inflateRawSync(p.payload) : p.payload));
  if (slowed('chunk-decode')) decodePieces(pieces, framed.low, points);
  return decodePieces(pieces, framed.low, points);
}

/** Codec v2 (chunks written before v3, still read), for comparison. */
export function packV2(series: readonly ChunkSeries[]): Uint8Array {
  const body = encodeChunkBody(series);
  return frameChunk(body, deflateRawSync(body));
}

/** Codec v2 read back. */
export function unpackV2(bytes: Uint8Array, points: readonly string[]): ChunkSeries[] | null {
  const framed = unframeChunk(bytes);
  if (!framed) return null;
  return decodeChunkBody(framed.deflated ? inflateRawSync(framed.payload) : framed.payload, points);
}

/** Codec v1 as it was stored: float64 columns, gzipped by the result cache. */
export const packV1 = (series: readonly ChunkSeries[]): Uint8Array => gzipSync(encodeChunk(series));

/** Codec v1 read back: gunzip, then the columns. */
export const unpackV1 = (bytes: Uint8Array): ChunkSeries[] | null => decodeChunk(gunzipSync(bytes));
