// A job's result as an Apache Parquet file, written a frame at a time so a result of any size
// streams: one row group per frame (a job slice, whole UTC days), its bytes handed on as soon as
// it is written, the footer (schema, row groups, page indexes) last. Columns `point` (UTF-8),
// `time` (INT64 TIMESTAMP_MILLIS, UTC) and `value` (DOUBLE), every sample of a point then the next
// point, as the other exports. Written by hyparquet-writer (pure JS; snappy pages), which measured
// at about CSV's CPU for a tenth of its bytes (docs/PERFORMANCE.md, Parquet).
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSeries } from './layout.ts';

/** The file's schema: explicit, so an empty result is still a valid file. */
const SCHEMA = [
  { name: 'root', num_children: 3 },
  { name: 'point', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'time', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'REQUIRED' },
  { name: 'value', type: 'DOUBLE', repetition_type: 'REQUIRED' },
] as const;

/** A Parquet file written piece by piece: `rows` adds a row group, `end` the footer. */
export interface ParquetPieces {
  /** One row group of these series; the bytes written since the last call (empty for no rows). */
  rows(series: readonly ColumnSeries[]): Uint8Array;
  /** The footer: the last bytes of the file. */
  end(): Uint8Array;
}

/** Starts a file; its first bytes (the `PAR1` magic) come with the first piece. */
export function parquetPieces(): ParquetPieces {
  const writer = new ByteWriter();
  // Bytes are taken out after each row group: the writer's offsets stay absolute (`offset`),
  // its buffer index starts again at 0.
  const take = (): Uint8Array => {
    const bytes = new Uint8Array(writer.buffer.slice(0, writer.index));
    writer.index = 0;
    return bytes;
  };
  const file = new ParquetWriter({ writer, schema: SCHEMA.map((e) => ({ ...e })) });
  return {
    rows(series) {
      const n = series.reduce((sum, s) => sum + s.t.length, 0);
      if (n > 0) {
        const point = new Array<string>(n);
        const time = new BigInt64Array(n);
        const value = new Float64Array(n);
        let at = 0;
        for (const s of series) {
          for (let i = 0; i < s.t.length; i++, at++) {
            point[at] = s.point;
            time[at] = BigInt(s.t[i] as number);
            value[at] = s.v[i] as number;
          }
        }
        void file.write({
          columnData: [
            { name: 'point', data: point },
            { name: 'time', data: time },
            { name: 'value', data: value },
          ],
          rowGroupSize: n,
        });
      }
      return take();
    },
    end() {
      void file.finish();
      return take();
    },
  };
}
