// Streams a gzip-compressed payload into R2 without holding the compressed object whole next to
// its source (review 7): small objects go up in one put, anything past one part size goes up as
// a multipart upload (parts ≥ 5 MiB, an R2 rule). Owns upload mechanics only, not keys or TTLs.

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

  try {
    const reader = stream.getReader();
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
    throw e;
  }
}
