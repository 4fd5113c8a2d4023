// Streaming gzip uploads into the real local R2: small payloads as one put, large ones as a
// multipart upload with equal-sized parts; the stored bytes gunzip to the original; a failure in
// the middle leaves no readable object (a failing wrapper around the real bucket).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MIN_PART_BYTES, uploadStream } from '../../src/cache/r2-upload.ts';
import { gunzip, gzipStream } from '../../src/encoding/gzip.ts';

/** Incompressible bytes (a xorshift stream), so the gzip output is about as large as the input. */
function noise(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const streamOf = (bytes: Uint8Array) => new Blob([bytes]).stream() as ReadableStream<Uint8Array>;

/** Byte equality that reports the first difference instead of diffing megabytes. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  let i = 0;
  const n = Math.min(actual.byteLength, expected.byteLength);
  while (i < n && actual[i] === expected[i]) i++;
  expect({ firstDifference: i, length: actual.byteLength }).toEqual({
    firstDifference: expected.byteLength,
    length: expected.byteLength,
  });
}

describe('uploadStream', () => {
  it('puts a small payload in one object labelled gzip that decompresses to the original', async () => {
    const payload = new TextEncoder().encode(JSON.stringify({ hello: 'world', n: [1, 2, 3] }));
    const result = await uploadStream(env.CACHE, 'spec/upload/small', gzipStream(streamOf(payload)), {
      httpMetadata: { contentEncoding: 'gzip', contentType: 'application/json' },
      customMetadata: { samples: '3' },
    });
    expect(result.parts).toBe(1);
    const object = await env.CACHE.get('spec/upload/small');
    expect(object?.httpMetadata?.contentEncoding).toBe('gzip');
    expect(object?.customMetadata).toEqual({ samples: '3' });
    expect(object?.size).toBe(result.bytes);
    const stored = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
    expectSameBytes(await gunzip(stored), payload);
  });

  it('uses multipart with equal parts for a payload larger than a part', async () => {
    const payload = noise(MIN_PART_BYTES * 2 + 123_457);
    const result = await uploadStream(env.CACHE, 'spec/upload/large', gzipStream(streamOf(payload)));
    expect(result.parts).toBe(3);
    const object = await env.CACHE.get('spec/upload/large');
    expect(object?.size).toBe(result.bytes);
    const stored = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
    expectSameBytes(await gunzip(stored), payload);
  });

  it('leaves no object when a part upload fails midway', async () => {
    let calls = 0;
    // The second part upload of a real multipart upload fails.
    const failing: R2Bucket = new Proxy(env.CACHE, {
      get(target, prop, receiver) {
        if (prop !== 'createMultipartUpload') {
          const value = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (key: string, options?: R2MultipartOptions) => {
          const upload = await target.createMultipartUpload(key, options);
          return new Proxy(upload, {
            get(u, p) {
              if (p !== 'uploadPart') {
                const value = Reflect.get(u, p);
                return typeof value === 'function' ? value.bind(u) : value;
              }
              return (n: number, data: Uint8Array) => {
                calls++;
                if (calls === 2) return Promise.reject(new Error('injected part failure'));
                return u.uploadPart(n, data);
              };
            },
          });
        };
      },
    });
    await expect(
      uploadStream(failing, 'spec/upload/broken', gzipStream(streamOf(noise(MIN_PART_BYTES * 3)))),
    ).rejects.toThrow('injected part failure');
    expect(await env.CACHE.head('spec/upload/broken')).toBeNull();
  });
});
