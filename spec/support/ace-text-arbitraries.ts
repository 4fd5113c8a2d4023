// fast-check arbitraries for ACE's sample text (CONVENTIONS 15; kept apart from arbitraries.ts for
// its size): sample times and values as ACE sends them, their adversarial near misses, arbitrary
// strings and non-strings, point names that share long prefixes and suffixes, and whole pages of
// entries over a window. Generation only; spec/ace/parse-oracle.spec.ts holds the properties.
import fc from 'fast-check';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** ACE's exact shape, `YYYY-MM-DDTHH:MM:SS.ffffff`, naive (UTC), for any instant of years 0–9999. */
export const aceShapedTimeArb: fc.Arbitrary<string> = fc
  .record({
    y: fc.oneof(
      fc.integer({ min: 0, max: 9999 }),
      fc.constantFrom(1900, 1970, 2000, 2023, 2024, 2026, 99, 0),
    ),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    us: fc.integer({ min: 0, max: 999_999 }),
  })
  .map(
    ({ y, mo, d, h, mi, s, us }) =>
      `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us, 6)}`,
  );

/** A date of the leap-year and month-length edges, valid or not (2024-02-29, 2023-02-29, 1900-02-29, 2026-13-01). */
const edgeDateArb = fc
  .record({
    y: fc.constantFrom('2024', '2023', '1900', '2000', '2100', '0000', '0099', '9999', '2026', '1970'),
    mo: fc.constantFrom('00', '01', '02', '04', '12', '13', '1a', '99'),
    d: fc.constantFrom('00', '01', '28', '29', '30', '31', '32', '99'),
  })
  .map(({ y, mo, d }) => `${y}-${mo}-${d}`);

const clockArb = fc
  .record({
    h: fc.constantFrom('00', '09', '23', '24', '25', '99'),
    mi: fc.constantFrom('00', '30', '59', '60'),
    s: fc.constantFrom('00', '30', '59', '60', '61'),
  })
  .map(({ h, mi, s }) => `${h}:${mi}:${s}`);

/** A time built from parts that each may be off: separator, fraction of 0–11 digits, zone, trailing text. */
export const nearMissTimeArb: fc.Arbitrary<string> = fc
  .record({
    date: fc.oneof(
      edgeDateArb,
      aceShapedTimeArb.map((t) => t.slice(0, 10)),
    ),
    sep: fc.constantFrom('T', ' ', 't', '_', ''),
    clock: fc.oneof(
      clockArb,
      aceShapedTimeArb.map((t) => t.slice(11, 19)),
    ),
    frac: fc.oneof(
      fc.constant(''),
      fc.stringMatching(/^\.[0-9]{0,11}$/),
      fc.constantFrom('.', ',123', '.12a', '.123456789', '.1234567890', '.000000', '.999999'),
    ),
    zone: fc.constantFrom(
      '',
      '',
      'Z',
      'z',
      '+05:30',
      '-0800',
      '+0530',
      '-08:00',
      '+00:00',
      '-00:00',
      '+5:30',
      '-08',
      '+24:00',
      '+99:99',
      'UTC',
    ),
    trail: fc.constantFrom('', '', '', ' ', '\n', 'Z', '0'),
    lead: fc.constantFrom('', '', '', ' ', '+'),
  })
  .map(
    ({ date, sep, clock, frac, zone, trail, lead }) => `${lead}${date}${sep}${clock}${frac}${zone}${trail}`,
  );

/** Characters a near miss puts in: ASCII digits and separators, and digits of other scripts. */
const oddCharArb = fc.constantFrom(
  '0',
  '9',
  '-',
  ':',
  '.',
  'T',
  ' ',
  'Z',
  '+',
  'x',
  '٣',
  '１',
  '\u0000',
  '/',
);

/** A string with one character replaced, deleted or inserted at any position. */
export function mutatedArb(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .record({ text: base, at: fc.nat(), op: fc.constantFrom('replace', 'delete', 'insert'), c: oddCharArb })
    .map(({ text, at, op, c }) => {
      const i = text.length === 0 ? 0 : at % (text.length + (op === 'insert' ? 1 : 0));
      if (op === 'delete') return text.slice(0, i) + text.slice(i + 1);
      return text.slice(0, i) + c + text.slice(i + (op === 'replace' ? 1 : 0));
    });
}

/** Anything an entry's `time` might hold: mostly strings near ACE's format, some strings of no form, non-strings. */
export const timeInputArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: aceShapedTimeArb },
  { weight: 3, arbitrary: nearMissTimeArb },
  { weight: 2, arbitrary: mutatedArb(aceShapedTimeArb) },
  { weight: 1, arbitrary: fc.string({ maxLength: 45 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 45 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.object()),
  },
);

