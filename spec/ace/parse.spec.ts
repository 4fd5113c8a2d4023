// Specifies src/ace/parse.ts: ACE values to finite numbers (non-finite and garbage dropped),
// naive microsecond times to epoch ms, accumulation filtered to [start, end) and per-point
// sorted and de-duplicated output, and clean errors for malformed bodies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAceTime } from '../../fixtures/ace/time.ts';
import {
  createSeriesAccumulator,
  parseAceTime,
  parseAceValue,
  parseConfiguredPointsBody,
  parseJsonText,
  parseSamplesBody,
  parseSiteBody,
  sortUnique,
} from '../../src/ace/parse.ts';
import { epochMsArb } from '../support/arbitraries.ts';

describe('parseAceValue', () => {
  it.each([
    ['71.5', 71.5],
    ['72.0', 72],
    ['0', 0],
    ['-3.25', -3.25],
    ['1e3', 1000],
    ['.5', 0.5],
    [' 7 ', 7],
    [12.5, 12.5],
    [true, 1],
    [false, 0],
  ] as const)('reads %j as %d', (input, expected) => {
    expect(parseAceValue(input)).toBe(expected);
  });

  it.each([
    'NaN',
    'nan',
    'inf',
    '-inf',
    'Infinity',
    '1e999',
    '',
    '   ',
    'abc',
    '0x10',
    '1,5',
    '12abc',
    null,
    undefined,
    {},
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('drops %j', (input) => {
    expect(parseAceValue(input)).toBeNull();
  });

  it('reads every finite double written as a string back exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseAceValue(String(x))).toBe(x === 0 ? 0 : x);
      }),
    );
  });
});

describe('parseAceTime', () => {
  it.each([
    ['2026-01-05T13:04:05.123456', Date.UTC(2026, 0, 5, 13, 4, 5, 123)],
    ['2026-01-05T13:04:05.999999', Date.UTC(2026, 0, 5, 13, 4, 5, 999)],
    ['2026-01-05T13:04:05', Date.UTC(2026, 0, 5, 13, 4, 5)],
    ['2026-01-05 13:04:05.5', Date.UTC(2026, 0, 5, 13, 4, 5, 500)],
    ['2026-01-05T13:04:05.000000Z', Date.UTC(2026, 0, 5, 13, 4, 5)],
    ['2026-01-05T13:04:05.000000+01:00', Date.UTC(2026, 0, 5, 12, 4, 5)],
    ['2024-02-29T00:00:00.000000', Date.UTC(2024, 1, 29)],
  ])('reads %s (naive means UTC; microseconds truncated)', (input, expected) => {
    expect(parseAceTime(input)).toBe(expected);
  });

  it.each([
    '2026-02-30T00:00:00.000000',
    '2025-02-29T00:00:00.000000',
    '2026-13-01T00:00:00.000000',
    '2026-01-05T24:00:00.000000',
    '2026-01-05T13:60:00.000000',
    '2026-01-05',
    'yesterday',
    '',
    null,
    1767571354229,
  ])('refuses %j', (input) => {
    expect(parseAceTime(input)).toBeNull();
  });

  it('inverts the synthetic ACE formatter for every ms of the history', () => {
    fc.assert(
      fc.property(epochMsArb, (ms) => {
        expect(parseAceTime(formatAceTime(ms))).toBe(ms);
      }),
    );
  });
});

