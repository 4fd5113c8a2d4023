// /api/charts and /api/charts/{id} through the Worker's real fetch handler and local D1: save,
// read, list, replace and delete; any valid chart reads back as sent; 401 without a token; bad
// bodies, ids and cursors as 400 naming the field; `options` over 16 KiB as 400 naming `options`;
// another principal's chart is 404 for get, put and delete and absent from its list; paging
// returns each chart once; the routes are in the OpenAPI document. ACE is never asked.
import { env, exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHART_OPTIONS_BYTES } from '../../../src/http/schemas/charts.ts';
import { aceMock } from '../../support/ace.ts';
import { chartBodyArb } from '../../support/arbitraries/charts.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../../support/faults.ts';
import { type ErrorJson, harness } from '../harness.ts';

interface ChartJson {
  id: string;
  name: string;
  site: string;
  points: string[];
  range: { start: number; end: number };
  options: Record<string, unknown>;
  updated_at: number;
}
interface PageJson {
  items: ChartJson[];
  next_cursor: string | null;
}

let tokens = 0;
/** A fresh caller per test: its own charts, and its own rate-limit budget (600 a minute). */
const freshToken = () => `charts-spec-${++tokens}-${Math.random().toString(36).slice(2)}`;

const BODY = {
  name: 'acc',
  site: 'demo-small',
  points: ['AHU-01-ZoneTemp', 'AHU-01-SupplyTemp'],
  range: { start: Date.UTC(2026, 9, 1), end: Date.UTC(2026, 9, 2) },
  options: {},
};

