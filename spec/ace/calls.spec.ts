// Specifies src/ace/calls.ts field by field: each builder's whole request (route names as logs and
// the synthetic ACE's stats use them, method, path, query, body), the URLs of a first page (no
// cursor) and of a batch call, and the sharing key's exact text. Written out by hand from ACE's
// API; spec/ace/attempt.spec.ts has the URLs of the other calls.
import { describe, expect, it } from 'vitest';
import { batchCall, callUrl, pageCall, pointsCall, sharingKey, siteCall } from '../../src/ace/calls.ts';

const BASE = 'https://ace.test/api';
// 2026-01-05 12:00 UTC to 13:00 UTC.
const window = { startMs: Date.UTC(2026, 0, 5, 12), endMs: Date.UTC(2026, 0, 5, 13) };

describe('request builders', () => {
  it('GET /sites/{site}', () => {
    expect(siteCall('s')).toStrictEqual({ route: 'site', method: 'GET', path: '/sites/s', query: [] });
  });

  it('GET /sites/{site}/configured_points with its page', () => {
    expect(pointsCall('s', 2, 500)).toStrictEqual({
      route: 'configured_points',
      method: 'GET',
      path: '/sites/s/configured_points',
      query: [
        ['page', '2'],
        ['per_page', '500'],
      ],
    });
  });

  it('POST /points/get_timeseries with the window in the query and the names in the body', () => {
    expect(batchCall(['p1', 'p2'], window)).toStrictEqual({
      route: 'get_timeseries',
      method: 'POST',
      path: '/points/get_timeseries',
      query: [
        ['start_time', '2026-01-05T12:00:00.000Z'],
        ['end_time', '2026-01-05T13:00:00.000Z'],
      ],
      body: '{"points":[{"name":"p1"},{"name":"p2"}]}',
    });
    expect(callUrl(BASE, batchCall(['p1'], window))).toBe(
      `${BASE}/points/get_timeseries?start_time=2026-01-05T12%3A00%3A00.000Z&end_time=2026-01-05T13%3A00%3A00.000Z`,
    );
  });

  it('GET a first page of /timeseries/paginated: no cursor in its query', () => {
    const first = pageCall('s', { ...window, pageSize: 500 });
    expect(first).toStrictEqual({
      route: 'paginated',
      method: 'GET',
      path: '/sites/s/timeseries/paginated',
      query: [
        ['start_time', '2026-01-05T12:00:00.000Z'],
        ['end_time', '2026-01-05T13:00:00.000Z'],
        ['page_size', '500'],
        ['raw_data', 'true'],
      ],
    });
    const url = `${BASE}/sites/s/timeseries/paginated?start_time=2026-01-05T12%3A00%3A00.000Z&end_time=2026-01-05T13%3A00%3A00.000Z&page_size=500&raw_data=true`;
    expect(callUrl(BASE, first)).toBe(url);
    // An empty cursor is no cursor.
    expect(callUrl(BASE, pageCall('s', { ...window, pageSize: 500, cursor: '' }))).toBe(url);
  });
});

describe('sharingKey', () => {
  it('is the method, URL, body (empty for a GET) and principal, one a line', () => {
    const site = siteCall('s');
    expect(sharingKey(site, callUrl(BASE, site), 'alice')).toBe(`GET ${BASE}/sites/s\n\nalice`);
    const batch = batchCall(['p1'], window);
    expect(sharingKey(batch, 'u', 'bob')).toBe('POST u\n{"points":[{"name":"p1"}]}\nbob');
  });
});
