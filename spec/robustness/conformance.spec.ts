// Contract conformance (issue 10): for a representative set of requests per route and status,
// what the Worker answers (status, declared headers, Content-Type, the JSON or decoded MessagePack
// body) validates against /openapi.json's schema for that route, method and status, with
// @cfworker/json-schema (JSON Schema 2020-12, as OpenAPI 3.1 uses it; runs in workerd).
// A status an operation does not declare is a finding too. 405 and unknown routes have no
// operation: their bodies are checked against the Error component, and 405's Allow against the
// path's documented methods.
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { Validator } from '@cfworker/json-schema';
import { decode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { principalOf } from '../../src/http/middleware/auth.ts';
import { newJobFor } from '../../src/jobs/requests.ts';
import { createServices } from '../../src/services.ts';
import { harness } from '../http/harness.ts';

type Json = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

const BASE = 'https://vitals.test';
const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
const JSON_TYPE = { 'content-type': 'application/json' };
const MSGPACK = { accept: 'application/msgpack' };

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 10);
const POINTS = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 2)
  .map((p) => p.point.name);
const TS_QUERY = `points=${encodeURIComponent(POINTS.join(','))}&start=${T0}&end=${T0 + 2 * 3_600_000}`;
const TS_BODY = { points: POINTS, start: T0, end: T0 + 2 * 3_600_000 };
const CHART = {
  name: 'conformance',
  site: 'demo-small',
  points: POINTS,
  range: { start: T0, end: T0 + DAY },
  options: { y: { min: 0 } },
};

let seq = 0;
const fresh = () => `conf-${++seq}-${crypto.randomUUID()}`;
/** One caller for the stateful cases (its budget is 600 a minute; this file sends far fewer). */
const OWNER = fresh();
const auth = (token: string = OWNER) => ({ authorization: `Bearer ${token}` });

let doc: Doc;
const state = {
  chartId: '',
  deletableChartId: '',
  doneJobId: '',
  queuedJobId: '',
  cancelJobId: '',
  expiredJobId: '',
};

/** A job row written through the store (no message, so it stays queued), optionally advanced. */
async function storedJob(dayOffset: number, advance?: 'expired'): Promise<string> {
  const services = createServices(env, createExecutionContext());
  const made = await services.jobStore.create(
    await newJobFor(await principalOf(OWNER), {
      site: 'demo-small',
      points: POINTS,
      startMs: T0 + dayOffset * DAY,
      endMs: T0 + (dayOffset + 1) * DAY,
      interval: 'raw',
      layout: 'columns',
      priority: 'normal',
      estimatedSamples: 10,
    }),
  );
  if (!made.ok) throw new Error(`create failed: ${made.error.kind}`);
  const id = made.value.job.id;
  if (advance === 'expired') {
    expect((await services.jobStore.claim(id)).ok).toBe(true);
    const done = await services.jobStore.succeed(id, {
      key: `results/${id}`,
      bytes: 1,
      samples: 1,
      expiresAt: Date.now() - 1,
    });
    expect(done.ok).toBe(true);
  }
  return id;
}

const call = (path: string, init: RequestInit = {}) => exports.default.fetch(`${BASE}${path}`, init);

beforeAll(async () => {
  doc = await (await call('/openapi.json')).json<Doc>();

  const chart = await call('/api/charts', {
    method: 'POST',
    headers: { ...auth(), ...JSON_TYPE },
    body: JSON.stringify(CHART),
  });
  state.chartId = (await chart.json<{ id: string }>()).id;
  const other = await call('/api/charts', {
    method: 'POST',
    headers: { ...auth(), ...JSON_TYPE },
    body: JSON.stringify({ ...CHART, name: 'to delete' }),
  });
  state.deletableChartId = (await other.json<{ id: string }>()).id;

  state.queuedJobId = await storedJob(30);
  state.cancelJobId = await storedJob(31);
  state.expiredJobId = await storedJob(32, 'expired');

  // A job that runs through the real queue and consumer, for the 200 of its status and result.
  const accepted = await call('/api/sites/demo-small/timeseries', {
    method: 'POST',
    headers: { ...auth(), ...JSON_TYPE, prefer: 'respond-async' },
    body: JSON.stringify({ ...TS_BODY, start: T0 + 5 * DAY, end: T0 + 5 * DAY + 3_600_000 }),
  });
  expect(accepted.status).toBe(202);
  state.doneJobId = (await accepted.json<{ job: { id: string } }>()).job.id;
  for (let i = 0; i < 150; i++) {
    const res = await call(`/api/jobs/${state.doneJobId}`, { headers: auth() });
    const { status } = await res.json<{ status: string }>();
    if (status === 'succeeded') break;
    if (['failed', 'dead', 'cancelled'].includes(status)) throw new Error(`job ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

// --- Validation against the document ----------------------------------------------------------

/** Rewrites `#/components/schemas/X` to `#/$defs/X`, so one schema carries every definition. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/components/schemas/', '#/$defs/')
          : rewriteRefs(v),
      ]),
    );
  }
  return node;
}