const SPECIAL_VALUES = [
  'NaN',
  'nan',
  '-NaN',
  'inf',
  '-inf',
  '+inf',
  'Infinity',
  '-Infinity',
  'infinity',
  '-0',
  '0',
  '-0.0',
  '0.0',
  '00',
  '1e308',
  '1e309',
  '-1e309',
  '1.7976931348623157e308',
  '5e-324',
  '1e-400',
  ' 7 ',
  '\t7\n',
  '+.5',
  '.5',
  '-.5',
  '5.',
  '-5.',
  '.',
  '-.',
  '-',
  '+',
  '',
  ' ',
  '0x10',
  '0b1',
  '0o7',
  '1_000',
  '1,5',
  '12abc',
  '1e',
  'e1',
  '.e1',
  '1e+',
  '1.2.3',
  '--1',
  '+-1',
  '٣',
  '１',
  '9007199254740993',
  '9007199254740992',
  '123456789012345678',
  '999999999999999',
  '9999999999999999',
  '0.1',
  '4.35',
  '71.5',
  '377.18',
  '-3.25',
  '1.0',
  '0.30000000000000004',
  '000000000000071.5',
  '71.500000000000000',
  '100000000000000000000000',
  '0.000000000000000000000001',
] as const;

/** A decimal as ACE writes one (`71.5`, `-3.25`, `1.0`, `0`), with up to 20 digits and leading zeros sometimes. */
export const plainDecimalArb: fc.Arbitrary<string> = fc
  .record({
    neg: fc.boolean(),
    int: fc.stringMatching(/^[0-9]{1,12}$/),
    frac: fc.oneof(fc.constant(null), fc.stringMatching(/^[0-9]{0,10}$/)),
  })
  .map(({ neg, int, frac }) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}`);

/** Anything an entry's `value` might hold. */
export const valueInputArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: plainDecimalArb },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_VALUES) },
  {
    weight: 2,
    arbitrary: fc
      .double()
      .chain((x) =>
        fc.constantFrom(
          String(x),
          x.toExponential(),
          Number.isFinite(x) ? x.toFixed(3) : String(x),
          x.toPrecision(17),
        ),
      ),
  },
  { weight: 2, arbitrary: mutatedArb(plainDecimalArb) },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.object(),
      fc.array(fc.nat()),
    ),
  },
);

/**
 * A site's point names: long shared prefixes and suffixes (as ACE's Niagara and BACnet paths have),
 * names that differ only at the start, only in length, or are prefixes of one another, and odd ones.
 */
export const pointNamesArb: fc.Arbitrary<string[]> = fc
  .record({
    prefix: fc.constantFrom('ses/demo/10.1.1.5/n4/B01/C.Drivers.Bacnet.', 'ses/site/4000:1-', '', 'x'),
    devices: fc.uniqueArray(fc.stringMatching(/^[A-Za-z]{0,3}[0-9]{1,4}$/), { minLength: 1, maxLength: 12 }),
    roles: fc.uniqueArray(
      fc.constantFrom('.points.ZoneTemp', '.points.Airflow', '/analogValue/0', '/analogValue/10', ''),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    odd: fc.array(
      fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', 'a', 'b', 'ab', 'ba', 'aa', '\uD800')),
      {
        maxLength: 4,
      },
    ),
  })
  .map(({ prefix, devices, roles, odd }) => [
    ...devices.flatMap((d) => roles.map((r) => `${prefix}${d}${r}`)),
    ...devices.map((d) => `Z${prefix.slice(1)}${d}${roles[0]}`),
    ...odd,
  ]);

/** One raw entry: usually `{name, value, time}`, sometimes not an entry at all or missing its name. */
export function entryArb(names: readonly string[], time: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const name = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: mutatedArb(fc.constantFrom(...names)) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => `${n}x`) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ name, value: valueInputArb, time }) },
    { weight: 1, arbitrary: fc.record({ value: valueInputArb, time }) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant(null), fc.array(fc.nat()), fc.integer()) },
  );
}

/**
 * A sample time near [startMs, startMs + spanMs): within an hour either side, from a small pool of
 * seconds so duplicates are common, in ACE's shape mostly, else with another fraction length, a
 * space, a `Z` or an offset (the same instant), a sub-millisecond variant, or any time input at all.
 */
export function pageTimeArb(
  startMs: number,
  spanMs: number,
  format: (ms: number) => string,
): fc.Arbitrary<unknown> {
  const ms = fc
    .record({ k: fc.integer({ min: -4, max: 12 }), jitter: fc.constantFrom(0, 0, 1, 999) })
    .map(({ k, jitter }) => startMs + Math.round((k * spanMs) / 8) + jitter);
  const shaped = fc
    .record({ ms, how: fc.nat(7), us: fc.integer({ min: 0, max: 999 }) })
    .map(({ ms, how, us }) => {
      const t = format(ms);
      switch (how) {
        case 1:
          return `${t.slice(0, 23)}${pad(us, 3)}`;
        case 2:
          return `${t}Z`;
        case 3:
          return t.replace('T', ' ');
        case 4:
          return t.slice(0, 23);
        case 5:
          return t.slice(0, 19);
        case 6:
          return `${format(ms + 19_800_000)}+05:30`;
        case 7:
          return `${format(ms - 28_800_000)}-0800`;
        default:
          return t;
      }
    });
  return fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: timeInputArb });
}
