// http/middleware/gzip.ts: JSON and MessagePack bodies are gzipped once when Accept-Encoding
// allows it, with `Content-Encoding: gzip` and `Vary: Accept-Encoding`; a client that decodes
// per the headers gets the original bytes (no double encoding by the runtime); small bodies,
// HEAD, no-transform and refusing clients get the body as it is.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/encoding/codec.ts';
import { gunzip } from '../../../src/encoding/gzip.ts';
import { GZIP_MIN_BYTES } from '../../../src/http/middleware/gzip.ts';
import { sendEncoded } from '../../../src/http/negotiate.ts';
import { BASE, harness } from '../harness.ts';

const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const vary = (res: Response) => (res.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());

/** A body of `size` bytes sent in `chunks` pieces, with no Content-Length (a stream). */
function streamed(size: number, chunks: number, type: string): Response {
  const bytes = new TextEncoder().encode(
    `"${'x'.repeat(Math.max(0, size - 2))}"`.slice(0, Math.max(size, 0)),
  );
  const step = Math.max(1, Math.ceil(bytes.byteLength / chunks));
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + step));
      offset += step;
    },
  });
  return new Response(body, { headers: { 'content-type': type } });
}

const h = harness({
  mount: (app) => {
    app.get('/spec/big', (c) => c.json({ values: Array.from({ length: 500 }, (_, i) => i / 7) }));
    app.get('/spec/big-msgpack', (c) =>
      sendEncoded(c, { v: Array.from({ length: 500 }, (_, i) => i / 7) }, 200, 'msgpack'),
    );
    app.get('/spec/no-transform', (c) => {
      c.header('Cache-Control', 'no-transform');
      return c.json({ values: Array.from({ length: 500 }, (_, i) => i) });
    });
    app.get('/spec/text', (c) => c.text('t'.repeat(5000)));
    app.get('/spec/stream/:size/:chunks', (c) =>
      streamed(Number(c.req.param('size')), Number(c.req.param('chunks')), 'application/json'),
    );
  },
});

describe('gzip through the Worker (what a client on the wire sees)', () => {
  it('a client decoding per the headers gets exactly the uncompressed document', async () => {
    const plain = await exports.default.fetch(`${BASE}/openapi.json`);
    const zipped = await exports.default.fetch(`${BASE}/openapi.json`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    // The runtime's fetch decodes one gzip layer, as any HTTP client would. Double-encoded bytes
    // would come out of that still gzipped, not as the document.
    expect(await zipped.text()).toBe(await plain.text());
  });

  it('marks compressible answers Vary: Accept-Encoding, compressed or not', async () => {
    for (const headers of [{}, { 'accept-encoding': 'gzip' }] as Record<string, string>[]) {
      expect(vary(await exports.default.fetch(`${BASE}/openapi.json`, { headers }))).toContain(
        'accept-encoding',
      );
    }
  });
});

describe('gzip in the app', () => {
  it('compresses once: the bytes are one gzip member whose content is the original body', async () => {
    const plain = await bytesOf(await h.fetch('/spec/big'));
    const res = await h.fetch('/spec/big', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-length')).toBeNull();
    const raw = await bytesOf(res);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    const once = await gunzip(raw);
    expect(once).toEqual(plain);
    expect([once[0], once[1]]).not.toEqual([0x1f, 0x8b]);
    expect(raw.byteLength).toBeLessThan(plain.byteLength);
  });

  it('compresses MessagePack bodies too, and they decode to the same data', async () => {
    const res = await h.fetch('/spec/big-msgpack', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toBe('application/msgpack');
    expect(decode(await gunzip(await bytesOf(res)), 'msgpack')).toEqual({
      v: Array.from({ length: 500 }, (_, i) => i / 7),
    });
  });

  it.each([
    ['no Accept-Encoding', {}],
    ['gzip refused', { 'accept-encoding': 'gzip;q=0' }],
    ['only br', { 'accept-encoding': 'br' }],
    ['identity only', { 'accept-encoding': 'identity' }],
  ])('does not compress for %s', async (_, headers) => {
    const res = await h.fetch('/spec/big', { headers });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(vary(res)).toContain('accept-encoding');
    expect(JSON.parse(await res.text()).values).toHaveLength(500);
  });

  it('sends small bodies as they are (an error body, under GZIP_MIN_BYTES)', async () => {
    const res = await h.fetch('/nope', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('not_found');
  });

  it('leaves HEAD, Cache-Control: no-transform and non-API content types alone', async () => {
    const head = await h.fetch('/spec/big', { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } });
    expect(head.headers.get('content-encoding')).toBeNull();
    const noTransform = await h.fetch('/spec/no-transform', { headers: { 'accept-encoding': 'gzip' } });
    expect(noTransform.headers.get('content-encoding')).toBeNull();
    const text = await h.fetch('/spec/text', { headers: { 'accept-encoding': 'gzip' } });
    expect(text.headers.get('content-encoding')).toBeNull();
  });

  it('any streamed body, in any chunking, reads back exactly; compressed only from GZIP_MIN_BYTES', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * GZIP_MIN_BYTES }),
        fc.integer({ min: 1, max: 12 }),
        async (size, chunks) => {
          const plain = await bytesOf(await h.fetch(`/spec/stream/${size}/${chunks}`));
          const res = await h.fetch(`/spec/stream/${size}/${chunks}`, {
            headers: { 'accept-encoding': 'gzip' },
          });
          const zipped = res.headers.get('content-encoding') === 'gzip';
          expect(zipped).toBe(plain.byteLength >= GZIP_MIN_BYTES);
          const raw = await bytesOf(res);
          expect(zipped ? await gunzip(raw) : raw).toEqual(plain);
        },
      ),
      { numRuns: 60 },
    );
  });
});
