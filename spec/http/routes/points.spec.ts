// GET /api/sites/{site}/points through the Worker's real fetch handler, ACE mocked by msw:
// listing with display names, cursor paging over a whole catalogue without duplicates, search,
// limit bounds, ACE's 401/403/404 for tokens and sites, bad site names and cursors as 400, an
// ACE failure as 502 without its text, and the route in the OpenAPI document.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../fixtures/ace/catalogue.ts';
import { resetIsolateState } from '../../../src/isolate.ts';
import { describePoint } from '../../../src/points/display-name.ts';
import { aceMock } from '../../support/ace.ts';

interface Item {
  name: string;
  display_name: string;
  equipment: string | null;
  unit: string | null;
  collect_interval_s: number | null;
  collect_enabled: boolean;
}
interface PageJson {
  items: Item[];
  next_cursor: string | null;
}
interface ErrorJson {
  error: {
    code: string;
    message: string;
    request_id: string;
    details?: Array<{ path: string; message: string }>;
  };
}

let tokens = 0;
/** A fresh token per use where the per-principal catalogue cache must not answer. */
const freshToken = (prefix = 'route-spec') => `${prefix}-${++tokens}-${Math.random().toString(36).slice(2)}`;

function get(path: string, token: string | null = 'route-spec-token', headers: Record<string, string> = {}) {
  return exports.default.fetch(`https://vitals.test${path}`, {
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
}

const names = (site: string) => CATALOGUE.get(site)?.points.map((p) => p.point.name) ?? [];

describe('GET /api/sites/{site}/points', () => {
  it('lists the site’s points with display names, equipment, units and intervals', async () => {
    const res = await get('/api/sites/demo-small/points');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = await res.json<PageJson>();
    expect(body.next_cursor).toBeNull();
    expect(body.items.map((i) => i.name)).toEqual(names('demo-small'));
    expect(body.items[0]).toEqual({
      name: 'AHU-01-ZoneTemp',
      display_name: 'AHU-01 Zone Temp',
      equipment: 'AHU-01',
      unit: '°F',
      collect_interval_s: CATALOGUE.get('demo-small')?.points[0]?.point.collect_interval,
      collect_enabled: true,
    });
    expect(body.items.find((i) => i.name === 'SURGERYCHILLER-CWPUMPCommand')?.display_name).toBe(
      'SURGERYCHILLER CW Pump Command',
    );
  });

  it('accepts the token as X-ACE-Token too', async () => {
    const res = await get('/api/sites/demo-small/points?limit=1', null, {
      'x-ace-token': 'route-spec-token',
    });
    expect(res.status).toBe(200);
  });

  /** Every point name of the site, read page by page with `limit`. */
  async function readAll(site: string, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10_000; page++) {
      const q = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await get(`/api/sites/${site}/points?${q}`);
      expect(res.status).toBe(200);
      const body = await res.json<PageJson>();
      expect(body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...body.items.map((i) => i.name));
      cursor = body.next_cursor;
      if (cursor === null) return seen;
    }
    throw new Error('paging did not end');
  }

  it('pages through a catalogue by cursor without duplicates or gaps, at every page size', async () => {
    const all = names('demo-small');
    // Every page size from 1 to past the whole catalogue: last pages of every length, and none.
    for (let limit = 1; limit <= all.length + 2; limit++) {
      expect(await readAll('demo-small', limit), `limit ${limit}`).toEqual(all);
    }
  });

  it('pages through a large catalogue at the largest page size and at sizes that divide it exactly', async () => {
    const all = names('demo-large');
    // 1000 is the route's most; a size that divides the catalogue leaves a full last page, after
    // which the cursor must end rather than lead to an empty page.
    const exact = [];
    for (let limit = 100; limit <= 1000; limit++) if (all.length % limit === 0) exact.push(limit);
    expect(exact.length).toBeGreaterThan(0);
    for (const limit of [1000, 999, ...exact]) {
      expect(await readAll('demo-large', limit), `limit ${limit}`).toEqual(all);
    }
  });

  it('searches name and display name, case-insensitively', async () => {
    const points = CATALOGUE.get('demo-small')?.points.map((p) => p.point) ?? [];
    for (const search of ['zone temp', 'ZONETEMP', 'cw pump', 'rtu-3', 'no-such-thing']) {
      const res = await get(`/api/sites/demo-small/points?search=${encodeURIComponent(search)}`);
      const body = await res.json<PageJson>();
      const q = search.toLowerCase();
      const expected = points
        .filter(
          (p) => p.name.toLowerCase().includes(q) || describePoint(p).display_name.toLowerCase().includes(q),
        )
        .map((p) => p.name);
      expect(
        body.items.map((i) => i.name),
        search,
      ).toEqual(expected);
    }
  });

  it.each(['1', '1000'])('accepts limit=%s', async (limit) => {
    const res = await get(`/api/sites/demo-large/points?limit=${limit}`);
    expect(res.status).toBe(200);
    expect((await res.json<PageJson>()).items).toHaveLength(Number(limit));
  });

  it.each(['0', '1001', '-1', 'abc', '1.5', ''])(
    'refuses limit=%j with 400 naming `limit`',
    async (limit) => {
      const res = await get(`/api/sites/demo-small/points?limit=${limit}`);
      expect(res.status).toBe(400);
      const body = await res.json<ErrorJson>();
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details?.map((d) => d.path)).toEqual(['limit']);
    },
  );

  it('refuses a search longer than 200 characters', async () => {
    const res = await get(`/api/sites/demo-small/points?search=${'x'.repeat(201)}`);
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.details?.[0]?.path).toBe('search');
  });

  it.each(['bogus', 'eyJ2IjoyfQ', encodeURIComponent('a b')])(
    'refuses the cursor %j with 400 naming `cursor`',
    async (cursor) => {
      const res = await get(`/api/sites/demo-small/points?cursor=${cursor}`);
      expect(res.status).toBe(400);
      const body = await res.json<ErrorJson>();
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details?.map((d) => d.path)).toEqual(['cursor']);
    },
  );

  it.each([
    // A bare `..` segment (even percent-encoded) is resolved by URL parsing before routing: the
    // request names another path, which no route serves.
    ['..', 404],
    ['%2E%2E', 404],
    ['a..b', 400],
    ['a%2Fb', 400],
    ['%2Fetc', 400],
    ['-x', 400],
    ['a%00b', 400],
    ['a%0Ab', 400],
    ['a%20b', 400],
    ['x'.repeat(129), 400],
  ])('refuses the site name %j (%i) without asking ACE', async (site, status) => {
    const before = aceMock.stats().total;
    const res = await get(`/api/sites/${site}/points`);
    expect(res.status).toBe(status);
    expect((await res.json<ErrorJson>()).error.code).toBe(status === 400 ? 'invalid_request' : 'not_found');
    expect(aceMock.stats().total).toBe(before);
  });

  it('is 401 without a token, and when ACE rejects the token', async () => {
    const missing = await get('/api/sites/demo-small/points', null);
    expect(missing.status).toBe(401);
    const rejected = await get('/api/sites/demo-small/points', freshToken('invalid'));
    expect(rejected.status).toBe(401);
    const body = await rejected.json<ErrorJson>();
    expect(body.error.code).toBe('unauthorized');
    expect(JSON.stringify(body)).not.toMatch(/JWT Signature Invalid/);
  });

  it('is 403 when ACE forbids the token the site', async () => {
    const res = await get('/api/sites/demo-small/points', freshToken('forbidden'));
    expect(res.status).toBe(403);
    expect((await res.json<ErrorJson>()).error.code).toBe('forbidden');
  });

  it('is 404 for a site ACE does not know', async () => {
    const res = await get('/api/sites/no-such-site/points');
    expect(res.status).toBe(404);
    expect((await res.json<ErrorJson>()).error.code).toBe('not_found');
  });

  it('is 502 upstream_error when ACE keeps failing, with none of ACE’s text', async () => {
    resetIsolateState(); // no listing of the site in the isolate
    aceMock.setFaults({ status: 500, count: 3, routes: ['configured_points'] });
    const res = await get('/api/sites/demo-small/points', freshToken());
    expect(res.status).toBe(502);
    const body = await res.json<ErrorJson>();
    expect(body.error.code).toBe('upstream_error');
    expect(JSON.stringify(body)).not.toMatch(/Internal Server Error/);
    expect(aceMock.stats().requests.configured_points).toBe(3);
  });

  it('lists a site once while its listing is fresh, however many callers prove their access', async () => {
    resetIsolateState();
    const token = freshToken();
    await get('/api/sites/demo-small/points?limit=5', token);
    await get('/api/sites/demo-small/points?limit=7', token);
    for (let i = 0; i < 5; i++)
      expect((await get('/api/sites/demo-small/points?limit=5', freshToken())).status).toBe(200);
    expect(aceMock.stats().requests.configured_points).toBe(1);
    // Each new caller proved its access (GET /sites) once; the repeat of the first did not.
    expect(aceMock.stats().requests.site).toBe(6);
  });

  it('is in the OpenAPI document with its query parameters', async () => {
    const doc = await (await exports.default.fetch('https://vitals.test/openapi.json')).json<{
      paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string }> } }>;
    }>();
    const op = doc.paths['/api/sites/{site}/points']?.get;
    expect(op).toBeDefined();
    expect(op?.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:site',
      'query:cursor',
      'query:limit',
      'query:search',
    ]);
  });
});
