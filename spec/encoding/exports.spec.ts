// Specifies src/encoding/exports.ts: NDJSON and CSV lines read back, by an independent reader
// (JSON.parse per line; an RFC 4180 parser written here), to exactly the samples written, for
// arbitrary point names (commas, quotes, line breaks, non-ASCII) and finite doubles; and worked
// examples of the text itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, exportLines } from '../../src/encoding/exports.ts';
import type { ColumnSeries } from '../../src/encoding/layout.ts';
import { finiteDoubleArb } from '../support/arbitraries/edge.ts';

/** RFC 4180 records (CRLF or LF line ends), fields unquoted as the RFC says. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) throw new Error('unterminated record');
  return records;
}

const seriesArb = fc.array(
  fc.record({
    point: fc.string({ unit: 'grapheme', maxLength: 12 }),
    samples: fc.array(fc.tuple(fc.integer({ min: 0, max: 4_102_444_800_000 }), finiteDoubleArb), {
      maxLength: 20,
    }),
  }),
  { maxLength: 5 },
);
const toSeries = (raw: { point: string; samples: [number, number][] }[]): ColumnSeries[] =>
  raw.map((r) => ({ point: r.point, t: r.samples.map((s) => s[0]), v: r.samples.map((s) => s[1]) }));
/** Every sample as [point, t, v], in the order written. */
const flat = (series: readonly ColumnSeries[]) =>
  series.flatMap((s) => s.t.map((t, i) => [s.point, t, s.v[i] as number] as const));

describe('exportLines', () => {
  it('NDJSON: one object per sample that JSON.parse reads back exactly (−0 as 0, as JSON does)', () => {
    fc.assert(
      fc.property(seriesArb, (raw) => {
        const series = toSeries(raw);
        const text = exportLines(series, 'ndjson');
        const lines = text === '' ? [] : text.slice(0, -1).split('\n');
        const back = lines.map((l) => JSON.parse(l) as { point: string; t: number; v: number });
        expect(back.map((o) => Object.keys(o))).toEqual(back.map(() => ['point', 't', 'v']));
        expect(back.map((o) => [o.point, o.t, o.v])).toEqual(
          flat(series).map(([p, t, v]) => [p, t, Object.is(v, -0) ? 0 : v]),
        );
      }),
    );
  });

  it('CSV: records an RFC 4180 reader reads back to the same point, instant and value', () => {
    fc.assert(
      fc.property(seriesArb, (raw) => {
        const series = toSeries(raw);
        const records = parseCsv(CSV_HEADER + exportLines(series, 'csv'));
        expect(records[0]).toEqual(['point', 'time', 'value']);
        const rows = records.slice(1);
        expect(
          rows.every(
            (r) => r.length === 3 && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r[1] as string),
          ),
        ).toBe(true);
        expect(rows.map((r) => [r[0], Date.parse(r[1] as string), Number(r[2])])).toEqual(
          flat(series).map(([p, t, v]) => [p, t, Object.is(v, -0) ? 0 : v]),
        );
      }),
    );
  });

  it('writes these exact lines', () => {
    const series = [
      { point: 'AHU-1 "main", supply', t: [Date.UTC(2026, 0, 5, 0, 0, 0, 7)], v: [21.5] },
      { point: 'VAV\n2', t: [0, 1], v: [-3, 1e21] },
    ];
    expect(exportLines(series, 'csv')).toBe(
      '"AHU-1 ""main"", supply",2026-01-05T00:00:00.007Z,21.5\r\n' +
        '"VAV\n2",1970-01-01T00:00:00.000Z,-3\r\n' +
        '"VAV\n2",1970-01-01T00:00:00.001Z,1e+21\r\n',
    );
    expect(exportLines(series, 'ndjson')).toBe(
      '{"point":"AHU-1 \\"main\\", supply","t":1767571200007,"v":21.5}\n' +
        '{"point":"VAV\\n2","t":0,"v":-3}\n' +
        '{"point":"VAV\\n2","t":1,"v":1e+21}\n',
    );
    expect(exportLines([], 'csv')).toBe('');
  });

  it('quotes a CSV field only when it must', () => {
    expect(csvField('plain name/with.dots')).toBe('plain name/with.dots');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('')).toBe('');
  });
});