describe('createSeriesAccumulator', () => {
  const start = Date.UTC(2026, 0, 5);
  const end = Date.UTC(2026, 0, 5, 1);
  const at = (ms: number) => formatAceTime(ms);

  it('keeps requested points in [start, end), in request order, dropping and counting bad entries', () => {
    const acc = createSeriesAccumulator(['b', 'a', 'missing'], start, end);
    const counts = acc.add([
      { name: 'a', value: '1.5', time: at(start) },
      { name: 'b', value: '2', time: at(start + 1000) },
      { name: 'other', value: 'garbage', time: 'garbage' }, // not requested: ignored, not dropped
      { name: 'a', value: 'NaN', time: at(start + 2000) },
      { name: 'a', value: 'inf', time: at(start + 3000) },
      { name: 'a', value: '3', time: 'not a time' },
      { name: 'a', value: '4', time: at(end) }, // end is exclusive
      { name: 'a', value: '5', time: at(start - 1) },
      'not an entry',
      { value: '1', time: at(start) },
    ]);
    expect(counts).toEqual({ kept: 2, dropped: 5 });
    const { series, dropped } = acc.finish();
    expect(dropped).toBe(5);
    expect(series).toEqual([
      { point: 'b', t: [start + 1000], v: [2] },
      { point: 'a', t: [start], v: [1.5] },
      { point: 'missing', t: [], v: [] },
    ]);
  });

  it('lists a repeated requested name once', () => {
    const acc = createSeriesAccumulator(['a', 'a'], start, end);
    expect(acc.finish().series).toEqual([{ point: 'a', t: [], v: [] }]);
  });

  it('sorts across pages and keeps the first sample of a repeated time', () => {
    const acc = createSeriesAccumulator(['a'], start, end);
    acc.add([
      { name: 'a', value: '3', time: at(start + 3000) },
      { name: 'a', value: '1', time: at(start + 1000) },
    ]);
    acc.add([
      { name: 'a', value: '9', time: at(start + 1000) },
      { name: 'a', value: '2', time: at(start + 2000) },
    ]);
    expect(acc.finish().series[0]).toEqual({
      point: 'a',
      t: [start + 1000, start + 2000, start + 3000],
      v: [1, 2, 3],
    });
  });
});

describe('duplicated timestamps (docs/RELIABILITY.md, Data semantics)', () => {
  const start = Date.UTC(2026, 0, 5);
  const end = Date.UTC(2026, 0, 5, 1);
  const at = (ms: number) => formatAceTime(ms);

  it('keep the first finite sample ACE sent for a (point, time), whether ACE sent them in order or not', () => {
    const acc = createSeriesAccumulator(['a', 'b'], start, end);
    acc.add([
      { name: 'a', value: '1.0', time: at(start + 1000) },
      { name: 'a', value: '0.0', time: at(start + 1000) },
      { name: 'b', value: 'NaN', time: at(start + 1000) },
      { name: 'b', value: '7.5', time: at(start + 1000) },
      { name: 'b', value: '8.5', time: at(start + 1000) },
      { name: 'a', value: '1.0', time: at(start + 2000) },
    ]);
    acc.add([{ name: 'a', value: '0.0', time: at(start + 2000) }]);
    expect(acc.finish()).toEqual({
      series: [
        { point: 'a', t: [start + 1000, start + 2000], v: [1, 1] },
        { point: 'b', t: [start + 1000], v: [7.5] },
      ],
      dropped: 1,
    });
  });
});

describe('sortUnique', () => {
  it('yields strictly ascending times, each the first sample seen at that time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.double({ noNaN: true }))),
        (pairs) => {
          const out = sortUnique({ point: 'p', t: pairs.map((p) => p[0]), v: pairs.map((p) => p[1]) });
          const expected = new Map<number, number>();
          for (const [t, v] of pairs) if (!expected.has(t)) expected.set(t, v);
          const times = [...expected.keys()].sort((a, b) => a - b);
          expect(out.t).toEqual(times);
          expect(out.v).toEqual(times.map((t) => expected.get(t)));
        },
      ),
    );
  });
});

