// The export formats of a job's result, one line per sample, written a frame at a time so a result
// of any size streams: NDJSON (`{"point":…,"t":<epoch ms>,"v":…}`) and CSV (RFC 4180: header
// `point,time,value`, time as ISO 8601 UTC with milliseconds and `Z`, a point quoted when it holds
// a comma, a quote or a line break, lines ended by CRLF). Values are finite doubles (the cache
// never holds others), printed as JavaScript prints them, so they read back exactly. Pure.
import type { ColumnSeries } from './layout.ts';

/** The downloads of a job's result: the text ones here, and Parquet (parquet-export.ts). */
export const EXPORT_FORMATS = ['ndjson', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type TextExportFormat = Exclude<ExportFormat, 'parquet'>;

export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8; header=present',
  parquet: 'application/vnd.apache.parquet',
};

/** The CSV header line. */
export const CSV_HEADER = 'point,time,value\r\n';

/** A CSV field: as it is, or quoted with inner quotes doubled when it must be (RFC 4180 §2.6–7). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The lines of these series in one export format: every sample of a point, then the next point. */
export function exportLines(series: readonly ColumnSeries[], format: TextExportFormat): string {
  const parts: string[] = [];
  for (const s of series) {
    if (format === 'ndjson') {
      const head = `{"point":${JSON.stringify(s.point)},"t":`;
      for (let i = 0; i < s.t.length; i++) parts.push(`${head}${s.t[i]},"v":${s.v[i]}}\n`);
    } else {
      const head = `${csvField(s.point)},`;
      for (let i = 0; i < s.t.length; i++)
        parts.push(`${head}${new Date(s.t[i] as number).toISOString()},${s.v[i]}\r\n`);
    }
  }
  return parts.join('');
}
