// http/app.ts, the assembled edge: every bad request to every existing route gets its exact
// status and JSON error code (never a 500); every answer carries a request id; unexpected
// throws become the generic 500 with nothing from the exception in the body, logged with the
// request id (review 42); bodies over the limit are 413, non-JSON bodies 415, unsatisfiable
// Accept 406; the middleware order holds (CORS and request id on error answers too).
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it, vi } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/middleware/body-limit.ts';
import { sendEncoded } from '../../src/http/negotiate.ts';
import { siteParamsSchema } from '../../src/http/schemas/common.ts';
import { timeseriesBodySchema, timeseriesQuerySchema } from '../../src/http/schemas/timeseries.ts';
import worker from '../../src/index.ts';
import { BASE, bearer, type ErrorJson, harness } from './harness.ts';

const ok = z.object({}).passthrough();

/** The timeseries schemas mounted as the next issue will mount them, answering what they parsed. */
const h = harness({
  mount: (app) => {
    app.openapi(
      createRoute({
        method: 'get',
        path: '/api/sites/{site}/spec-timeseries',
        request: { params: siteParamsSchema, query: timeseriesQuerySchema },
        responses: {
          200: {
            description: 'parsed',
            content: { 'application/json': { schema: ok }, 'application/msgpack': { schema: ok } },
          },
        },
      }),
      (c) => sendEncoded(c, { site: c.req.valid('param').site, ...c.req.valid('query') }),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/api/sites/{site}/spec-timeseries',
        request: {
          params: siteParamsSchema,
          body: { content: { 'application/json': { schema: timeseriesBodySchema } }, required: true },
        },
        responses: { 200: { description: 'parsed', content: { 'application/json': { schema: ok } } } },
      }),
      (c) => c.json(c.req.valid('json'), 200),
    );
    app.get('/api/spec/throw', () => {
      throw new Error('D1_ERROR: no such table: secret_table; token eyJhbGciOiJIUzI1NiJ9');
    });
    app.get('/api/spec/throw-string', () => {
      throw 'a thrown string with secret_table';
    });
    app.get('/spec/public-throw', () => {
      throw new TypeError('secret_table is not a function');
    });
  },
});

const Q = 'points=AHU-01-ZoneTemp&start=2025-06-01T00:00:00Z&end=2025-06-02T00:00:00Z';
const TS = '/api/sites/demo-small/spec-timeseries';
const json = { 'content-type': 'application/json' };
const body = (o: unknown) => JSON.stringify(o);
const goodBody = { points: ['a'], start: '2025-06-01T00:00:00Z', end: '2025-06-02T00:00:00Z' };

interface Row {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  code: string;
  details?: string[];
  allow?: string;
}

