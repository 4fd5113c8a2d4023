// http/openapi.ts (checklist C14): GET /openapi.json is a structurally valid OpenAPI 3.1
// document generated from the route definitions: every registered route is in `paths` with
// its method, every operation has responses (the edge's error responses included), /api/*
// operations carry the bearer security, and a route added to the app appears by itself.
import { exports } from 'cloudflare:workers';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { siteParamsSchema } from '../../src/http/schemas/common.ts';
import { timeseriesBodySchema, timeseriesQuerySchema } from '../../src/http/schemas/timeseries.ts';
import { BASE, harness } from './harness.ts';

type Json = Record<string, unknown>;
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

async function fetchDoc(
  fetcher: (path: string) => Promise<Response> = (p) => exports.default.fetch(`${BASE}${p}`),
): Promise<Doc> {
  const res = await fetcher('/openapi.json');
  expect(res.status).toBe(200);
  return res.json<Doc>();
}

/** Every operation as [path, method, operation]. */
function operations(doc: Doc): [string, string, Json][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => [path, m, op] as [string, string, Json]),
  );
}

/** Every `$ref` anywhere in the document. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

/** Structural checks of OpenAPI 3.1 that hold for any valid document; returns the problems. */
function problems(doc: Doc): string[] {
  const found: string[] = [];
  if (!/^3\.1\.\d+$/.test(doc.openapi)) found.push(`openapi ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') found.push('info');
  if (!doc.paths || typeof doc.paths !== 'object') found.push('paths');
  const operationIds = new Set<string>();
  for (const [path, method, op] of operations(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    if (!path.startsWith('/')) found.push(`${where}: path must start with /`);
    const responses = op.responses as Record<string, Json> | undefined;
    if (!responses || Object.keys(responses).length === 0) found.push(`${where}: no responses`);
    for (const [status, r] of Object.entries(responses ?? {})) {
      if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) found.push(`${where}: status ${status}`);
      if (typeof r.description !== 'string') found.push(`${where} ${status}: no description`);
    }
    const params = (op.parameters as Json[] | undefined) ?? [];
    for (const p of params) {
      if (!['path', 'query', 'header', 'cookie'].includes(p.in as string))
        found.push(`${where}: parameter in ${p.in}`);
      if (typeof p.name !== 'string') found.push(`${where}: unnamed parameter`);
      if (p.in === 'path' && p.required !== true)
        found.push(`${where}: path parameter ${p.name} not required`);
    }
    for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
      if (!params.some((p) => p.in === 'path' && p.name === name))
        found.push(`${where}: {${name}} not declared`);
    }
    for (const requirement of (op.security as Json[] | undefined) ?? []) {
      for (const scheme of Object.keys(requirement)) {
        if (!doc.components.securitySchemes?.[scheme])
          found.push(`${where}: unknown security scheme ${scheme}`);
      }
    }
    if (typeof op.operationId === 'string') {
      if (operationIds.has(op.operationId)) found.push(`${where}: duplicate operationId`);
      operationIds.add(op.operationId);
    }
  }
  for (const ref of refs(doc)) {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((n, k) => (n as Json | undefined)?.[k], doc);
    if (!ref.startsWith('#/') || target === undefined) found.push(`unresolved ${ref}`);
  }
  return found;
}

/** The Hono routes of an app as "METHOD /path/{param}" (middleware excluded). */
function honoRoutes(app: ReturnType<typeof createApp>): string[] {
  return [
    ...new Set(
      app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    ),
  ].sort();
}

const documented = (doc: Doc) =>
  operations(doc)
    .map(([path, method]) => `${method.toUpperCase()} ${path}`)
    .sort();

describe('GET /openapi.json', () => {
  it('needs no token and is a structurally valid OpenAPI 3.1 document', async () => {
    const doc = await fetchDoc();
    expect(problems(doc)).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('vitals-edge');
  });

  it('lists every route the app serves, with its method, and nothing else', async () => {
    expect(documented(await fetchDoc())).toEqual(honoRoutes(createApp()));
  });

  it('covers the routes of API.md that exist so far', async () => {
    const paths = documented(await fetchDoc());
    expect(paths).toEqual(
      expect.arrayContaining(['GET /health', 'GET /openapi.json', 'GET /api/sites/{site}/points']),
    );
  });

  it('declares the bearer and X-ACE-Token schemes and the error schema', async () => {
    const doc = await fetchDoc();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.aceToken).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-ACE-Token',
    });
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: ['error'] });
  });

  it('gives every operation the generic 500, and every /api operation security, 401 and 429', async () => {
    for (const [path, method, op] of operations(await fetchDoc())) {
      const responses = op.responses as Json;
      expect(responses, `${method} ${path}`).toHaveProperty('500');
      if (path.startsWith('/api/admin/')) {
        // The admin door takes the ADMIN_TOKEN only; an operation without input has no 400.
        expect(op.security, `${method} ${path}`).toEqual([{ adminToken: [] }]);
        expect(Object.keys(responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401']));
      } else if (path.startsWith('/api/')) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { aceToken: [] }]);
        expect(Object.keys(responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(['400', '401', '429']),
        );
      } else {
        expect(op.security, `${method} ${path}`).toBeUndefined();
      }
    }
  });
});

describe('generated, not written', () => {
  const h = harness({
    mount: (app) => {
      app.openapi(
        createRoute({
          method: 'get',
          path: '/api/sites/{site}/spec-timeseries',
          request: { params: siteParamsSchema, query: timeseriesQuerySchema },
          responses: {
            200: {
              description: 'series',
              content: {
                'application/json': { schema: z.object({}) },
                'application/msgpack': { schema: z.object({}) },
              },
            },
          },
        }),
        (c) => c.json({}, 200),
      );
      app.openapi(
        createRoute({
          method: 'post',
          path: '/api/sites/{site}/spec-timeseries',
          request: {
            params: siteParamsSchema,
            body: { content: { 'application/json': { schema: timeseriesBodySchema } } },
          },
          responses: {
            202: { description: 'job', content: { 'application/json': { schema: z.object({}) } } },
          },
        }),
        (c) => c.json({}, 202),
      );
    },
  });

  it('a route added to the app appears in the document by itself, still valid', async () => {
    const doc = await fetchDoc((p) => h.fetch(p));
    expect(problems(doc)).toEqual([]);
    expect(documented(doc)).toEqual(honoRoutes(h.app));
    expect(documented(doc)).toEqual(
      expect.arrayContaining([
        'GET /api/sites/{site}/spec-timeseries',
        'POST /api/sites/{site}/spec-timeseries',
      ]),
    );
  });

  it('documents the timeseries query from its zod schema', async () => {
    const op = (await fetchDoc((p) => h.fetch(p))).paths['/api/sites/{site}/spec-timeseries']?.get as Json;
    const params = op.parameters as Json[];
    expect(params.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      'path:site:true',
      'query:points:true',
      'query:start:true',
      'query:end:true',
      'query:interval:false',
      'query:layout:false',
      'query:format:false',
      'query:priority:false',
    ]);
    expect(params.find((p) => p.name === 'interval')?.schema).toMatchObject({
      enum: ['raw', '5m', '1h', '1d'],
      default: 'raw',
    });
    expect(Object.keys(op.responses as Json).sort()).toEqual(['200', '400', '401', '406', '429', '500']);
  });

  it('documents the timeseries body as a component, with its limits', async () => {
    const doc = await fetchDoc((p) => h.fetch(p));
    expect(doc.components.schemas.TimeseriesRequest).toMatchObject({
      type: 'object',
      required: ['points', 'start', 'end'],
      additionalProperties: false,
      properties: { points: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true } },
    });
    const post = doc.paths['/api/sites/{site}/spec-timeseries']?.post as Json;
    expect(Object.keys(post.responses as Json).sort()).toEqual([
      '202',
      '400',
      '401',
      '413',
      '415',
      '429',
      '500',
    ]);
  });
});
