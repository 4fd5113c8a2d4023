// fast-check arbitraries for whole ACE timeseries pages as text (CONVENTIONS 15; kept apart from
// ace-text-arbitraries.ts, whose fields they use): a small JSON tree of the page — entries with
// their keys in any order, missing, repeated or extra, values of every JSON type, top-level members
// of every kind — written out with whitespace wherever JSON allows it and escapes in any string, and
// near misses of it (truncated, a character changed). Generation only: spec/ace/samples-text.spec.ts.
import fc from 'fast-check';
import { formatAceTime } from '../../fixtures/ace/time.ts';
import { pageTimeArb, timeInputArb, valueInputArb } from './ace-text-arbitraries.ts';

/** A JSON value as written: `raw` is a number or literal's exact text (`1E+2`, `-0`, `true`). */
export type Json =
  | { kind: 'object'; members: [string, Json][] }
  | { kind: 'array'; items: Json[] }
  | { kind: 'string'; text: string }
  | { kind: 'raw'; text: string };

const str = (text: string): Json => ({ kind: 'string', text });
const raw = (text: string): Json => ({ kind: 'raw', text });

/** A JS value (what the field arbitraries give) as JSON, undefined where JSON.stringify would drop it. */
export function toJson(v: unknown): Json | undefined {
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return raw(Number.isFinite(v) ? JSON.stringify(v) : 'null');
  if (typeof v === 'boolean' || v === null) return raw(String(v));
  if (Array.isArray(v)) return { kind: 'array', items: v.map((x) => toJson(x) ?? raw('null')) };
  if (typeof v === 'object') {
    const members: [string, Json][] = [];
    for (const [k, x] of Object.entries(v)) {
      const j = toJson(x);
      if (j) members.push([k, j]);
    }
    return { kind: 'object', members };
  }
  return undefined;
}

/** Numbers as JSON may write them: exponents of either case and sign, -0, fractions, long digits. */
const jsonNumberArb: fc.Arbitrary<Json> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => raw(JSON.stringify(x))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => raw(x.toExponential())),
  fc
    .constantFrom('-0', '0', '1E+2', '1e-7', '2.5E3', '-0.0', '71.5', '1e400', '123456789012345678901')
    .map(raw),
);

const scalarArb: fc.Arbitrary<Json> = fc.oneof(
  jsonNumberArb,
  fc.constantFrom(raw('true'), raw('false'), raw('null')),
  fc.string({ maxLength: 8 }).map(str),
);

/** Any small JSON value (an entry's odd field, an unknown member). */
const anyJsonArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: scalarArb },
  {
    weight: 1,
    arbitrary: fc.array(scalarArb, { maxLength: 3 }).map((items): Json => ({ kind: 'array', items })),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('a', 'name', 'time'), scalarArb), { maxLength: 3 })
      .map((members): Json => ({ kind: 'object', members })),
  },
);

/** A name as an entry may carry it: one of the site's (mostly), a near miss, or (if not clean) not a string. */
function nameArb(names: readonly string[], clean: boolean): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...names).map(str) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => str(`${n}x`)) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => str(n.slice(0, -1))) },
    { weight: 1, arbitrary: clean ? fc.constant(str('')) : anyJsonArb },
  );
}

/**
 * What a non-string input prints as. fast-check's objects may have a `toString` or `valueOf` that
 * is not a function, or no prototype, which String() refuses: those print as `[object Object]`.
 */
