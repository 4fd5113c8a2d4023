// Reusable input schemas of the HTTP contract: site names, point names, times, paging and the
// format switch. Each rejects what could smuggle structure into keys, logs or upstream URLs
// (review 5, 16): no `/`, `..` or control characters in site names; bounded lengths everywhere.
// Pure zod; routes mount these through @hono/zod-openapi, and the OpenAPI document shows them.
import { z } from '@hono/zod-openapi';
import { FORMATS } from '../../encoding/codec.ts';

/** Longest accepted site name. */
export const MAX_SITE_NAME_LENGTH = 128;
/** Longest accepted point name (ACE full paths run to about 120 characters). */
export const MAX_POINT_NAME_LENGTH = 512;
/** Longest accepted opaque cursor. */
export const MAX_CURSOR_LENGTH = 2048;
/** Latest instant a time may name (the last ms of year 9999, so it prints as ISO 8601). */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/** zod's message for a missing field, kept short and the same everywhere. */
export const requiredOr =
  (otherwise?: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? 'required' : otherwise;

const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** An ACE site name: letters, digits, `.`, `_`, `-`; starts with a letter or digit; no `..`. */
export const siteNameSchema = z
  .string({ error: requiredOr('must be a string') })
  .min(1, 'must not be empty')
  .max(MAX_SITE_NAME_LENGTH, `must be at most ${MAX_SITE_NAME_LENGTH} characters`)
  .regex(SITE_NAME, 'may contain only letters, digits, ".", "_" and "-", starting with a letter or digit')
  .refine((s) => !s.includes('..'), 'must not contain ".."')
  .openapi({ example: 'demo-small' });

/** Path parameters of every /api/sites/{site}/... route. */
export const siteParamsSchema = z.object({
  site: siteNameSchema.openapi({ param: { name: 'site', in: 'path' } }),
});

/** A point name: non-empty, bounded, no control characters, no surrounding whitespace. */
export const pointNameSchema = z
  .string({ error: requiredOr('must be a string') })
  .min(1, 'must not be empty')
  .max(MAX_POINT_NAME_LENGTH, `must be at most ${MAX_POINT_NAME_LENGTH} characters`)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters')
  .refine((s) => s.trim() === s, 'must not start or end with whitespace');

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const EPOCH_MS = /^\d{1,15}$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Reads a request time: ISO 8601 / RFC 3339 with `Z` or an offset (a naive time is refused:
 * it would silently mean UTC), or epoch milliseconds (a digit string or an integer).
 * Sub-millisecond digits are truncated. Undefined when it is neither, or out of range.
 */
export function parseTime(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 && value <= MAX_EPOCH_MS ? value : undefined;
  }
  if (EPOCH_MS.test(value)) return parseTime(Number(value));
  const m = ISO_8601.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(
    Number,
  ) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear puts them back.
  const d = new Date(local);
  d.setUTCFullYear(year);
  return parseTime(d.getTime() - offsetMin * 60_000);
}

const TIME_MESSAGE = 'must be ISO 8601 with a zone (e.g. 2025-06-01T00:00:00Z) or epoch milliseconds';

/** A request time → epoch ms (see parseTime). */
export const timeSchema = z
  .union([z.string(), z.number()], { error: requiredOr(TIME_MESSAGE) })
  .transform((value, ctx) => {
    const ms = parseTime(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: TIME_MESSAGE });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({
    description: 'ISO 8601 with `Z` or an offset, or epoch milliseconds',
    example: '2025-06-01T00:00:00Z',
  });

/** A `limit` query value: a decimal integer in [1, max], `dflt` when absent. */
export function limitSchema(max: number, dflt: number) {
  return z
    .string({ error: requiredOr('must be a string') })
    .regex(/^\d{1,7}$/, `must be an integer from 1 to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be an integer from 1 to ${max}`)
        .max(max, `must be an integer from 1 to ${max}`),
    )
    .default(dflt)
    .openapi({ type: 'integer', minimum: 1, maximum: max, default: dflt });
}

/** An opaque paging cursor, as a previous page's `next_cursor` gave it. */
export const cursorSchema = z
  .string({ error: requiredOr('must be a string') })
  .min(1, 'must not be empty')
  .max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`)
  .regex(/^[A-Za-z0-9_\-=.~+/]+$/, 'is not a cursor this API issued')
  .openapi({ description: "opaque; pass back the previous page's `next_cursor`" });

/** The `?format=` switch that overrides Accept (API.md). */
export const formatSchema = z
  .enum(FORMATS, { error: `must be one of: ${FORMATS.join(', ')}` })
  .openapi({ description: 'overrides the Accept header' });