const rows: Row[] = [
  // GET /health
  {
    name: 'POST /health',
    method: 'POST',
    path: '/health',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'PUT /health',
    method: 'PUT',
    path: '/health',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'DELETE /health',
    method: 'DELETE',
    path: '/health',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'OPTIONS /health (no CORS)',
    method: 'OPTIONS',
    path: '/health',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  { name: '/health/ (trailing slash)', method: 'GET', path: '/health/', status: 404, code: 'not_found' },
  { name: '/health/x', method: 'GET', path: '/health/x', status: 404, code: 'not_found' },
  // GET /openapi.json
  {
    name: 'POST /openapi.json',
    method: 'POST',
    path: '/openapi.json',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'PATCH /openapi.json',
    method: 'PATCH',
    path: '/openapi.json',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  { name: '/openapi.yaml', method: 'GET', path: '/openapi.yaml', status: 404, code: 'not_found' },
  // unknown routes
  { name: 'GET /', method: 'GET', path: '/', status: 404, code: 'not_found' },
  { name: 'GET /nope', method: 'GET', path: '/nope', status: 404, code: 'not_found' },
  { name: 'POST /nope', method: 'POST', path: '/nope', status: 404, code: 'not_found' },
  {
    name: 'unknown /api route, no token',
    method: 'GET',
    path: '/api/nope',
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'unknown /api route',
    method: 'GET',
    path: '/api/nope',
    headers: bearer(),
    status: 404,
    code: 'not_found',
  },
  { name: 'GET /api', method: 'GET', path: '/api', headers: bearer(), status: 404, code: 'not_found' },
  {
    name: 'an admin route',
    method: 'GET',
    path: '/api/admin/stats',
    headers: bearer(),
    status: 401,
    code: 'unauthorized',
  },
  // GET /api/sites/{site}/points (edge-level rows: nothing here reaches ACE)
  {
    name: 'points, no token',
    method: 'GET',
    path: '/api/sites/demo-small/points',
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'points, Basic auth',
    method: 'GET',
    path: '/api/sites/demo-small/points',
    headers: { authorization: 'Basic eDp5' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'points, DELETE',
    method: 'DELETE',
    path: '/api/sites/demo-small/points',
    headers: bearer(),
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'points, POST',
    method: 'POST',
    path: '/api/sites/demo-small/points',
    headers: { ...bearer(), ...json },
    body: '{}',
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'points, site with ..',
    method: 'GET',
    path: '/api/sites/a..b/points',
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['site'],
  },
  {
    name: 'points, site with an encoded /',
    method: 'GET',
    path: '/api/sites/a%2Fb/points',
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['site'],
  },
  // The URL parser resolves %2E%2E as a dot segment (WHATWG URL): the path becomes /api/points.
  {
    name: 'points, site of encoded dots',
    method: 'GET',
    path: '/api/sites/%2E%2E/points',
    headers: bearer(),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'points, site with a NUL',
    method: 'GET',
    path: '/api/sites/a%00b/points',
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['site'],
  },
  {
    name: 'points, limit 0',
    method: 'GET',
    path: '/api/sites/demo-small/points?limit=0',
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['limit'],
  },
  {
    name: 'points, limit 1001',
    method: 'GET',
    path: '/api/sites/demo-small/points?limit=1001',
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['limit'],
  },
  {
    name: 'points, bad cursor',
    method: 'GET',
    path: '/api/sites/demo-small/points?cursor=a%20b',
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['cursor'],
  },
  {
    name: 'points, /points/x',
    method: 'GET',
    path: '/api/sites/demo-small/points/x',
    headers: bearer(),
    status: 404,
    code: 'not_found',
  },
  // the timeseries schemas, mounted (GET)
  {
    name: 'ts GET, no query',
    method: 'GET',
    path: TS,
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['end', 'points', 'start'],
  },
  {
    name: 'ts GET, bad site',
    method: 'GET',
    path: `/api/sites/.x/spec-timeseries?${Q}`,
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['site'],
  },
  {
    name: 'ts GET, duplicate point',
    method: 'GET',
    path: `${TS}?points=a,a&start=0&end=1000`,
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['points.1'],
  },
  {
    name: 'ts GET, start after end',
    method: 'GET',
    path: `${TS}?points=a&start=2025-06-02T00:00:00Z&end=2025-06-01T00:00:00Z`,
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['end'],
  },
  {
    name: 'ts GET, bad interval and layout',
    method: 'GET',
    path: `${TS}?${Q}&interval=1w&layout=grid`,
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['interval', 'layout'],
  },
  {
    name: 'ts GET, bad format',
    method: 'GET',
    path: `${TS}?${Q}&format=csv`,
    headers: bearer(),
    status: 400,
    code: 'invalid_request',
    details: ['format'],
  },
  {
    name: 'ts GET, Accept nothing we make',
    method: 'GET',
    path: `${TS}?${Q}`,
    headers: { ...bearer(), accept: 'text/html' },
    status: 406,
    code: 'invalid_request',
  },
  {
    name: 'ts PUT',
    method: 'PUT',
    path: `${TS}?${Q}`,
    headers: bearer(),
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD, POST',
  },
  // the timeseries schemas, mounted (POST)
  {
    name: 'ts POST, no content type',
    method: 'POST',
    path: TS,
    headers: bearer(),
    body: body(goodBody),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'ts POST, text/plain',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), 'content-type': 'text/plain' },
    body: body(goodBody),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'ts POST, form body',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'points=a',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'ts POST, malformed JSON',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: '{"points": [',
    status: 400,
    code: 'invalid_request',
    details: ['body'],
  },
  {
    name: 'ts POST, empty body',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: '',
    status: 400,
    code: 'invalid_request',
    details: ['body'],
  },
  {
    name: 'ts POST, array body',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: '[]',
    status: 400,
    code: 'invalid_request',
    details: ['body'],
  },
  {
    name: 'ts POST, unknown field',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: body({ ...goodBody, pointz: [] }),
    status: 400,
    code: 'invalid_request',
    details: ['pointz'],
  },
  {
    name: 'ts POST, bad names',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: body({ ...goodBody, points: ['a', '', 'a'] }),
    status: 400,
    code: 'invalid_request',
    details: ['points.1', 'points.2'],
  },
  {
    name: 'ts POST, 367 days',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: body({ ...goodBody, end: Date.UTC(2025, 5, 1) + 367 * 86_400_000 }),
    status: 400,
    code: 'invalid_request',
    details: ['end'],
  },
  {
    name: 'ts POST, over the body limit',
    method: 'POST',
    path: TS,
    headers: { ...bearer(), ...json },
    body: body({ ...goodBody, pad: 'x'.repeat(MAX_BODY_BYTES) }),
    status: 413,
    code: 'payload_too_large',
  },
];

describe('bad requests per route → exact status and code, never 500', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_, row) => {
    const res = await h.fetch(row.path, { method: row.method, headers: row.headers, body: row.body });
    expect(res.status).toBe(row.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const err = await res.json<ErrorJson>();
    expect(err.error.code).toBe(row.code);
    expect(err.error.request_id).toBe(res.headers.get('x-request-id'));
    if (row.details) expect(err.error.details?.map((d) => d.path).sort()).toEqual(row.details);
    else expect(err.error.details).toBeUndefined();
    if (row.allow) expect(res.headers.get('allow')).toBe(row.allow);
  });
});