function call(method: string, path: string, token: string | null, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return exports.default.fetch(`https://vitals.test${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function created(token: string, body: unknown = BODY): Promise<ChartJson> {
  const res = await call('POST', '/api/charts', token, body);
  expect(res.status).toBe(201);
  return res.json<ChartJson>();
}

/** The distinct field paths a 400 names (one field may carry several issues). */
async function detailsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  const body = await res.json<ErrorJson>();
  expect(body.error.code).toBe('invalid_request');
  return [...new Set(body.error.details?.map((d) => d.path))];
}

describe('/api/charts: the owner’s round trip', () => {
  it('saves (201 + Location), reads, lists, replaces and deletes (204) a chart', async () => {
    const token = freshToken();
    const before = Date.now();
    const res = await call('POST', '/api/charts', token, BODY);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const chart = await res.json<ChartJson>();
    expect(chart).toEqual({ ...BODY, id: expect.any(String), updated_at: expect.any(Number) });
    expect(chart.updated_at).toBeGreaterThanOrEqual(before);
    expect(res.headers.get('location')).toBe(`/api/charts/${chart.id}`);

    const got = await call('GET', `/api/charts/${chart.id}`, token);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(chart);

    const list = await call('GET', '/api/charts', token);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [chart], next_cursor: null });

    // PUT replaces the whole chart: options are not merged, and a chart read back can be sent as is.
    const withOptions = await call('PUT', `/api/charts/${chart.id}`, token, {
      ...chart,
      options: { type: 'line' },
    });
    expect(withOptions.status).toBe(200);
    const next = {
      name: 'renamed',
      site: 'demo-large',
      points: ['VAV-101-Airflow'],
      range: { start: 1, end: 2 },
    };
    const put = await call('PUT', `/api/charts/${chart.id}`, token, next);
    expect(put.status).toBe(200);
    const replaced = await put.json<ChartJson>();
    expect(replaced).toEqual({ ...next, options: {}, id: chart.id, updated_at: expect.any(Number) });
    expect(replaced.updated_at).toBeGreaterThanOrEqual(chart.updated_at);
    expect(await (await call('GET', `/api/charts/${chart.id}`, token)).json()).toEqual(replaced);

    const del = await call('DELETE', `/api/charts/${chart.id}`, token);
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    for (const [method, body] of [['GET'], ['PUT', BODY], ['DELETE']] as const) {
      const again = await call(method, `/api/charts/${chart.id}`, token, body);
      expect(again.status, method).toBe(404);
      expect((await again.json<ErrorJson>()).error.code).toBe('not_found');
    }
    expect(await (await call('GET', '/api/charts', token)).json()).toEqual({ items: [], next_cursor: null });
    expect(aceMock.stats().total).toBe(0);
  });

  it('reads back any valid chart exactly as sent', async () => {
    const token = freshToken();
    await fc.assert(
      fc.asyncProperty(chartBodyArb, async (body) => {
        const chart = await created(token, body);
        expect(chart).toEqual({ ...body, id: chart.id, updated_at: chart.updated_at });
        expect(await (await call('GET', `/api/charts/${chart.id}`, token)).json()).toEqual(chart);
      }),
      { numRuns: 25 },
    );
  });

  it('accepts ISO 8601 times in the range and answers epoch ms', async () => {
    const chart = await created(freshToken(), {
      ...BODY,
      range: { start: '2026-10-01T00:00:00Z', end: '2026-10-01T03:00:00.001+02:00' },
    });
    expect(chart.range).toEqual({ start: Date.UTC(2026, 9, 1), end: Date.UTC(2026, 9, 1, 1, 0, 0, 1) });
  });
});

describe('/api/charts: refusals', () => {
  it('is 401 without a token, on every route', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/charts'],
      ['POST', '/api/charts', BODY],
      ['GET', '/api/charts/abc'],
      ['PUT', '/api/charts/abc', BODY],
      ['DELETE', '/api/charts/abc'],
    ] as const) {
      const res = await call(method, path, null, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((await res.json<ErrorJson>()).error.code).toBe('unauthorized');
    }
  });

  it.each([
    ['no name', { ...BODY, name: undefined }, ['name']],
    ['an empty name', { ...BODY, name: '' }, ['name']],
    ['a blank name', { ...BODY, name: '   ' }, ['name']],
    ['a 201-character name', { ...BODY, name: 'x'.repeat(201) }, ['name']],
    ['a name with a newline', { ...BODY, name: 'a\nb' }, ['name']],
    ['a bad site', { ...BODY, site: 'a..b' }, ['site']],
    ['a site with a slash', { ...BODY, site: 'a/b' }, ['site']],
    ['no points', { ...BODY, points: [] }, ['points']],
    ['501 points', { ...BODY, points: Array.from({ length: 501 }, (_, i) => `p${i}`) }, ['points']],
    ['a duplicate point', { ...BODY, points: ['a', 'b', 'a'] }, ['points.2']],
    ['a point that is not a string', { ...BODY, points: ['a', 7] }, ['points.1']],
    ['no range', { ...BODY, range: undefined }, ['range']],
    ['start = end', { ...BODY, range: { start: 5, end: 5 } }, ['range.end']],
    ['start after end', { ...BODY, range: { start: 6, end: 5 } }, ['range.end']],
    ['a naive time', { ...BODY, range: { start: '2026-10-01T00:00:00', end: 5 } }, ['range.start']],
    ['an unknown range field', { ...BODY, range: { ...BODY.range, step: 1 } }, ['range.step']],
    ['options that are an array', { ...BODY, options: [1] }, ['options']],
    ['options that are null', { ...BODY, options: null }, ['options']],
    ['an unknown field', { ...BODY, colour: 'red' }, ['colour']],
    ['several bad fields', { ...BODY, name: '', site: '', points: [] }, ['name', 'site', 'points']],
  ])('POST and PUT with %s are 400 naming the field', async (_, body, paths) => {
    const token = freshToken();
    expect(await detailsOf(await call('POST', '/api/charts', token, body))).toEqual(paths);
    const chart = await created(token);
    expect(await detailsOf(await call('PUT', `/api/charts/${chart.id}`, token, body))).toEqual(paths);
    // Nothing was saved or changed.
    const page = await (await call('GET', '/api/charts', token)).json<PageJson>();
    expect(page.items).toEqual([chart]);
  });

  it('refuses a body that is not JSON, or not an object', async () => {
    const token = freshToken();
    expect(await detailsOf(await call('POST', '/api/charts', token, '{"name":'))).toEqual(['body']);
    expect(await detailsOf(await call('POST', '/api/charts', token, [BODY]))).toEqual(['body']);
  });

  it('is 415 for a body that is not application/json', async () => {
    const res = await exports.default.fetch('https://vitals.test/api/charts', {
      method: 'POST',
      headers: { authorization: `Bearer ${freshToken()}`, 'content-type': 'text/plain' },
      body: JSON.stringify(BODY),
    });
    expect(res.status).toBe(415);
  });

  it(`accepts options of exactly ${MAX_CHART_OPTIONS_BYTES} bytes of JSON and refuses one byte more`, async () => {
    const token = freshToken();
    // {"k":"…"} is 8 bytes of JSON around the text; "é" is 2 bytes of UTF-8, so bytes are counted, not characters.
    const fill = (bytes: number) => ({ k: `é${'x'.repeat(bytes - 8 - 2)}` });
    const at = fill(MAX_CHART_OPTIONS_BYTES);
    expect(new TextEncoder().encode(JSON.stringify(at)).byteLength).toBe(MAX_CHART_OPTIONS_BYTES);
    expect((await created(token, { ...BODY, options: at })).options).toEqual(at);
    const res = await call('POST', '/api/charts', token, {
      ...BODY,
      options: fill(MAX_CHART_OPTIONS_BYTES + 1),
    });
    expect(await detailsOf(res)).toEqual(['options']);
    const huge = await call('POST', '/api/charts', token, { ...BODY, options: { k: 'x'.repeat(500_000) } });
    expect(await detailsOf(huge)).toEqual(['options']);
  });

  it.each([
    ['a..b', 400],
    ['a%20b', 400],
    ['x'.repeat(129), 400],
    ['no-such-chart', 404],
  ])('GET, PUT and DELETE of the id %j are %i', async (id, status) => {
    const token = freshToken();
    for (const [method, body] of [['GET'], ['PUT', BODY], ['DELETE']] as const) {
      const res = await call(method, `/api/charts/${id}`, token, body);
      expect(res.status, method).toBe(status);
      if (status === 400) expect(await detailsOf(res)).toEqual(['id']);
    }
  });

  it.each(['bogus', 'WyJ4IiwieSJd', 'a b', '0'.repeat(3000)])('refuses the cursor %j', async (cursor) => {
    const res = await call('GET', `/api/charts?cursor=${encodeURIComponent(cursor)}`, freshToken());
    expect(await detailsOf(res)).toEqual(['cursor']);
  });

  it.each(['0', '101', 'x'])('refuses limit=%j', async (limit) => {
    expect(await detailsOf(await call('GET', `/api/charts?limit=${limit}`, freshToken()))).toEqual(['limit']);
  });
});

describe('/api/charts: principals are isolated', () => {
  it('another principal’s chart is 404 (never 403) for GET, PUT and DELETE, and absent from its list', async () => {
    const owner = freshToken();
    const other = freshToken();
    const chart = await created(owner);
    const theirs = await created(other, { ...BODY, name: 'theirs' });
    for (const [method, body] of [['GET'], ['PUT', { ...BODY, name: 'hijacked' }], ['DELETE']] as const) {
      const res = await call(method, `/api/charts/${chart.id}`, other, body);
      expect(res.status, method).toBe(404);
      const error = await res.json<ErrorJson>();
      // The same answer as for an id that never existed.
      const missing = await (await call(method, '/api/charts/never-existed', other, body)).json<ErrorJson>();
      expect(error.error.message).toBe(missing.error.message);
    }
    expect(await (await call('GET', '/api/charts', other)).json()).toEqual({
      items: [theirs],
      next_cursor: null,
    });
    expect(await (await call('GET', `/api/charts/${chart.id}`, owner)).json()).toEqual(chart);
    expect(await (await call('GET', '/api/charts', owner)).json()).toEqual({
      items: [chart],
      next_cursor: null,
    });
  });

  it('X-ACE-Token and Bearer with the same token are the same principal', async () => {
    const token = freshToken();
    const chart = await created(token);
    const res = await exports.default.fetch(`https://vitals.test/api/charts/${chart.id}`, {
      headers: { 'x-ace-token': token },
    });
    expect(res.status).toBe(200);
  });
});

