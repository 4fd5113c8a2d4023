// Byte ranges of a streamed download (src/http/range.ts): which Range headers are honoured (one
// `bytes=first-[last]` range, If-Range matching the ETag) and which are ignored for a whole 200
// (suffix and multiple ranges, other units, malformed ones); and slicing a stream of any chunking
// gives exactly the bytes of that range of the whole, or says how long the whole was when the
// range starts past its end (416).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRange, sliceStream } from '../../src/http/range.ts';

const ETAG = '"job-1.ndjson"';

describe('parseRange', () => {
  it.each<[string, { first: number; last: number | null }]>([
    ['bytes=0-', { first: 0, last: null }],
    ['bytes=100-', { first: 100, last: null }],
    ['bytes=5-9', { first: 5, last: 9 }],
    ['bytes=7-7', { first: 7, last: 7 }],
    [' bytes = 12 - 20 ', { first: 12, last: 20 }],
  ])('honours %j', (header, range) => {
    expect(parseRange(header, undefined, ETAG)).toEqual(range);
  });

  it.each([
    'bytes=-500', // a suffix needs the length, which a generated download does not know up front
    'bytes=0-1,5-9', // several ranges
    'items=0-9',
    'bytes=9-5', // last before first: invalid, so ignored
    'bytes=abc-',
    'bytes=1.5-',
    'bytes=',
    'bytes=-',
    `bytes=${'9'.repeat(30)}-`, // past any safe integer
  ])('ignores %j (the whole download, 200)', (header) => {
    expect(parseRange(header, undefined, ETAG)).toBeNull();
  });

  it('honours a range only while If-Range names the current ETag', () => {
    expect(parseRange('bytes=10-', ETAG, ETAG)).toEqual({ first: 10, last: null });
    expect(parseRange('bytes=10-', '"job-1.csv"', ETAG)).toBeNull();
    expect(parseRange('bytes=10-', `W/${ETAG}`, ETAG)).toBeNull();
    expect(parseRange('bytes=10-', 'Mon, 07 Dec 2026 10:00:00 GMT', ETAG)).toBeNull();
    expect(parseRange(undefined, ETAG, ETAG)).toBeNull();
  });
});

/** A stream of `bytes` cut into pieces at `cuts`. */
function streamOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) pieces.push(bytes.slice(at, p));
    at = Math.max(at, p);
  }
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(...value);
  }
}

describe('sliceStream', () => {
  it('gives exactly the range of the whole, or its length when the range starts past the end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 8 }),
        fc.nat({ max: 350 }),
        fc.option(fc.nat({ max: 350 }), { nil: null }),
        async (bytes, cuts, first, lastOffset) => {
          const last = lastOffset === null ? null : first + lastOffset;
          const sliced = await sliceStream(streamOf(bytes, cuts), { first, last });
          if (first >= bytes.length) {
            expect(sliced).toEqual({ kind: 'unsatisfiable', length: bytes.length });
            return;
          }
          if (sliced.kind !== 'range') throw new Error(`expected a range, got ${sliced.kind}`);
          const end = last === null ? bytes.length - 1 : Math.min(last, bytes.length - 1);
          expect(await readAll(sliced.body)).toEqual([...bytes.slice(first, end + 1)]);
        },
      ),
    );
  });

  it('works a range by hand: bytes 3–6 of "0123456789" in pieces of 4', async () => {
    const text = new TextEncoder().encode('0123456789');
    const sliced = await sliceStream(streamOf(text, [4, 8]), { first: 3, last: 6 });
    if (sliced.kind !== 'range') throw new Error(sliced.kind);
    expect(new TextDecoder().decode(new Uint8Array(await readAll(sliced.body)))).toBe('3456');
    expect(await sliceStream(streamOf(text, [4]), { first: 10, last: null })).toEqual({
      kind: 'unsatisfiable',
      length: 10,
    });
  });
});
