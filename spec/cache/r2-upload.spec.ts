// Streaming gzip uploads into the real local R2: small payloads as one put, large ones as a
// multipart upload with equal-sized parts; the stored bytes gunzip to the original; a failure in
// the middle leaves no readable object (a failing wrapper around the real bucket).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createStreamingUpload, MIN_PART_BYTES, uploadStream } from '../../src/cache/r2-upload.ts';
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

describe('createStreamingUpload', () => {
  /** Records when parts reach R2, around the real bucket. */
  function recordingParts(events: string[]): R2Bucket {
    return new Proxy(env.CACHE, {
      get(target, prop) {
        if (prop === 'createMultipartUpload') {
          return async (key: string, options?: R2MultipartOptions) => {
            const upload = await target.createMultipartUpload(key, options);
            return new Proxy(upload, {
              get(u, p) {
                if (p === 'uploadPart') {
                  return async (n: number, data: Uint8Array) => {
                    events.push('part');
                    return u.uploadPart(n, data);
                  };
                }
                const value: unknown = Reflect.get(u, p, u);
                return typeof value === 'function' ? value.bind(u) : value;
              },
            });
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  it('sends parts to R2 while the producer is still writing, and the object is the whole input', async () => {
    const events: string[] = [];
    const key = 'spec/streaming/whole';
    const upload = createStreamingUpload(recordingParts(events), key);
    const pieces = [noise(3 * 1024 * 1024, 1), noise(3 * 1024 * 1024, 2), noise(3 * 1024 * 1024, 3)];
    for (const piece of pieces) {
      await upload.write(piece);
      events.push('written');
    }
    const result = await upload.close();
    expect(result.parts).toBeGreaterThanOrEqual(2);
    // The first part went up before the producer had written everything: memory stays bounded.
    expect(events.indexOf('part')).toBeLessThan(events.lastIndexOf('written'));
    const object = await env.CACHE.get(key);
    if (!object) throw new Error('no object');
    const whole = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
    pieces.reduce((at, p) => (whole.set(p, at), at + p.byteLength), 0);
    expectSameBytes(new Uint8Array(await object.arrayBuffer()), whole);
  });

  it('rejects writes once the upload has failed, and leaves no object', async () => {
    const key = 'spec/streaming/failing';
    const failing = new Proxy(env.CACHE, {
      get(target, prop) {
        if (prop === 'createMultipartUpload') return () => Promise.reject(new Error('injected R2 fault'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const upload = createStreamingUpload(failing, key);
    let failure: unknown = null;
    for (let i = 0; i < 4 && failure === null; i++) {
      await upload.write(noise(3 * 1024 * 1024, i + 10)).catch((e: unknown) => {
        failure = e;
      });
    }
    expect(String(failure)).toMatch(/injected R2 fault/);
    await upload.abort();
    expect(await env.CACHE.head(key)).toBeNull();
  });

  it('abort leaves no object, even after a small put-sized input', async () => {
    const key = 'spec/streaming/aborted';
    const upload = createStreamingUpload(env.CACHE, key);
    await upload.write(noise(1024));
    await upload.abort();
    expect(await env.CACHE.head(key)).toBeNull();
  });
});
