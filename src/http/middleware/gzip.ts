// Response compression: gzip for JSON, MessagePack, NDJSON and CSV bodies when Accept-Encoding
// allows it (streamed: a job's export of any size is compressed as it is read).
// Not hono/compress: on Workers a body labelled `Content-Encoding: gzip` is compressed AGAIN by
// the runtime unless the Response says `encodeBody: 'manual'`, which hono/compress does not.
// Here it is compressed once (CompressionStream) and handed over as already encoded.
import type { MiddlewareHandler } from 'hono';
import { GZIP_MIN_BYTES, gzipStream } from '../../encoding/gzip.ts';
import type { AppEnv } from '../context.ts';
import { acceptsGzip } from '../negotiate.ts';

export { GZIP_MIN_BYTES } from '../../encoding/gzip.ts';

const COMPRESSIBLE =
  /^(?:application\/(?:json|msgpack|x-msgpack|vnd\.msgpack|problem\+json|x-ndjson)|text\/csv)\b/i;
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

/** Compresses eligible responses with gzip and marks every eligible one `Vary: Accept-Encoding`. */
export function gzipResponses(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const res = c.res;
    const type = res.headers.get('content-type');
    if (!res.body || !type || !COMPRESSIBLE.test(type) || c.req.method === 'HEAD') return;
    // A range's offsets count the uncompressed bytes (routes/jobs.ts): it is sent as it is.
    if (res.status === 206) return;
    if (res.headers.has('content-encoding') || NO_TRANSFORM.test(res.headers.get('cache-control') ?? ''))
      return;
    // The representation depends on Accept-Encoding whether or not this client gets gzip.
    c.header('Vary', 'Accept-Encoding', { append: true });
    if (!acceptsGzip(c.req.header('accept-encoding'))) return;

    const length = res.headers.get('content-length');
    if (length !== null && Number(length) < GZIP_MIN_BYTES) return;
    const { head, rest } = await readHead(res.body, GZIP_MIN_BYTES);
    const headers = new Headers(c.res.headers);
    // Replace, not merge: Hono's c.res setter would copy the old headers (Content-Length) back.
    c.res = undefined;
    if (rest === undefined) {
      // The whole body fit under the threshold: send it as it is.
      c.res = new Response(concat(head), { status: res.status, headers });
      return;
    }
    headers.delete('content-length');
    headers.set('content-encoding', 'gzip');
    // A strong ETag names the uncompressed bytes; the gzip of them is only weakly the same.
    const etag = headers.get('etag');
    if (etag?.startsWith('"')) headers.set('etag', `W/${etag}`);
    // encodeBody 'manual': these bytes are already gzip; the runtime must not encode them again.
    // (Hono copies c.res through `new Response(body, res)` when outer middleware sets a header;
    // workerd keeps encodeBody across that copy, and gzip.spec.ts checks the bytes on the wire.)
    c.res = new Response(gzipStream(prepend(head, rest)), {
      status: res.status,
      headers,
      encodeBody: 'manual',
    });
  };
}

/** Reads chunks until at least `min` bytes or the end; `rest` is the unread remainder, if any. */
async function readHead(
  body: ReadableStream<Uint8Array>,
  min: number,
): Promise<{ head: Uint8Array[]; rest?: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size < min) {
    const { done, value } = await reader.read();
    if (done) return { head };
    head.push(value);
    size += value.byteLength;
  }
  return { head, rest: reader };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A stream of the already-read chunks followed by what the reader still holds. */
function prepend(
  head: Uint8Array[],
  rest: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffered = head[i];
      if (buffered !== undefined) {
        i++;
        controller.enqueue(buffered);
        return;
      }
      const { done, value } = await rest.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return rest.cancel(reason);
    },
  });
}
