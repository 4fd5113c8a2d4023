// Streams a gzip-compressed payload into R2 without holding the compressed object whole next to
// its source (review 7): small objects go up in one put, anything past one part size goes up as
// a multipart upload (parts ≥ 5 MiB, an R2 rule); createStreamingUpload lets a producer feed one
// while it works. Owns upload mechanics only, not keys or TTLs.

/** R2's minimum size for every multipart part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface UploadOptions {
  httpMetadata?: R2HTTPMetadata;
  customMetadata?: Record<string, string>;
  /** Part size for multipart uploads; at least MIN_PART_BYTES except in specs of the mechanism. */
  partBytes?: number;
}

export interface UploadResult {
  /** Stored (compressed) bytes. */
  bytes: number;
  /** Parts used: 1 for a single put. */
  parts: number;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * Uploads the stream to `key`. Either the object exists complete afterwards or not at all: a failed
 * multipart upload is aborted, so no partial object is ever readable.
 */
export async function uploadStream(
  bucket: R2Bucket,
  key: string,
  stream: ReadableStream<Uint8Array>,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const partBytes = options.partBytes ?? MIN_PART_BYTES;
  const putOptions = { httpMetadata: options.httpMetadata, customMetadata: options.customMetadata };
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let total = 0;
  let upload: R2MultipartUpload | undefined;
  const parts: R2UploadedPart[] = [];

  const flushPart = async (data: Uint8Array) => {
    upload ??= await bucket.createMultipartUpload(key, putOptions);
    parts.push(await upload.uploadPart(parts.length + 1, data));
  };

  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending.push(value);
      pendingBytes += value.byteLength;
      total += value.byteLength;
      // R2 wants every part but the last to have the same size: cut exact parts, and keep the
      // remainder (≤ one part) back so it can become the final part or the whole single put.
      while (pendingBytes > partBytes) {
        const all = concat(pending, pendingBytes);
        await flushPart(all.subarray(0, partBytes));
        pending = [all.subarray(partBytes)];
        pendingBytes -= partBytes;
      }
    }
    const rest = concat(pending, pendingBytes);
    pending = [];
    if (!upload) {
      await bucket.put(key, rest, putOptions);
      return { bytes: total, parts: 1 };
    }
    await flushPart(rest);
    await upload.complete(parts);
    return { bytes: total, parts: parts.length };
  } catch (e) {
    if (upload) await upload.abort().catch(() => undefined);
    // Whoever writes into the stream learns of the failure instead of waiting for a reader.
    await reader.cancel(e).catch(() => undefined);
    throw e;
  }
}

/** An upload fed piece by piece (see createStreamingUpload). */
export interface StreamingUpload {
  /** Adds bytes once the upload asks for more; rejects once it has failed (with the reason). */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the input and waits for the object to be complete. */
  close(): Promise<UploadResult>;
  /** Gives up: no object is left, whatever was written. */
  abort(): Promise<void>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Starts an upload to `key` that its producer feeds while it works. The stream is pull-driven
 * (high-water mark 0): a write completes only when the uploader reads it, so the producer never
 * runs ahead and memory holds at most one part and one piece, whatever the object's size.
 * The bytes are stored as written (compress pieces before writing them).
 */
export function createStreamingUpload(
  bucket: R2Bucket,
  key: string,
  options: UploadOptions = {},
): StreamingUpload {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let requested = deferred();
  let delivered = deferred();
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        requested.resolve();
        return delivered.promise;
      },
      cancel() {
        delivered.resolve();
      },
    },
    { highWaterMark: 0 },
  );
  const settled = uploadStream(bucket, key, stream, options).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const failure = settled.then((s) => (s.ok ? new Promise<never>(() => {}) : Promise.reject(s.error)));
  // Observed here so an early failure is never an unhandled rejection.
  failure.catch(() => undefined);

  // Hands one step to the uploader once it has asked for it.
  const handOver = async (step: () => void) => {
    await Promise.race([requested.promise, failure]);
    requested = deferred();
    step();
    const done = delivered;
    delivered = deferred();
    done.resolve();
  };

  return {
    write: (bytes) => handOver(() => controller?.enqueue(bytes)),
    async close() {
      await handOver(() => controller?.close());
      const s = await settled;
      if (!s.ok) throw s.error;
      return s.result;
    },
    async abort() {
      try {
        controller?.error(new Error('upload abandoned'));
      } catch {
        // Already closed or errored: the upload has settled on its own.
      }
      delivered.resolve();
      // Only an upload that completed left an object, and only this upload's object is ours.
      const s = await settled;
      if (s.ok) await bucket.delete(key).catch(() => undefined);
    },
  };
}
