// The Parquet download's writer (src/encoding/parquet-export.ts): its pieces, concatenated, are one
// valid file whatever the frames — a row group per frame with rows, none for an empty result — and
// every sample reads back exactly (any finite double, -0 included), in the order written. Read back
// with hyparquet, an independent reader.
import fc from 'fast-check';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parquetPieces } from '../../src/encoding/parquet-export.ts';

interface Series {
  point: string;
  t: number[];
  v: number[];
}

function fileOf(frames: Series[][]): ArrayBuffer {
  const file = parquetPieces();
  const pieces = [...frames.map((f) => file.rows(f)), file.end()];
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}

async function read(file: ArrayBuffer) {
  const rows = (await parquetReadObjects({ file })) as Array<{ point: string; time: Date; value: number }>;
  return rows.map((r) => [r.point, r.time.getTime(), r.value] as const);
}

const flat = (frames: Series[][]) =>
  frames.flatMap((f) => f.flatMap((s) => s.t.map((t, i) => [s.point, t, s.v[i] as number] as const)));

describe('parquet export', () => {
  it('writes a worked example: two frames, two row groups, the rows in order', async () => {
    const frames: Series[][] = [
      [
        { point: 'ahu-1/sat', t: [0, 60_000], v: [55.5, 55.6] },
        { point: 'ahu-1/rat', t: [30_000], v: [72] },
      ],
      [{ point: 'ahu-1/sat', t: [86_400_000], v: [-0.25] }],
    ];
    const file = fileOf(frames);
    const bytes = new Uint8Array(file);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1');
    expect(new TextDecoder().decode(bytes.subarray(bytes.length - 4))).toBe('PAR1');
    const meta = await parquetMetadataAsync(file);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([3, 1]);
    expect(meta.schema.map((e) => e.name)).toEqual(['root', 'point', 'time', 'value']);
    expect(await read(file)).toEqual([
      ['ahu-1/sat', 0, 55.5],
      ['ahu-1/sat', 60_000, 55.6],
      ['ahu-1/rat', 30_000, 72],
      ['ahu-1/sat', 86_400_000, -0.25],
    ]);
  });

  it('is a valid file of no rows for an empty result, or frames with no samples', async () => {
    for (const frames of [[], [[]], [[{ point: 'p', t: [], v: [] }]]] as Series[][][]) {
      const file = fileOf(frames);
      expect(Number((await parquetMetadataAsync(file)).num_rows)).toBe(0);
      expect(await read(file)).toEqual([]);
    }
  });

  it('reads back every sample exactly, whatever the doubles and the frames', async () => {
    const seriesArb = fc.record({
      point: fc.string({ minLength: 1, maxLength: 30 }),
      samples: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 4_102_444_800_000 }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
        ),
        { maxLength: 20 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(seriesArb, { maxLength: 4 }), { maxLength: 4 }), async (raw) => {
        const frames = raw.map((f) =>
          f.map((s) => ({ point: s.point, t: s.samples.map(([t]) => t), v: s.samples.map(([, v]) => v) })),
        );
        const got = await read(fileOf(frames));
        const want = flat(frames);
        expect(got.length).toBe(want.length);
        got.forEach(([point, t, v], i) => {
          const [wp, wt, wv] = want[i] as readonly [string, number, number];
          expect([point, t]).toEqual([wp, wt]);
          expect(Object.is(v, wv)).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });
});