describe('/api/charts: paging', () => {
  it('pages through every chart once, newest first, for any limit', async () => {
    const token = freshToken();
    const saved: ChartJson[] = [];
    for (let i = 0; i < 23; i++) saved.push(await created(token, { ...BODY, name: `chart ${i}` }));
    const expected = [...saved]
      .sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((c) => c.id);
    // Every page size from 1 to past the whole list (23 charts: 23 exactly, 1 and 22 leave a
    // last page of one, 24 and 25 hold everything with room to spare).
    for (let limit = 1; limit <= 25; limit++) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page <= saved.length; page++) {
        const q = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await call('GET', `/api/charts?${q}`, token);
        expect(res.status).toBe(200);
        const body = await res.json<PageJson>();
        expect(body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...body.items.map((c) => c.id));
        cursor = body.next_cursor;
        if (cursor === null) break;
      }
      expect(cursor, `limit ${limit}`).toBeNull();
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
  });

  it('serves 50 by default and at most 100', async () => {
    const token = freshToken();
    for (let i = 0; i < 51; i++) await created(token);
    const first = await (await call('GET', '/api/charts', token)).json<PageJson>();
    expect(first.items).toHaveLength(50);
    expect(first.next_cursor).not.toBeNull();
    const all = await (await call('GET', '/api/charts?limit=100', token)).json<PageJson>();
    expect(all.items).toHaveLength(51);
    expect(all.next_cursor).toBeNull();
  });
});

