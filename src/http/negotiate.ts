// Content negotiation of the HTTP contract: which body format (Accept, q-values, `?format=`),
// whether to gzip (Accept-Encoding) and whether the caller prefers an async answer (Prefer).
// The parsing and choosing are pure; formatFor/sendEncoded apply them to a Hono context.
// The bytes themselves are encoding/codec.ts; compression is middleware/gzip.ts.
import type { Context } from 'hono';
import { CONTENT_TYPES, encode, FORMATS, type Format } from '../encoding/codec.ts';
import type { ExportFormat } from '../encoding/exports.ts';
import { AppErrorException, err, ok, type Result } from '../errors.ts';
import type { AppEnv } from './context.ts';

/** The media types each format answers to (API.md: three spellings of MessagePack). */
export const MEDIA_TYPES: Readonly<Record<Format, readonly string[]>> = {
  json: ['application/json'],
  msgpack: ['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack'],
};

/** One media range of an Accept header. `type`/`subtype` are lower case and may be `*`. */
export interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Splits a header list on commas outside quoted strings. */
function splitList(header: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i] as string;
    if (quoted && ch === '\\') {
      current += ch + (header[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Reads the q parameter of `;`-separated parameters: 1 when absent, undefined when invalid. */
function qualityOf(params: string[]): number | undefined {
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const value = param.slice(eq + 1).trim();
    return QVALUE.test(value) ? Number(value) : undefined;
  }
  return 1;
}

/** Parses an Accept header; ranges that are not `type/subtype` or carry an invalid q are dropped. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const item of splitList(header)) {
    const [range = '', ...params] = item.split(';');
    const slash = range.indexOf('/');
    if (slash < 0) continue;
    const type = range.slice(0, slash).trim().toLowerCase();
    const subtype = range
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) continue;
    const q = qualityOf(params);
    if (q !== undefined) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** How specifically a range names a media type: 2 exact, 1 `type/*`, 0 `*\/*`, -1 not at all. */
function specificity(range: MediaRange, mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  if (range.type === '*') return 0;
  if (range.type !== type) return -1;
  if (range.subtype === '*') return 1;
  return range.subtype === subtype ? 2 : -1;
}

/**
 * The quality a list of ranges gives a media type: that of its most specific matching range
 * (RFC 9110 §12.5.1, so `application/json;q=0, *\/*` refuses JSON), the highest q among equally
 * specific ones, 0 when nothing matches. Also returns that specificity.
 */
export function qualityFor(
  ranges: readonly MediaRange[],
  mediaType: string,
): { q: number; specificity: number } {
  let best = { q: 0, specificity: -1 };
  for (const range of ranges) {
    const s = specificity(range, mediaType);
    if (s > best.specificity || (s === best.specificity && s >= 0 && range.q > best.q))
      best = { q: range.q, specificity: s };
  }
  return best.specificity < 0 ? { q: 0, specificity: -1 } : best;
}

/**
 * The key of `table` whose media types the Accept ranges prefer: the highest q; on a tie, the one
 * named more specifically (`application/msgpack` beats `*\/*`), then the first in table order.
 * Undefined when none is acceptable.
 */
function preferred<K extends string>(
  ranges: readonly MediaRange[],
  table: Readonly<Record<K, readonly string[]>>,
): K | undefined {
  let best: { key: K; q: number; specificity: number } | undefined;
  for (const key of Object.keys(table) as K[]) {
    for (const mediaType of table[key]) {
      const { q, specificity: s } = qualityFor(ranges, mediaType);
      if (q <= 0) continue;
      if (!best || q > best.q || (q === best.q && s > best.specificity)) best = { key, q, specificity: s };
    }
  }
  return best?.key;
}

/**
 * Chooses the body format. `format` (the `?format=` query value) overrides Accept. A missing,
 * empty or wholly unparseable Accept means JSON. Otherwise the format with the highest q wins;
 * on a tie, the one its ranges name more specifically (`application/msgpack` beats `*\/*`), then
 * JSON. Neither acceptable → not_acceptable (406, code invalid_request).
 */
export function negotiateFormat(input: { accept?: string | null; format?: string | null }): Result<Format> {
  if (input.format !== undefined && input.format !== null) {
    const chosen = FORMATS.find((f) => f === input.format);
    if (chosen) return ok(chosen);
    return err({
      kind: 'invalid_input',
      message: 'invalid request',
      issues: [{ path: 'format', message: `must be one of: ${FORMATS.join(', ')}` }],
    });
  }
  const ranges = parseAccept(input.accept ?? '');
  if (ranges.length === 0) return ok('json');
  const best = preferred(ranges, MEDIA_TYPES);
  if (best) return ok(best);
  return err({
    kind: 'not_acceptable',
    message: `no acceptable format; accepted: ${[...MEDIA_TYPES.json, ...MEDIA_TYPES.msgpack].join(', ')}`,
  });
}

/** The formats of a job's result: the timeseries route's, and the exports (encoding/exports.ts). */
export type ResultFormat = Format | ExportFormat;
export const RESULT_MEDIA_TYPES: Readonly<Record<ResultFormat, readonly string[]>> = {
  ...MEDIA_TYPES,
  ndjson: ['application/x-ndjson'],
  csv: ['text/csv'],
  parquet: ['application/vnd.apache.parquet'],
};
const RESULT_FORMATS = Object.keys(RESULT_MEDIA_TYPES) as ResultFormat[];

/**
 * Chooses a job result's format as negotiateFormat does, among five: `?format=` (json, msgpack,
 * ndjson, csv, parquet) overrides Accept; any other `format`, like an Accept naming none of them, is
 * not_acceptable (406): a download asked for in a format this Worker cannot write.
 */
export function negotiateResultFormat(input: {
  accept?: string | null;
  format?: string | null;
}): Result<ResultFormat> {
  const refuse = err({
    kind: 'not_acceptable',
    message: `no acceptable format; ?format= one of ${RESULT_FORMATS.join(', ')}, or Accept: ${Object.values(RESULT_MEDIA_TYPES).flat().join(', ')}`,
  } as const);
  if (input.format !== undefined && input.format !== null) {
    const chosen = RESULT_FORMATS.find((f) => f === input.format);
    return chosen ? ok(chosen) : refuse;
  }
  const ranges = parseAccept(input.accept ?? '');
  if (ranges.length === 0) return ok('json');
  const best = preferred(ranges, RESULT_MEDIA_TYPES);
  return best ? ok(best) : refuse;
}

/** Whether Accept-Encoding allows gzip (explicitly, as x-gzip, or through `*`) with q > 0. */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (!acceptEncoding) return false;
  let explicit: number | undefined;
  let wildcard: number | undefined;
  for (const item of splitList(acceptEncoding)) {
    const [coding = '', ...params] = item.split(';');
    const name = coding.trim().toLowerCase();
    const q = qualityOf(params);
    if (q === undefined) continue;
    if (name === 'gzip' || name === 'x-gzip') explicit = Math.max(explicit ?? 0, q);
    else if (name === '*') wildcard = Math.max(wildcard ?? 0, q);
  }
  return (explicit ?? wildcard ?? 0) > 0;
}

/** Whether a Prefer header (RFC 7240) carries the `respond-async` preference. */
export function prefersRespondAsync(prefer: string | null | undefined): boolean {
  if (!prefer) return false;
  return splitList(prefer).some((p) => {
    const token = (p.split(';')[0] ?? '').split('=')[0] ?? '';
    return token.trim().toLowerCase() === 'respond-async';
  });
}

/** The format this request's response must use; throws 400 (bad `format`) or 406 as an AppError. */
export function formatFor(c: Context<AppEnv>): Format {
  const result = negotiateFormat({ accept: c.req.header('accept'), format: c.req.query('format') });
  if (!result.ok) throw new AppErrorException(result.error);
  return result.value;
}

/**
 * Answers with `body` encoded in the negotiated format (or `format` when the route already
 * negotiated), with its Content-Type and `Vary: Accept`. gzip is applied later by middleware.
 */
export function sendEncoded(
  c: Context<AppEnv>,
  body: unknown,
  status: 200 | 201 | 202 = 200,
  format: Format = formatFor(c),
): Response {
  c.header('Vary', 'Accept', { append: true });
  c.header('Content-Type', CONTENT_TYPES[format]);
  return c.body(encode(body, format), status);
}