function schemaProblems(schema: unknown, value: unknown): string[] {
  const root = { ...(rewriteRefs(schema) as Json), $defs: rewriteRefs(doc.components.schemas) as Json };
  const result = new Validator(root as never, '2020-12', false).validate(value);
  return result.valid
    ? []
    : result.errors
        .filter((e) => e.keyword !== 'properties' && e.keyword !== '$ref' && e.keyword !== 'allOf')
        .slice(0, 8)
        .map((e) => `${e.instanceLocation}: ${e.error}`);
}

/** The response's body as the client reads it: JSON, decoded MessagePack, or raw text. */
async function bodyOf(res: Response): Promise<{ mediaType: string; value: unknown; size: number }> {
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length === 0) return { mediaType, value: undefined, size: 0 };
  if (mediaType === 'application/json' || mediaType.endsWith('+json'))
    return { mediaType, value: JSON.parse(new TextDecoder().decode(bytes)), size: bytes.length };
  if (mediaType.includes('msgpack')) return { mediaType, value: decode(bytes), size: bytes.length };
  return { mediaType, value: new TextDecoder().decode(bytes), size: bytes.length };
}

/** The headers API.md promises on a route's answer with this status (beyond X-Request-Id). */
function requiredHeaders(template: string, status: number): string[] {
  const required: string[] = [];
  if (status === 429) required.push('Retry-After');
  if (template === '/api/sites/{site}/timeseries') {
    if (status === 200) required.push('X-Cache', 'Server-Timing');
    if (status === 202) required.push('Location', 'Retry-After');
  }
  if (template === '/api/charts' && status === 201) required.push('Location');
  return required;
}

/** What does not conform in a response to `method template` (empty when it all does). */
async function nonConformance(template: string, method: string, res: Response): Promise<string[]> {
  const problems: string[] = [];
  if (!res.headers.get('x-request-id')) problems.push('no X-Request-Id');
  const item = doc.paths[template];
  const op = item?.[method.toLowerCase()];
  const body = await bodyOf(res);

  if (!op) {
    // No operation: a 404 for an unknown route, or a 405 for a known path. The Error schema.
    if (res.status === 405) {
      const documented = Object.keys(item ?? {})
        .map((m) => m.toUpperCase())
        .sort();
      const allow = (res.headers.get('allow') ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m && m !== 'HEAD' && m !== 'OPTIONS')
        .sort();
      if (JSON.stringify(allow) !== JSON.stringify(documented))
        problems.push(`Allow ${allow.join(',')} ≠ documented ${documented.join(',')}`);
    }
    if (body.mediaType !== 'application/json') problems.push(`Content-Type ${body.mediaType}`);
    problems.push(...schemaProblems({ $ref: '#/components/schemas/Error' }, body.value));
    return problems;
  }

  const responses = op.responses as Record<string, Json>;
  const declared =
    responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
  if (!declared) return [...problems, `status ${res.status} is not declared for ${method} ${template}`];

  const declaredHeaders = Object.keys((declared.headers as Json | undefined) ?? {}).map((h) =>
    h.toLowerCase(),
  );
  for (const name of requiredHeaders(template, res.status)) {
    if (!declaredHeaders.includes(name.toLowerCase()))
      problems.push(`${name} is not declared for ${res.status}`);
  }

  for (const [name, header] of Object.entries((declared.headers as Record<string, Json> | undefined) ?? {})) {
    const value = res.headers.get(name);
    if (value === null) {
      problems.push(`declared header ${name} missing`);
      continue;
    }
    const schema = (header.schema as Json | undefined) ?? {};
    const typed = schema.type === 'integer' || schema.type === 'number' ? Number(value) : value;
    problems.push(...schemaProblems(schema, typed).map((p) => `header ${name}${p}`));
  }

  const content = declared.content as Record<string, { schema?: unknown }> | undefined;
  if (!content) {
    if (body.size > 0) problems.push(`undeclared body (${body.size} bytes, ${body.mediaType})`);
    return problems;
  }
  const media = content[body.mediaType];
  if (!media) {
    problems.push(`Content-Type ${body.mediaType || '(none)'} not in ${Object.keys(content).join(', ')}`);
    return problems;
  }
  problems.push(...schemaProblems(media.schema ?? {}, body.value));
  return problems;
}

