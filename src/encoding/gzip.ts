// gzip for bodies, through the platform's CompressionStream (Workers supports gzip, deflate and
// deflate-raw; no brotli — see docs/REVIEW-FINDINGS.md #1). Pure byte-in, byte-out helpers; the
// HTTP decision of when to compress is http/middleware/gzip.ts.

/**
 * (De)compression streams as the bytes-in, bytes-out transforms they are. Type-level only: the DOM
 * lib (Node-side type-check, e.g. the benchmarks) types their writable side as `BufferSource`, which
 * excludes views of a SharedArrayBuffer and so rejects a `ReadableStream<Uint8Array>`; workers-types
 * accepts any view. No stream here carries shared memory.
 */
type ByteTransform = ReadableWritablePair<Uint8Array, Uint8Array>;

/** Bodies shorter than this are sent as they are: gzip would add CPU and save next to nothing. */
export const GZIP_MIN_BYTES = 1024;

/** Compresses a stream with gzip. */
export function gzipStream(input: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return input.pipeThrough(new CompressionStream('gzip') as ByteTransform);
}

/** Decompresses a gzip stream. */
export function gunzipStream(input: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return input.pipeThrough(new DecompressionStream('gzip') as ByteTransform);
}

/** Compresses bytes with gzip. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return collect(gzipStream(streamOf(bytes)));
}

/** Decompresses gzip bytes; rejects on a corrupt or truncated stream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return collect(gunzipStream(streamOf(bytes)));
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