describe('/api/charts: storage failures', () => {
  it('is 503 unavailable with a generic body when D1 fails', async () => {
    const plan = createFaultPlan<D1Op>();
    const h = harness({ env: { DB: faultyD1(env.DB, plan) } });
    plan.set('all', { kind: 'error', message: 'D1_ERROR: SELECT id FROM chart_configs' });
    plan.set('batch', { kind: 'error', message: 'D1_ERROR: INSERT INTO principals' });
    const headers = { authorization: `Bearer ${freshToken()}`, 'content-type': 'application/json' };
    for (const res of [
      await h.fetch('/api/charts', { headers }),
      await h.fetch('/api/charts', { method: 'POST', headers, body: JSON.stringify(BODY) }),
    ]) {
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('unavailable');
      expect(text).not.toMatch(/SELECT|INSERT|chart_configs|principals/);
    }
  });
});

describe('/api/charts in the OpenAPI document', () => {
  it('documents every chart route with its responses and the Chart schema', async () => {
    const doc = await (await exports.default.fetch('https://vitals.test/openapi.json')).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { required?: string[] }> };
    }>();
    const statuses = (path: string, method: string) =>
      Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();
    expect(statuses('/api/charts', 'get')).toEqual(['200', '400', '401', '429', '500', '503']);
    expect(statuses('/api/charts', 'post')).toEqual(['201', '400', '401', '413', '415', '429', '500', '503']);
    expect(statuses('/api/charts/{id}', 'get')).toEqual(['200', '400', '401', '404', '429', '500', '503']);
    expect(statuses('/api/charts/{id}', 'put')).toEqual([
      '200',
      '400',
      '401',
      '404',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    expect(statuses('/api/charts/{id}', 'delete')).toEqual(['204', '400', '401', '404', '429', '500', '503']);
    expect(doc.components.schemas.Chart?.required?.sort()).toEqual(
      ['id', 'name', 'options', 'points', 'range', 'site', 'updated_at'].sort(),
    );
    expect(doc.components.schemas.ChartInput?.required?.sort()).toEqual(['name', 'points', 'range', 'site']);
  });
});
