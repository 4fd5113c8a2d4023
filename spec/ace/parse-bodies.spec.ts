// The ACE body parsers of src/ace/parse.ts at their edges, worked by hand: the whole error a caller
// sees for each malformed body (kind and reason), which point fields are kept and which dropped
// (blank strings, wrong types, non-positive or non-finite intervals, unsafe device ids), a site
// whose body omits its name or fields, and a series already in order returned as it is. Written
// against the mutation report's survivors (docs/RELIABILITY.md, Survivors); parse.spec.ts holds
// the properties.
import { describe, expect, it } from 'vitest';
import {
  parseConfiguredPointsBody,
  parsePointInfo,
  parseSamplesBody,
  parseSiteBody,
  sortUnique,
} from '../../src/ace/parse.ts';

const malformed = (why: string) => ({
  ok: false,
  error: { kind: 'upstream_error', message: `malformed ACE response: ${why}` },
});

describe('malformed bodies: the whole error', () => {
  it.each([
    ['null', null, 'expected an object'],
    ['a list', [], 'expected an object'],
    ['an object without point_samples', {}, 'point_samples is not a list'],
    ['a numeric cursor', { point_samples: [], next_cursor: 5 }, 'next_cursor is not a string'],
  ])('a samples page: %s', (_, body, why) => {
    expect(parseSamplesBody(body)).toStrictEqual(malformed(why));
  });

  it.each([
    ['null', null, 'expected an object'],
    ['a list', [], 'expected an object'],
    ['an object without items', {}, 'items is not a list'],
  ])('a configured-points page: %s', (_, body, why) => {
    expect(parseConfiguredPointsBody(body)).toStrictEqual(malformed(why));
  });

  it('a site: null', () => {
    expect(parseSiteBody(null, 's')).toStrictEqual(malformed('expected an object'));
  });
});

describe('a configured point', () => {
  const point = (extra: Record<string, unknown>) => parsePointInfo({ name: 'a', ...extra });

  it('keeps exactly the BACnet fields that are non-blank strings, and a safe-integer device id', () => {
    expect(point({ bacnet_data: {} })?.bacnet_data).toStrictEqual({});
    expect(
      point({
        bacnet_data: {
          device_name: 'VAV-1',
          object_name: 'ZN-T',
          object_type: 'analog-input',
          object_units: 'degrees-fahrenheit',
          device_id: 7,
        },
      })?.bacnet_data,
    ).toStrictEqual({
      device_name: 'VAV-1',
      object_name: 'ZN-T',
      object_type: 'analog-input',
      object_units: 'degrees-fahrenheit',
      device_id: 7,
    });
    for (const bad of [5, '', '  ', null, ['x']]) {
      const got = point({
        bacnet_data: { device_name: bad, object_name: bad, object_type: bad, object_units: bad },
      });
      expect(got?.bacnet_data).toStrictEqual({});
    }
    for (const id of ['7', 1.5, 2 ** 53, Number.NaN])
      expect(point({ bacnet_data: { device_id: id } })?.bacnet_data).toStrictEqual({});
    expect(point({ bacnet_data: 'x' })?.bacnet_data).toBeNull();
  });

  it('keeps a collect interval only when it is a finite number above 0', () => {
    expect(point({ collect_interval: 60 })?.collect_interval).toBe(60);
    expect(point({ collect_interval: 0.5 })?.collect_interval).toBe(0.5);
    for (const bad of ['60', 0, -60, Number.POSITIVE_INFINITY, Number.NaN, null])
      expect(point({ collect_interval: bad })?.collect_interval).toBeNull();
    // As JSON.parse reads an interval too large for a double.
    const huge = JSON.parse('{"name":"a","collect_interval":1e400}') as unknown;
    expect(parsePointInfo(huge)?.collect_interval).toBeNull();
  });

  it('keeps a page size only when it is a safe integer above 0', () => {
    const perPage = (v: unknown) => {
      const r = parseConfiguredPointsBody({ items: [], per_page: v });
      return r.ok ? r.value.perPage : 'error';
    };
    expect(perPage(100)).toBe(100);
    expect(perPage(1)).toBe(1);
    for (const bad of [0, -1, 1.5, 2 ** 53, '100', null]) expect(perPage(bad)).toBeUndefined();
  });
});

describe('a site', () => {
  it('takes its name from the body, else the one asked for, and only non-blank fields', () => {
    expect(parseSiteBody({ name: 'HQ' }, 's')).toStrictEqual({ ok: true, value: { name: 'HQ' } });
    expect(parseSiteBody({}, 's')).toStrictEqual({ ok: true, value: { name: 's' } });
    expect(parseSiteBody({ name: 5, timezone: ' ', description: '' }, 's')).toStrictEqual({
      ok: true,
      value: { name: 's' },
    });
    expect(parseSiteBody({ timezone: 'America/Chicago', description: 'Main campus' }, 's')).toStrictEqual({
      ok: true,
      value: { name: 's', timezone: 'America/Chicago', description: 'Main campus' },
    });
  });
});

describe('sortUnique', () => {
  it('returns a series already ascending without repeats as it is, not a copy', () => {
    const series = { point: 'p', t: [1, 2, 5], v: [1, 2, 3] };
    expect(sortUnique(series)).toBe(series);
    const empty = { point: 'p', t: [], v: [] };
    expect(sortUnique(empty)).toBe(empty);
    const repeated = { point: 'p', t: [1, 1, 2], v: [1, 2, 3] };
    expect(sortUnique(repeated)).toStrictEqual({ point: 'p', t: [1, 2], v: [1, 3] });
  });
});
