// http/schemas/common.ts (review 5, 16): site names cannot smuggle `/`, `..` or control
// characters into keys and URLs; point names are bounded and clean; request times accept ISO
// 8601 with a zone or epoch ms and nothing ambiguous; limit and cursor stay in their bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cursorSchema,
  limitSchema,
  MAX_EPOCH_MS,
  MAX_POINT_NAME_LENGTH,
  MAX_SITE_NAME_LENGTH,
  parseTime,
  pointNameSchema,
  siteNameSchema,
  timeSchema,
} from '../../../src/http/schemas/common.ts';
import { epochMsArb, formatIso, isoStyleArb } from '../../support/arbitraries/time.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Names the schema's doc allows: a letter or digit, then letters, digits, ".", "_", "-"; no "..". */
const siteNameArb = (maxLength: number) =>
  fc
    .tuple(
      fc.constantFrom(...ALNUM),
      fc.string({ unit: fc.constantFrom(...`${ALNUM}._-`), maxLength: maxLength - 1 }),
    )
    .map(([head, tail]) => (head + tail).replace(/\.{2,}/g, '.'));
/** What must never reach a key or a URL: separators, a parent reference, C0/C1 controls and DEL. */
const smuggledArb = fc.oneof(
  fc.constantFrom('/', '\\', '..'),
  fc.integer({ min: 0x00, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
);

describe('site names', () => {
  it.each(['demo-small', 'demo-large', 'site_a', 'A1', 'ses.alpha-2', 'x'.repeat(MAX_SITE_NAME_LENGTH)])(
    'accepts %s',
    (site) => {
      expect(siteNameSchema.safeParse(site).success).toBe(true);
    },
  );

  it.each([
    ['empty', ''],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a parent reference', '..'],
    ['a dot', '.'],
    ['.. inside', 'a..b'],
    ['a leading dash', '-site'],
    ['a leading dot', '.hidden'],
    ['a space', 'demo small'],
    ['a NUL', 'demo\u0000'],
    ['a newline', 'demo\n'],
    ['a percent escape', 'a%2Fb'],
    ['a query', 'a?b'],
    ['non-ASCII', 'caf\u00e9'],
    ['too long', 'x'.repeat(MAX_SITE_NAME_LENGTH + 1)],
    ['a number', 42],
  ])('refuses one with %s', (_, site) => {
    expect(siteNameSchema.safeParse(site).success).toBe(false);
  });

  it('accepts every name of letters, digits, ".", "_" and "-" that starts with a letter or digit and has no ".."', () => {
    fc.assert(
      fc.property(siteNameArb(MAX_SITE_NAME_LENGTH), (site) => {
        expect(siteNameSchema.safeParse(site).success).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any such name with "/", "\\", ".." or a control character put anywhere in it', () => {
    fc.assert(
      fc.property(siteNameArb(MAX_SITE_NAME_LENGTH - 2), smuggledArb, fc.nat(), (site, smuggled, at) => {
        const cut = at % (site.length + 1);
        expect(siteNameSchema.safeParse(site.slice(0, cut) + smuggled + site.slice(cut)).success).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('point names', () => {
  it.each([
    'AHU-01-ZoneTemp',
    'ses/site_a/10.0.0.5/n4/Plant/C.Drivers.Bacnet.Vav101.points.Airflow',
    'Zone Temp',
    'a,b',
  ])('accepts %s', (name) => {
    expect(pointNameSchema.safeParse(name).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a leading space', ' AHU'],
    ['a trailing tab', 'AHU\t'],
    ['a control character', 'AHU\u0007'],
    ['a line separator', 'AHU\u2028x'],
    ['too long', 'x'.repeat(MAX_POINT_NAME_LENGTH + 1)],
  ])('refuses one with %s', (_, name) => {
    expect(pointNameSchema.safeParse(name).success).toBe(false);
  });
});

describe('request times', () => {
  it('read back the instant an ISO 8601 time with Z or any offset names', () => {
    fc.assert(
      fc.property(
        epochMsArb,
        isoStyleArb.filter((s) => s.kind !== 'naive'),
        (ms, style) => {
          expect(parseTime(formatIso(ms, style))).toBe(ms);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuse a naive ISO time (no zone): it would silently mean UTC', () => {
    fc.assert(
      fc.property(epochMsArb, (ms) => {
        expect(parseTime(formatIso(ms, { kind: 'naive' }))).toBeUndefined();
      }),
    );
  });

  it('read epoch milliseconds as a number or a digit string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_EPOCH_MS }), (ms) => {
        expect([parseTime(ms), parseTime(String(ms))]).toEqual([ms, ms]);
      }),
    );
  });

  it.each([
    ['2025-06-01T00:00:00Z', Date.UTC(2025, 5, 1)],
    ['2025-06-01t00:00:00z', Date.UTC(2025, 5, 1)],
    ['2025-06-01T00:00Z', Date.UTC(2025, 5, 1)],
    ['2025-06-01T02:00:00+02:00', Date.UTC(2025, 5, 1)],
    ['2025-05-31T19:00:00-05:00', Date.UTC(2025, 5, 1)],
    ['2025-06-01T00:00:00.123456Z', Date.UTC(2025, 5, 1) + 123],
    ['2025-06-01T00:00:00.1Z', Date.UTC(2025, 5, 1) + 100],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['1970-01-01T00:00:00Z', 0],
    ['0', 0],
    ['1748736000000', 1748736000000],
  ])('%s → %i', (input, ms) => {
    expect(parseTime(input)).toBe(ms);
  });

  it.each([
    '',
    'now',
    '2025-06-01',
    '2025-06-01 00:00:00Z',
    '2025-06-01T00:00:00',
    '2025-06-01T00:00:00+0200',
    '2025-06-01T00:00:00+02',
    '2025-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2025-06-31T00:00:00Z',
    '2025-06-01T24:00:00Z',
    '2025-06-01T00:60:00Z',
    '2025-06-01T00:00:60Z',
    '2025-06-01T00:00:00+24:00',
    '1969-12-31T23:59:59Z',
    '-1',
    '1e12',
    '12.5',
    ' 1748736000000',
    '9999999999999999',
  ])('refuses %j', (input) => {
    expect(parseTime(input)).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_EPOCH_MS + 1])('refuses the number %d', (n) => {
    expect(parseTime(n)).toBeUndefined();
  });

  it('says "required" for a missing time and how to write one for a bad one', () => {
    expect(timeSchema.safeParse(undefined).error?.issues[0]?.message).toBe('required');
    expect(timeSchema.safeParse('yesterday').error?.issues[0]?.message).toMatch(/ISO 8601/);
  });
});

describe('limit and cursor', () => {
  const limit = limitSchema(1000, 100);

  it.each([
    [undefined, 100],
    ['1', 1],
    ['1000', 1000],
    ['42', 42],
  ])('limit %j → %i', (input, expected) => {
    expect(limit.parse(input)).toBe(expected);
  });

  it.each(['0', '1001', '-1', '1.5', '1e2', ' 5', 'ten', '', '99999999'])('refuses limit %j', (input) => {
    expect(limit.safeParse(input).success).toBe(false);
  });

  it.each(['eyJvZmZzZXQiOjEwMH0=', 'abc_-.~+/='])('accepts cursor %s', (cursor) => {
    expect(cursorSchema.safeParse(cursor).success).toBe(true);
  });

  it.each(['', 'a b', 'a"b', 'x'.repeat(2049), 'a\u0000'])('refuses cursor %j', (cursor) => {
    expect(cursorSchema.safeParse(cursor).success).toBe(false);
  });
});
