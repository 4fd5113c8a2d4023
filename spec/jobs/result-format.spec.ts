// The framed result format (review 24): frames written slice by slice read back as one series per
// point with every sample in order, exactly (float64); an empty result is no frames; a truncated
// or corrupted sequence is refused rather than served partially.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrames,
  encodeFrame,
  MalformedResult,
  planSlices,
  readFrames,
} from '../../src/jobs/result-format.ts';
import { finiteDoubleArb } from '../support/arbitraries/edge.ts';

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
};

/** Slices of the same points, each with its own samples, in time order. */
const slicesArb = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 })
  .chain((points) =>
    fc.array(
      fc
        .tuple(...points.map(() => fc.array(finiteDoubleArb, { maxLength: 20 })))
        .map((values) => points.map((point, i) => ({ point, v: values[i] ?? [] }))),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map((slices) => {
    let t = 0;
    return slices.map((slice) => slice.map(({ point, v }) => ({ point, t: v.map(() => t++), v })));
  });

describe('framed results', () => {
  it('reads back the concatenation of the slices, per point, exactly', async () => {
    await fc.assert(
      fc.asyncProperty(slicesArb, async (slices) => {
        const decoded = await decodeFrames(concat(await Promise.all(slices.map(encodeFrame))));
        const expected = (slices[0] ?? []).map(({ point }) => ({
          point,
          t: slices.flatMap((s) => s.find((x) => x.point === point)?.t ?? []),
          v: slices.flatMap((s) => s.find((x) => x.point === point)?.v ?? []),
        }));
        expect(decoded).toEqual(expected);
      }),
    );
  });

  it('reads no frames as no series', async () => {
    expect(await decodeFrames(new Uint8Array(0))).toEqual([]);
  });

  it('refuses a sequence cut anywhere inside a frame', async () => {
    await fc.assert(
      fc.asyncProperty(slicesArb, fc.nat(), async (slices, cut) => {
        const frames = await Promise.all(slices.map(encodeFrame));
        const whole = concat(frames);
        const boundaries = new Set(
          frames.reduce<number[]>((acc, f) => [...acc, (acc.at(-1) ?? 0) + f.byteLength], [0]),
        );
        const at = cut % whole.byteLength;
        if (boundaries.has(at)) return;
        expect(await decodeFrames(whole.subarray(0, at))).toBeNull();
      }),
    );
  });

  it('refuses a frame whose length overruns, or whose chunk is malformed', async () => {
    const frame = await encodeFrame([{ point: 'a', t: [1], v: [2] }]);
    const overrun = frame.slice();
    new DataView(overrun.buffer).setUint32(0, frame.byteLength, true);
    expect(await decodeFrames(overrun)).toBeNull();
    const garbage = frame.slice();
    garbage.fill(0xff, 4, 12);
    expect(await decodeFrames(garbage)).toBeNull();
  });
});

/** A stream of these bytes in pieces of `size` bytes, recording whether it was cancelled. */
function piecewise(bytes: Uint8Array, size: number) {
  const seen = { cancelled: false, pulls: 0 };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulls++;
      if (at >= bytes.byteLength) controller.close();
      else {
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      }
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

describe('readFrames (the streaming reader)', () => {
  it('yields each frame in order, whatever pieces the bytes arrive in', async () => {
    await fc.assert(
      fc.asyncProperty(slicesArb, fc.integer({ min: 1, max: 64 }), async (slices, size) => {
        const { stream } = piecewise(concat(await Promise.all(slices.map(encodeFrame))), size);
        const frames: unknown[] = [];
        for await (const frame of readFrames(stream)) frames.push(frame);
        expect(frames).toEqual(slices);
      }),
    );
  });

  it('reads no further than the frame asked for, and cancels the source when stopped early', async () => {
    const frames = await Promise.all(
      [0, 1, 2].map((i) => encodeFrame([{ point: 'a', t: [i], v: [i * 10] }])),
    );
    // A frame a piece: the stream still holds the third when the reader is stopped.
    const { stream, seen } = piecewise(concat(frames), (frames[0] as Uint8Array).byteLength);
    const reader = readFrames(stream);
    expect((await reader.next()).value).toEqual([{ point: 'a', t: [0], v: [0] }]);
    const pullsAfterFirst = seen.pulls;
    await reader.return(undefined);
    expect(seen.cancelled).toBe(true);
    expect(seen.pulls).toBe(pullsAfterFirst);
  });

  it('yields the whole frames before a cut one, then throws MalformedResult', async () => {
    const frames = await Promise.all([0, 1].map((i) => encodeFrame([{ point: 'a', t: [i], v: [i] }])));
    const whole = concat(frames);
    const { stream, seen } = piecewise(whole.subarray(0, whole.byteLength - 2), 5);
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const frame of readFrames(stream)) got.push(frame);
      })(),
    ).rejects.toBeInstanceOf(MalformedResult);
    expect(got).toEqual([[{ point: 'a', t: [0], v: [0] }]]);
    expect(seen.cancelled).toBe(false); // it had read to the end: nothing left to cancel
  });
});

describe('planSlices', () => {
  const DAY = 86_400_000;
  it('covers the window exactly with consecutive whole-day runs within the budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 1, max: 366 * DAY }),
        fc.option(fc.nat({ max: 500_000_000 }), { nil: null }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (start, length, estimated, max) => {
          const slices = planSlices(start, start + length, estimated, max);
          expect(slices[0]?.startMs).toBe(start);
          expect(slices.at(-1)?.endMs).toBe(start + length);
          const days = Math.ceil((start + length) / DAY) - Math.floor(start / DAY);
          for (const [i, s] of slices.entries()) {
            expect(s.endMs).toBeGreaterThan(s.startMs);
            if (i > 0) expect(s.startMs).toBe(slices[i - 1]?.endMs);
            if (i > 0) expect(s.startMs % DAY).toBe(0);
            // Each slice's share of the estimate fits the budget unless it is a single day.
            const sliceDays = Math.ceil(s.endMs / DAY) - Math.floor(s.startMs / DAY);
            if (estimated !== null && sliceDays > 1)
              expect((estimated / days) * sliceDays).toBeLessThanOrEqual(max);
            if (estimated === null) expect(sliceDays).toBe(1);
          }
        },
      ),
    );
  });

  it('is empty for an empty window', () => {
    expect(planSlices(5, 5, 10)).toEqual([]);
  });
});
