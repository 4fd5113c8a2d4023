// The OpenAPI 3.1 document, generated from the zod route definitions every route validates
// with, then completed by one uniform policy: the security schemes on /api/*, and the error
// responses the edge itself can produce (400, 401, 406, 413, 415, 429, 500) on each operation
// they apply to. Adding a route adds it here; nothing in the document is written by hand.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { isAdminPath } from './middleware/auth.ts';
import { errorBodySchema } from './schemas/error.ts';

type Doc = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;
type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** The security requirement of caller routes: either header carries the ACE token. */
export const CALLER_SECURITY = [{ bearerAuth: [] }, { aceToken: [] }];

const errorResponse = (description: string, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ERROR_REF } },
});

const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } },
};

/** Registers what the policy refers to: the Error schema and the security schemes. */
export function registerOpenApiComponents(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.register('Error', errorBodySchema);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: "the caller's ACE token: `Authorization: Bearer <token>`",
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'aceToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-ACE-Token',
    description: "the caller's ACE token, as the existing dashboards send it",
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'the ADMIN_TOKEN secret, for /api/admin/*',
  });
}

/** Adds the edge's security and error responses to every operation of a generated document. */
export function completeDocument(doc: Doc): Doc {
  const paths: Json = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const next: Json = { ...item };
    for (const method of HTTP_METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (op) next[method] = completeOperation(path, op);
    }
    paths[path] = next;
  }
  return { ...doc, paths } as Doc;
}

function completeOperation(path: string, op: Json): Json {
  const responses: Json = { ...((op.responses as Json | undefined) ?? {}) };
  const add = (status: string, response: Json) => {
    if (!(status in responses)) responses[status] = response;
  };
  const hasInput = (Array.isArray(op.parameters) && op.parameters.length > 0) || op.requestBody !== undefined;
  let security: unknown = op.security;
  if (hasInput) add('400', errorResponse('invalid request: `details` names each bad field'));
  if (path.startsWith('/api/')) {
    security ??= isAdminPath(path) ? [{ adminToken: [] }] : CALLER_SECURITY;
    add('401', errorResponse('missing or malformed credentials'));
    // Admin routes are not rate limited (their door is the ADMIN_TOKEN, not a caller's budget).
    if (!isAdminPath(path)) add('429', errorResponse('rate limited', RETRY_AFTER));
  }
  if (offersMsgpack(responses)) add('406', errorResponse('no acceptable format (code `invalid_request`)'));
  if (op.requestBody !== undefined) {
    add('413', errorResponse('request body too large'));
    add('415', errorResponse('request body is not application/json'));
  }
  add('500', errorResponse('unexpected error (generic body; details only in logs)'));
  return { ...op, responses, ...(security ? { security } : {}) };
}

function offersMsgpack(responses: Json): boolean {
  return Object.values(responses).some((r) => {
    const content = (r as Json | undefined)?.content as Json | undefined;
    return content !== undefined && 'application/msgpack' in content;
  });
}

/** GET /openapi.json: the route definition, so the document lists itself too. */
export const openApiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['meta'],
  summary: 'This OpenAPI 3.1 document (no auth)',
  responses: {
    200: {
      description: 'the OpenAPI document',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

/** The document's fixed header. */
export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'vitals-edge',
    version: '1',
    description: 'ACE IoT building-automation timeseries for dashboards.',
  },
} as const;

/** Serves the completed document, generated once per app on first request. */
export function mountOpenApi(app: OpenAPIHono<AppEnv>): void {
  registerOpenApiComponents(app);
  let document: Doc | undefined;
  app.openapi(openApiRoute, (c) => {
    document ??= completeDocument(app.getOpenAPI31Document(OPENAPI_INFO));
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(document as unknown as Record<string, unknown>, 200);
  });
}