function printed(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A field as JSON: clean pages hold only strings (what a non-string input would print as). */
const field = (clean: boolean) => (v: unknown) =>
  clean ? str(typeof v === 'string' ? v : printed(v)) : toJson(v);

/**
 * One entry: `{name, time, value}` in any order, now and then with a key missing or repeated;
 * unless clean, also with keys added, fields of any type, or no object at all.
 */
function entryArb(
  names: readonly string[],
  startMs: number,
  spanMs: number,
  clean: boolean,
): fc.Arbitrary<Json> {
  const time = fc.oneof(
    { weight: 10, arbitrary: pageTimeArb(startMs, spanMs, formatAceTime).map(field(clean)) },
    { weight: 1, arbitrary: timeInputArb.map(field(clean)) },
  );
  const value = valueInputArb.map(field(clean));
  const fields = fc.record({ name: nameArb(names, clean), time, value });
  const extra = fc.tuple(fc.constantFrom('name', 'time', 'value', 'id', 'Name', 'units', ''), anyJsonArb);
  const rare = <T>(usual: T, odd: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 12, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: odd });
  const key = fc.constantFrom('name', 'time', 'value');
  const shaped = fc
    .record({
      fields,
      // A repeated key's second value (JSON.parse keeps the last one).
      second: fields,
      order: fc.constantFrom<readonly string[]>(
        ['name', 'value', 'time'],
        ['name', 'time', 'value'],
        ['time', 'value', 'name'],
        ['value', 'name', 'time'],
      ),
      drop: rare('', key),
      again: rare('', key),
      extras: clean ? fc.constant([]) : rare<[string, Json][]>([], fc.array(extra, { maxLength: 2 })),
    })
    .map(({ fields, second, order, drop, again, extras }): Json => {
      const members: [string, Json][] = [];
      for (const key of order) {
        const j = fields[key as keyof typeof fields];
        if (key !== drop && j) members.push([key, j]);
      }
      const repeated = second[again as keyof typeof second];
      if (repeated) members.push([again, repeated]);
      return { kind: 'object', members: [...members, ...extras] };
    });
  return clean ? shaped : fc.oneof({ weight: 30, arbitrary: shaped }, { weight: 1, arbitrary: anyJsonArb });
}