describe('good requests through the mounted timeseries schemas', () => {
  it('GET parses to the request, in the negotiated format', async () => {
    const res = await h.fetch(`${TS}?${Q}&interval=5m`, { headers: bearer() });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    expect(await res.json()).toEqual({
      site: 'demo-small',
      points: ['AHU-01-ZoneTemp'],
      start: Date.UTC(2025, 5, 1),
      end: Date.UTC(2025, 5, 2),
      interval: '5m',
      layout: 'columns',
      priority: 'normal',
    });
  });

  it('POST with application/json; charset=utf-8 parses the same', async () => {
    const res = await h.fetch(TS, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json; charset=utf-8' },
      body: body(goodBody),
    });
    expect(res.status).toBe(200);
    expect((await res.json<{ points: string[] }>()).points).toEqual(['a']);
  });

  it('a streamed body over the limit (no Content-Length) is 413 too', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + chunk.byteLength) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await h.fetch(
      new Request(`${BASE}${TS}`, { method: 'POST', headers: { ...bearer(), ...json }, body: stream }),
    );
    expect(res.status).toBe(413);
    expect((await res.json<ErrorJson>()).error.code).toBe('payload_too_large');
  });
});

describe('request ids', () => {
  it('echoes a well-formed client id on success and on errors', async () => {
    for (const path of ['/health', '/nope', '/api/nope']) {
      const res = await h.fetch(path, { headers: { 'x-request-id': 'client-id-0001' } });
      expect(res.headers.get('x-request-id')).toBe('client-id-0001');
    }
  });

  it.each(['short', 'has space inside', 'x'.repeat(129), 'semi;colon-123', ''])(
    'replaces a malformed client id (%j) with a generated one',
    async (given) => {
      const res = await h.fetch('/nope', { headers: { 'x-request-id': given } });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await res.json<ErrorJson>()).error.request_id).toBe(id);
    },
  );

  it('is on a preflight and on a 429-free 401 too', async () => {
    const pre = await exports.default.fetch(`${BASE}/api/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('x-request-id')).toBeTruthy();
    expect((await exports.default.fetch(`${BASE}/api/x`)).headers.get('x-request-id')).toBeTruthy();
  });
});

describe('unexpected throws → the generic 500 (review 42)', () => {
  it.each(['/api/spec/throw', '/api/spec/throw-string', '/spec/public-throw'])(
    '%s answers only a code, a fixed message and the request id',
    async (path) => {
      const res = await h.fetch(path, { headers: { ...bearer(), origin: 'https://dashboard.example' } });
      expect(res.status).toBe(500);
      const text = await res.text();
      const id = res.headers.get('x-request-id');
      expect(JSON.parse(text)).toEqual({
        error: { code: 'internal_error', message: 'internal error', request_id: id },
      });
      expect(text).not.toMatch(/secret_table|eyJ|Error|at |stack/);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    },
  );

  it('logs the exception with the request id (details go to the log only)', async () => {
    const res = await h.fetch('/api/spec/throw', { headers: bearer() });
    const id = res.headers.get('x-request-id');
    expect(h.logs).toContainEqual({
      level: 'error',
      line: expect.objectContaining({
        event: 'unhandled_error',
        request_id: id,
        error_name: 'Error',
        error_message: expect.stringContaining('secret_table'),
      }),
    });
  });

  it('answers a generic 500 when the services cannot even be built (bad configuration)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const badEnv = { ...env, ADMIN_TOKEN: 'short' };
      const res = await worker.fetch(new Request(`${BASE}/health`), badEnv, createExecutionContext());
      expect(res.status).toBe(500);
      const text = await res.text();
      const id = res.headers.get('x-request-id');
      expect(JSON.parse(text)).toEqual({
        error: { code: 'internal_error', message: 'internal error', request_id: id },
      });
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(new RegExp(`"services_failed".*"${id}".*ADMIN_TOKEN`)),
      );
    } finally {
      logged.mockRestore();
    }
  });
});

describe('negotiated answers', () => {
  it('answers MessagePack for Accept: application/x-msgpack, and JSON for ?format=json', async () => {
    const mp = await h.fetch(`${TS}?${Q}`, { headers: { ...bearer(), accept: 'application/x-msgpack' } });
    expect(mp.headers.get('content-type')).toBe('application/msgpack');
    const js = await h.fetch(`${TS}?${Q}&format=json`, {
      headers: { ...bearer(), accept: 'application/msgpack' },
    });
    expect(js.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