describe('bodies', () => {
  it('refuses truncated or non-JSON text as an upstream_error', () => {
    for (const text of ['{"point_samples": [', '<html>502</html>', '']) {
      const r = parseJsonText(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('upstream_error');
    }
  });

  it('reads point_samples and the cursor; null or empty cursor ends paging', () => {
    expect(parseSamplesBody({ point_samples: [], next_cursor: 'abc', has_more: true })).toEqual({
      ok: true,
      value: { samples: [], nextCursor: 'abc' },
    });
    expect(parseSamplesBody({ point_samples: [], next_cursor: null })).toMatchObject({
      value: { nextCursor: null },
    });
    expect(parseSamplesBody({ point_samples: [], next_cursor: '' })).toMatchObject({
      value: { nextCursor: null },
    });
    expect(parseSamplesBody({ point_samples: [] })).toMatchObject({ value: { nextCursor: undefined } });
  });

  it.each([
    null,
    [],
    'text',
    { point_samples: 'x' },
    { point_samples: {} },
    { point_samples: [], next_cursor: 7 },
  ])('refuses %j as a samples body', (body) => {
    expect(parseSamplesBody(body)).toMatchObject({ ok: false, error: { kind: 'upstream_error' } });
  });

  it('reads configured points leniently: bad entries skipped, missing fields defaulted', () => {
    const r = parseConfiguredPointsBody({
      page: 1,
      pages: 0,
      per_page: 10,
      items: [
        {
          name: 'AHU-01-ZoneTemp',
          collect_interval: 300,
          collect_enabled: true,
          bacnet_data: { object_units: 'percent', device_id: 7 },
        },
        { name: '  B-1  ' },
        { name: '' },
        { collect_interval: 60 },
        null,
        {
          name: 'C',
          collect_interval: -1,
          collect_enabled: 'yes',
          bacnet_data: 'x',
          kv_tags: { a: 'b', n: 1 },
        },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.listed).toBe(6);
    expect(r.value.skipped).toBe(3);
    expect(r.value.perPage).toBe(10);
    expect(r.value.items).toEqual([
      {
        name: 'AHU-01-ZoneTemp',
        collect_interval: 300,
        collect_enabled: true,
        bacnet_data: { object_units: 'percent', device_id: 7 },
        kv_tags: {},
        marker_tags: [],
      },
      {
        name: 'B-1',
        collect_interval: null,
        collect_enabled: false,
        bacnet_data: null,
        kv_tags: {},
        marker_tags: [],
      },
      {
        name: 'C',
        collect_interval: null,
        collect_enabled: false,
        bacnet_data: null,
        kv_tags: { a: 'b' },
        marker_tags: [],
      },
    ]);
  });

  it('reads a real site’s tags: marker tags as strings, kv tags as a map or a list of one-key maps', () => {
    const r = parseConfiguredPointsBody({
      items: [
        {
          name: 'ses/site/4000:1-4001/analogValue/56',
          marker_tags: ['RTU4', 7, null, 'Male Lockers B1416'],
          kv_tags: [{ jace_object_name: 'SaTempSetptLoLim' }, { jace_object_name: 'later' }, 'x', { n: 1 }],
        },
        { name: 'ses/site/1000:3-1003/analogValue/0', marker_tags: 'HeatSignal', kv_tags: [] },
        { name: 'p', kv_tags: JSON.parse('{"toString": "kept", "__proto__": "x"}') },
      ],
    });
    expect(r.ok && r.value.items.map((p) => [p.marker_tags, p.kv_tags])).toEqual([
      [['RTU4', 'Male Lockers B1416'], { jace_object_name: 'SaTempSetptLoLim' }],
      [[], {}],
      [[], { toString: 'kept' }],
    ]);
  });

  it('refuses a configured-points body without items, and reads a site', () => {
    expect(parseConfiguredPointsBody({ page: 1 })).toMatchObject({
      ok: false,
      error: { kind: 'upstream_error' },
    });
    expect(parseConfiguredPointsBody('x')).toMatchObject({ ok: false });
    expect(parseSiteBody({ name: 's', timezone: 'UTC' }, 's')).toEqual({
      ok: true,
      value: { name: 's', timezone: 'UTC' },
    });
    expect(parseSiteBody({}, 'fallback')).toEqual({ ok: true, value: { name: 'fallback' } });
    expect(parseSiteBody(null, 's')).toMatchObject({ ok: false });
  });
});
