// A served read as the bytes a client receives: the contract's body (site, window, interval, the
// series in the asked layout, meta) in the asked format, gzipped when the client accepts it and
// the body is worth it. Encoded answers of reads served wholly from immutable chunks are kept in
// the isolate (answer-memory.ts), so a repeated hit skips serving and encoding. Owns the bytes;
// the HTTP headers around them are the route's.
import { CONTENT_TYPES, encode, type Format } from '../encoding/codec.ts';
import { GZIP_MIN_BYTES, gzip } from '../encoding/gzip.ts';
import { type Layout, layOut } from '../encoding/layout.ts';
import type { SeriesRequest } from '../requests.ts';
import type { Served } from './served.ts';

/** How the client wants its answer: layout, format, and whether it accepts gzip. */
export interface AnswerShape {
  layout: Layout;
  format: Format;
  gzip: boolean;
}

/** An answer ready to send. */
export interface EncodedAnswer {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  contentEncoding: 'gzip' | null;
  /** The read's meta, as it is inside the body (analytics, X-Cache). */
  meta: Served['meta'];
}

/** The contract's 200 body (API.md) for a served read. */
export function answerBody(request: SeriesRequest, served: Served, layout: Layout) {
  return {
    site: request.site,
    start: request.startMs,
    end: request.endMs,
    interval: request.interval,
    series: layOut(served.series, layout),
    meta: served.meta,
  };
}

/** Encodes a served read in the asked shape. */
export async function encodeAnswer(
  request: SeriesRequest,
  served: Served,
  shape: AnswerShape,
): Promise<EncodedAnswer> {
  const plain = encode(answerBody(request, served, shape.layout), shape.format);
  const compress = shape.gzip && plain.byteLength >= GZIP_MIN_BYTES;
  return {
    body: compress ? await gzip(plain) : plain,
    contentType: CONTENT_TYPES[shape.format],
    contentEncoding: compress ? 'gzip' : null,
    meta: served.meta,
  };
}