// --- The cases ---------------------------------------------------------------------------------

interface Case {
  template: string;
  method: string;
  status: number;
  note: string;
  send: () => Promise<Response>;
}

const ts = '/api/sites/{site}/timeseries';
const c = (template: string, method: string, status: number, note: string, send: Case['send']): Case => ({
  template,
  method,
  status,
  note,
  send,
});

const get = (path: string, headers: Record<string, string> = auth()) => call(path, { headers });
const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method,
    headers: { ...auth(), ...JSON_TYPE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** A caller whose rate limit is spent: the real binding is asked, and its answer overruled. */
const limited = harness({
  env: {
    RATE_LIMITER: {
      limit: async (options) => {
        await env.RATE_LIMITER.limit(options);
        return { success: false };
      },
    },
  },
});

const CASES: Case[] = [
  c('/health', 'GET', 200, 'no auth', () => call('/health')),
  c('/openapi.json', 'GET', 200, 'no auth', () => call('/openapi.json')),

  c('/api/sites/{site}/points', 'GET', 200, 'first page', () => get('/api/sites/demo-small/points?limit=5')),
  c('/api/sites/{site}/points', 'GET', 400, 'limit=0', () => get('/api/sites/demo-small/points?limit=0')),
  c('/api/sites/{site}/points', 'GET', 401, 'no token', () => get('/api/sites/demo-small/points', {})),
  c('/api/sites/{site}/points', 'GET', 403, 'ACE refuses the token', () =>
    get('/api/sites/demo-small/points', auth(`forbidden-${fresh()}`)),
  ),
  c('/api/sites/{site}/points', 'GET', 404, 'unknown site', () => get('/api/sites/no-such-site/points')),
  c('/api/sites/{site}/points', 'GET', 429, 'budget spent', () =>
    limited.fetch('/api/sites/demo-small/points', { headers: auth(fresh()) }),
  ),

  c(ts, 'GET', 200, 'JSON, columns', () => get(`/api/sites/demo-small/timeseries?${TS_QUERY}`)),
  c(ts, 'GET', 200, 'MessagePack, rows', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}&layout=rows`, { ...auth(), ...MSGPACK }),
  ),
  c(ts, 'GET', 200, '?format=msgpack, 1h', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}&interval=1h&format=msgpack`),
  ),
  c(ts, 'GET', 200, 'Accept: application/x-msgpack', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}`, { ...auth(), accept: 'application/x-msgpack' }),
  ),
  c(ts, 'GET', 202, 'Prefer: respond-async', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}&interval=5m`, {
      ...auth(fresh()),
      prefer: 'respond-async',
    }),
  ),
  c(ts, 'GET', 202, 'Prefer: respond-async, MessagePack', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}&interval=1d`, {
      ...auth(fresh()),
      ...MSGPACK,
      prefer: 'respond-async',
    }),
  ),
  c(ts, 'GET', 400, 'end before start', () =>
    get(`/api/sites/demo-small/timeseries?points=a&start=${T0}&end=${T0 - 1}`),
  ),
  c(ts, 'GET', 401, 'malformed Authorization', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}`, { authorization: 'Basic eDp5' }),
  ),
  c(ts, 'GET', 403, 'ACE refuses the token', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}`, auth(`forbidden-${fresh()}`)),
  ),
  c(ts, 'GET', 404, 'unknown site', () => get(`/api/sites/no-such-site/timeseries?${TS_QUERY}`)),
  c(ts, 'PATCH', 405, 'no PATCH', () =>
    call('/api/sites/demo-small/timeseries', { method: 'PATCH', headers: auth() }),
  ),
  c(ts, 'GET', 406, 'Accept: text/html', () =>
    get(`/api/sites/demo-small/timeseries?${TS_QUERY}`, { ...auth(), accept: 'text/html' }),
  ),
  c(ts, 'GET', 429, 'budget spent', () =>
    limited.fetch(`/api/sites/demo-small/timeseries?${TS_QUERY}`, { headers: auth(fresh()) }),
  ),
  c(ts, 'POST', 200, 'JSON body', () => send('POST', '/api/sites/demo-small/timeseries', TS_BODY)),
  c(ts, 'POST', 202, 'Prefer: respond-async', () =>
    send(
      'POST',
      '/api/sites/demo-small/timeseries',
      { ...TS_BODY, start: T0 + 7 * DAY, end: T0 + 7 * DAY + 3_600_000 },
      { ...auth(fresh()), prefer: 'respond-async' },
    ),
  ),
  c(ts, 'POST', 400, 'malformed JSON', () => send('POST', '/api/sites/demo-small/timeseries', '{"points":')),
  c(ts, 'POST', 400, 'unknown field', () =>
    send('POST', '/api/sites/demo-small/timeseries', { ...TS_BODY, pionts: [] }),
  ),
  c(ts, 'POST', 406, 'Accept: image/png', () =>
    send('POST', '/api/sites/demo-small/timeseries', TS_BODY, { accept: 'image/png' }),
  ),
  c(ts, 'POST', 413, 'over 1 MiB', () =>
    send('POST', '/api/sites/demo-small/timeseries', JSON.stringify({ points: ['x'.repeat(1_100_000)] })),
  ),
  c(ts, 'POST', 415, 'text/plain', () =>
    send('POST', '/api/sites/demo-small/timeseries', TS_BODY, { 'content-type': 'text/plain' }),
  ),

  c('/api/sites/{site}/timeseries/paginated', 'GET', 200, 'ACE page', () =>
    get(
      `/api/sites/demo-small/timeseries/paginated?start_time=2026-02-10T00:00:00&end_time=2026-02-10T01:00:00&page_size=100&point_names=${encodeURIComponent(POINTS.join(','))}`,
    ),
  ),
  c('/api/sites/{site}/timeseries/paginated', 'GET', 400, 'page_size off the enum', () =>
    get(
      '/api/sites/demo-small/timeseries/paginated?start_time=2026-02-10T00:00:00&end_time=2026-02-10T01:00:00&page_size=7',
    ),
  ),
  c('/api/sites/{site}/timeseries/paginated', 'GET', 404, 'unknown site', () =>
    get(
      '/api/sites/no-such-site/timeseries/paginated?start_time=2026-02-10T00:00:00&end_time=2026-02-10T01:00:00&page_size=100',
    ),
  ),

  c('/api/sites/{site}/aggregates', 'GET', 200, 'JSON', () =>
    get(`/api/sites/demo-small/aggregates?${TS_QUERY}&interval=1h`),
  ),
  c('/api/sites/{site}/aggregates', 'GET', 200, 'MessagePack', () =>
    get(`/api/sites/demo-small/aggregates?${TS_QUERY}&interval=1d`, { ...auth(), ...MSGPACK }),
  ),
  c('/api/sites/{site}/aggregates', 'GET', 400, 'interval=5m', () =>
    get(`/api/sites/demo-small/aggregates?${TS_QUERY}&interval=5m`),
  ),
  c('/api/sites/{site}/aggregates', 'GET', 406, 'Accept: text/csv', () =>
    get(`/api/sites/demo-small/aggregates?${TS_QUERY}`, { ...auth(), accept: 'text/csv' }),
  ),

  c('/api/jobs/{id}', 'GET', 200, 'succeeded job', () => get(`/api/jobs/${state.doneJobId}`)),
  c('/api/jobs/{id}', 'GET', 200, 'queued job', () => get(`/api/jobs/${state.queuedJobId}`)),
  c('/api/jobs/{id}', 'GET', 400, 'malformed id', () => get('/api/jobs/not%20an%20id')),
  c('/api/jobs/{id}', 'GET', 404, "another principal's job", () =>
    get(`/api/jobs/${state.doneJobId}`, auth(fresh())),
  ),
  c('/api/jobs/{id}/result', 'GET', 200, 'JSON', () => get(`/api/jobs/${state.doneJobId}/result`)),
  c('/api/jobs/{id}/result', 'GET', 200, 'MessagePack rows', () =>
    get(`/api/jobs/${state.doneJobId}/result?layout=rows`, { ...auth(), ...MSGPACK }),
  ),
  c('/api/jobs/{id}/result', 'GET', 404, 'unknown job', () => get(`/api/jobs/${crypto.randomUUID()}/result`)),
  c('/api/jobs/{id}/result', 'GET', 406, 'Accept: text/html', () =>
    get(`/api/jobs/${state.doneJobId}/result`, { ...auth(), accept: 'text/html' }),
  ),
  c('/api/jobs/{id}/result', 'GET', 409, 'not yet succeeded', () =>
    get(`/api/jobs/${state.queuedJobId}/result`),
  ),
  c('/api/jobs/{id}/result', 'GET', 410, 'expired', () => get(`/api/jobs/${state.expiredJobId}/result`)),
  c('/api/jobs/{id}', 'DELETE', 200, 'cancel a queued job', () =>
    call(`/api/jobs/${state.cancelJobId}`, { method: 'DELETE', headers: auth() }),
  ),
  c('/api/jobs/{id}', 'DELETE', 409, 'cancel a finished job', () =>
    call(`/api/jobs/${state.doneJobId}`, { method: 'DELETE', headers: auth() }),
  ),
  c('/api/jobs/{id}', 'DELETE', 404, 'unknown job', () =>
    call(`/api/jobs/${crypto.randomUUID()}`, { method: 'DELETE', headers: auth() }),
  ),

  c('/api/charts', 'GET', 200, 'list', () => get('/api/charts?limit=10')),
  c('/api/charts', 'GET', 400, 'limit=1000', () => get('/api/charts?limit=1000')),
  c('/api/charts', 'POST', 201, 'create', () => send('POST', '/api/charts', { ...CHART, name: 'created' })),
  c('/api/charts', 'POST', 400, 'blank name', () => send('POST', '/api/charts', { ...CHART, name: ' ' })),
  c('/api/charts', 'POST', 413, 'over 1 MiB', () =>
    send('POST', '/api/charts', { ...CHART, options: { x: 'x'.repeat(1_100_000) } }),
  ),
  c('/api/charts', 'POST', 415, 'form body', () =>
    send('POST', '/api/charts', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
  ),
  c('/api/charts', 'DELETE', 405, 'no DELETE on the list', () =>
    call('/api/charts', { method: 'DELETE', headers: auth() }),
  ),
  c('/api/charts/{id}', 'GET', 200, 'read', () => get(`/api/charts/${state.chartId}`)),
  c('/api/charts/{id}', 'GET', 404, "another principal's chart", () =>
    get(`/api/charts/${state.chartId}`, auth(fresh())),
  ),
  c('/api/charts/{id}', 'PUT', 200, 'replace', () =>
    send('PUT', `/api/charts/${state.chartId}`, { ...CHART, name: 'replaced' }),
  ),
  c('/api/charts/{id}', 'PUT', 400, 'range reversed', () =>
    send('PUT', `/api/charts/${state.chartId}`, { ...CHART, range: { start: T0, end: T0 } }),
  ),
  c('/api/charts/{id}', 'PUT', 404, 'unknown chart', () =>
    send('PUT', `/api/charts/${crypto.randomUUID()}`, CHART),
  ),
  c('/api/charts/{id}', 'DELETE', 204, 'delete', () =>
    call(`/api/charts/${state.deletableChartId}`, { method: 'DELETE', headers: auth() }),
  ),
  c('/api/charts/{id}', 'DELETE', 404, 'deleted already', () =>
    call(`/api/charts/${state.deletableChartId}`, { method: 'DELETE', headers: auth() }),
  ),
  c('/api/charts/{id}', 'POST', 405, 'no POST on a chart', () =>
    send('POST', `/api/charts/${state.chartId}`, CHART),
  ),

  c('/api/admin/stats', 'GET', 200, 'stats', () => get('/api/admin/stats', ADMIN)),
  c('/api/admin/stats', 'GET', 401, 'an ACE token', () => get('/api/admin/stats', auth())),
  c('/api/admin/dlq', 'GET', 200, 'open letters', () => get('/api/admin/dlq?limit=5', ADMIN)),
  c('/api/admin/dlq', 'GET', 400, 'state=closed', () => get('/api/admin/dlq?state=closed', ADMIN)),
  c('/api/admin/dlq/{id}/replay', 'POST', 404, 'unknown letter', () =>
    call(`/api/admin/dlq/${crypto.randomUUID()}/replay`, { method: 'POST', headers: ADMIN }),
  ),
  c('/api/admin/dlq/{id}/replay', 'POST', 401, 'no token', () =>
    call(`/api/admin/dlq/${crypto.randomUUID()}/replay`, { method: 'POST' }),
  ),
  c('/api/admin/cache/purge', 'POST', 200, "one site's chunks", () =>
    call('/api/admin/cache/purge', {
      method: 'POST',
      headers: { ...ADMIN, ...JSON_TYPE },
      body: JSON.stringify({ site: 'no-such-site' }),
    }),
  ),
  c('/api/admin/cache/purge', 'POST', 400, 'bare POST', () =>
    call('/api/admin/cache/purge', { method: 'POST', headers: ADMIN }),
  ),
  // Not 415 like every other JSON route: the purge route's Content-Type header check (which
  // keeps a bare POST from purging everything) refuses first, as a 400 naming content-type.
  c('/api/admin/cache/purge', 'POST', 400, 'text/plain body: 400, not 415', () =>
    call('/api/admin/cache/purge', {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'text/plain' },
      body: '{}',
    }),
  ),

  c('/api/no-such-route', 'GET', 404, 'unknown route', () => get('/api/no-such-route')),
  c('/nowhere', 'GET', 404, 'unknown route outside /api', () => call('/nowhere')),
];

const observed: string[] = [];

describe('every observed response conforms to /openapi.json', () => {
  it.each(CASES.map((k) => [`${k.method} ${k.template} → ${k.status} (${k.note})`, k] as const))(
    '%s',
    async (_name, k) => {
      const res = await k.send();
      observed.push(`${k.method} ${k.template} ${res.status}`);
      expect(res.status, k.note).toBe(k.status);
      expect(
        await nonConformance(k.template, k.method, res),
        `${k.method} ${k.template} ${k.status}`,
      ).toEqual([]);
    },
  );

  it('has a validator that refuses what the document refuses (the checks are not vacuous)', async () => {
    const body = await (await get(`/api/sites/demo-small/timeseries?${TS_QUERY}`)).json<Json>();
    const ok = ((doc.paths[ts]?.get?.responses ?? {}) as Record<string, Json>)['200'] ?? {};
    const json = ((ok.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
    expect(json).toBeDefined();
    expect(schemaProblems(json, body)).toEqual([]);
    expect(schemaProblems(json, { ...body, meta: { ...(body.meta as Json), cache: 'HIT' } })).not.toEqual([]);
    expect(schemaProblems(json, { ...body, series: [{ point: 'p', t: ['1'], v: [1] }] })).not.toEqual([]);
    const error = { $ref: '#/components/schemas/Error' };
    expect(schemaProblems(error, { error: { code: 'oops', message: 'm', request_id: 'r' } })).not.toEqual([]);
    expect(schemaProblems(error, { error: { code: 'not_found', message: 'm' } })).not.toEqual([]);
    expect(schemaProblems(error, { error: { code: 'not_found', message: 'm', request_id: 'r' } })).toEqual(
      [],
    );
  });

  it('covers every operation of the document', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const covered = new Set(CASES.map((k) => `${k.method} ${k.template}`));
    expect(ops.filter((op) => !covered.has(op))).toEqual([]);
  });
});

afterAll(() => {
  const byRoute = new Map<string, string[]>();
  for (const o of observed) {
    const [method, template, status] = o.split(' ') as [string, string, string];
    const key = `${method} ${template}`;
    byRoute.set(key, [...(byRoute.get(key) ?? []), status]);
  }
  console.log(
    `conformance: ${observed.length} responses checked\n${[...byRoute.entries()]
      .map(([k, v]) => `| ${k} | ${[...new Set(v)].sort().join(', ')} |`)
      .join('\n')}`,
  );
});