/** A page's members: point_samples, next_cursor, has_more, unknown ones, in any order, sometimes repeated or missing. */
export function pageArb(
  names: readonly string[],
  startMs: number,
  spanMs: number,
  maxEntries = 40,
): fc.Arbitrary<Json> {
  const entries = (clean: boolean) =>
    fc.array(entryArb(names, startMs, spanMs, clean), { maxLength: maxEntries });
  const samples = fc.oneof(
    { weight: 10, arbitrary: entries(true) },
    { weight: 10, arbitrary: entries(false) },
    { weight: 1, arbitrary: anyJsonArb.map((j) => [j]) },
  );
  const cursor = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_=-]{0,24}$/).map(str),
    fc.string({ maxLength: 12 }).map(str),
    fc.constant(raw('null')),
    anyJsonArb,
  );
  return fc
    .record({
      items: samples,
      notArray: fc.oneof(
        { weight: 30, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
      cursor: fc.option(cursor, { freq: 3 }),
      hasMore: fc.option(fc.constantFrom(raw('true'), raw('false')), { freq: 2 }),
      unknown: fc.oneof(
        { weight: 8, arbitrary: fc.constant([]) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.tuple(fc.constantFrom('page', 'meta', '__proto__', 'point_sample'), anyJsonArb),
            { maxLength: 2 },
          ),
        },
      ),
      repeat: fc.oneof(
        { weight: 12, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constantFrom('point_samples', 'next_cursor', 'has_more') },
      ),
      drop: fc.oneof(
        { weight: 30, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
      order: fc.nat(5),
    })
    .map(({ items, notArray, cursor, hasMore, unknown, repeat, drop, order }): Json => {
      const members: [string, Json][] = [];
      const array: Json = notArray ? (items[0] ?? raw('null')) : { kind: 'array', items };
      if (!drop) members.push(['point_samples', array]);
      if (cursor) members.push(['next_cursor', cursor]);
      if (hasMore) members.push(['has_more', hasMore]);
      members.push(...unknown);
      const again = members.find(([k]) => k === repeat);
      if (again) members.push([again[0], notArray ? { kind: 'array', items: [] } : again[1]]);
      const turn = members.length === 0 ? 0 : order % members.length;
      return { kind: 'object', members: [...members.slice(turn), ...members.slice(0, turn)] };
    });
}

/** How a page is written: whitespace between tokens (none, ACE's ", " and ": ", or any), and escapes. */
export interface Style {
  /** Whitespace before and after each token: a pool to pick from, and how often (0: never). */
  ws: readonly string[];
  wsRate: number;
  /** Python's `json.dumps` separators: ", " and ": ". */
  python: boolean;
  /** How often a string's character is written as a \u escape (or `\/`). */
  escapeRate: number;
  seed: number;
}

export const styleArb: fc.Arbitrary<Style> = fc.record({
  ws: fc.constantFrom([' '], ['\n', '  '], [' ', '\t', '\r\n', '\n    ']),
  wsRate: fc.constantFrom(0, 0, 0, 0.1, 0.5, 1),
  python: fc.boolean(),
  escapeRate: fc.constantFrom(0, 0, 0, 0, 0.02, 0.3),
  seed: fc.integer(),
});

/** A small deterministic generator (mulberry32), so a style's choices replay with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Writes `json` as text in `style`: always valid JSON, JSON.parse gives back the tree's values. */
export function writeJson(json: Json, style: Style): string {
  const next = random(style.seed);
  const ws = () =>
    style.wsRate > 0 && next() < style.wsRate ? (style.ws[Math.floor(next() * style.ws.length)] ?? ' ') : '';
  const quote = (s: string) => {
    let out = '"';
    for (const c of s) {
      const code = c.charCodeAt(0);
      if (c.length === 1 && style.escapeRate > 0 && next() < style.escapeRate) {
        const hex = code.toString(16).padStart(4, '0');
        out += c === '/' && next() < 0.5 ? '\\/' : `\\u${next() < 0.5 ? hex : hex.toUpperCase()}`;
      } else if (SHORT_ESCAPES[c] !== undefined) out += SHORT_ESCAPES[c];
      else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += c;
    }
    return `${out}"`;
  };
  const write = (j: Json): string => {
    switch (j.kind) {
      case 'string':
        return quote(j.text);
      case 'raw':
        return j.text;
      case 'array':
        return `[${ws()}${j.items.map((x) => write(x)).join(`${ws()},${style.python ? ' ' : ''}${ws()}`)}${ws()}]`;
      case 'object':
        return `{${ws()}${j.members
          .map(([k, x]) => `${quote(k)}${ws()}:${style.python ? ' ' : ''}${ws()}${write(x)}`)
          .join(`${ws()},${style.python ? ' ' : ''}${ws()}`)}${ws()}}`;
    }
  };
  return `${ws()}${write(json)}${ws()}`;
}

/** Characters a near miss puts in or takes out: JSON's own, and what comes near them. */
const nearMissCharArb = fc.constantFrom(
  ...['"', '{', '}', '[', ']', ',', ':', '\\', ' ', '\t', '\n', 'e', '.', '-', '0', 'n', 'é', '\uD800'],
  // Not JSON whitespace, though close: control characters, form feed, vertical tab, no-break space.
  ...['\u0000', '\u0001', '\f', '\u000b', '\u00a0', '\u2028'],
);

/** A text changed once: cut short, or a character replaced, deleted or put in anywhere. */
export function nearMissArb(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .record({
      text,
      at: fc.nat(),
      op: fc.constantFrom('cut', 'replace', 'delete', 'insert'),
      c: nearMissCharArb,
    })
    .map(({ text, at, op, c }) => {
      const i = text.length === 0 ? 0 : at % (text.length + 1);
      if (op === 'cut') return text.slice(0, i);
      if (op === 'delete') return text.slice(0, i) + text.slice(i + 1);
      return text.slice(0, i) + c + text.slice(i + (op === 'replace' ? 1 : 0));
    });
}
