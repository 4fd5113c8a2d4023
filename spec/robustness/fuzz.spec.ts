// Fuzzing the HTTP edge in workerd (issue 10): arbitrary methods, paths (every operation of
// /openapi.json, then encoded slashes, `..`, long and non-UTF-8 segments), query strings, headers
// and bodies through the Worker's own fetch handler (exports.default), with the synthetic ACE behind msw.
// Properties: never a 5xx; every error is the contract's JSON shape with a known code; nothing
// leaks (stack frames, SQL, bound parameters, tokens, ACE's bodies); another principal's chart
// and job are untouched. Prints the figures (inputs per route, outcomes by status) at the end.
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/hash.ts';
import { ERROR_CODES } from '../../src/http/to-http.ts';
import { newJobFor } from '../../src/jobs/requests.ts';
import { createServices } from '../../src/services.ts';
import { encodePageCursor } from '../../src/timeseries/ace-pages.ts';
import {
  type AuthVariant,
  authVariantArb,
  FUZZ_METHODS,
  type FuzzBody,
  type FuzzIds,
  fuzzBodyArb,
  fuzzHeadersArb,
  mutatePath,
  type PathMutation,
  pathMutationArb,
  pathParamArb,
  queryStringArb,
  routeBodyArb,
  routeQueryArb,
} from '../support/arbitraries/fuzz.ts';

const BASE = 'https://vitals.test';
const ADMIN_TOKEN = env.ADMIN_TOKEN;

// Runs per property: 400 requests take 9-18 s on two cores (ACE reads included); a deep run of
// 2,400 (1500/600/300) took 74 s and found nothing more.
const RUNS = { edge: 200, bodies: 120, victim: 80 } as const;

const STATUS_OF_CODE: Record<string, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream_error: 502,
  unavailable: 503,
  upstream_timeout: 504,
};

/** What ACE (the synthetic one, as the real one) says in its error bodies: never to be relayed. */
const ACE_BODY_MARKERS: RegExp[] = [
  /Missing Authorization Header/,
  /JWT Signature Invalid/,
  /You do not have access to this resource/,
  /Site \S+ not found/,
  /Gateway Timeout/,
  /page_size (?:is required|must be one of)/,
  /Invalid cursor/,
  /Body must be/,
  /Each point must be/,
  /points per request \(got/,
  /must be a positive integer/,
];

/** Stack frames, runtime error prefixes and SQL or D1 text. */
const INTERNAL_MARKERS: RegExp[] = [
  /\bat (?:async )?[\w$.<>]+ \(?[^\s()]+:\d+:\d+\)?/,
  /\(?(?:file|https?):\/\/\S+\.(?:ts|js|mjs):\d+/,
  /\b\S+\.(?:ts|js|mjs):\d+:\d+/,
  /\b(?:Type|Range|Syntax|Reference)?Error: /,
  /\b(?:SELECT|INSERT|UPDATE|DELETE)\b[\s\S]{0,300}?\b(?:FROM|INTO|SET|WHERE)\b/,
  /\bD1_(?:ERROR|EXEC_ERROR|TYPE_ERROR)\b/,
  /SQLITE_\w+/,
  /no such (?:table|column)/i,
  /constraint failed/i,
  /\?\d+\b.*\b(?:bind|param)/i,
];

interface Route {
  method: string;
  path: string;
  params: string[];
}

interface FuzzInput {
  route: Route;
  method: string;
  params: Record<string, string>;
  mutation: PathMutation;
  query: string;
  auth: AuthVariant;
  headers: Record<string, string>;
  body: FuzzBody | undefined;
}

/** Outcomes by route template (the operation the input was drawn from) and status. */
const figures = new Map<string, Map<number, number>>();
function record(route: Route, status: number): void {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  const byStatus = figures.get(key) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  figures.set(key, byStatus);
}

let seq = 0;
const freshToken = () => `fuzz-${++seq}-${crypto.randomUUID()}`;

/** The request an input describes, and the secrets the response must not contain. */
function build(input: FuzzInput): { request: Request; secrets: string[]; sent: string } {
  let path = input.route.path;
  for (const name of input.route.params) path = path.replace(`{${name}}`, input.params[name] ?? 'x');
  path = mutatePath(path, input.mutation);
  const url = `${BASE}${path}${input.query ? `?${input.query}` : ''}`;

  const headers = new Headers();
  for (const [k, v] of Object.entries(input.headers)) headers.set(k, v);
  const secrets = [ADMIN_TOKEN];
  const fresh = freshToken();
  switch (input.auth.kind) {
    case 'bearer':
      headers.set('authorization', `Bearer ${fresh}`);
      break;
    case 'ace-header':
      headers.set('x-ace-token', fresh);
      break;
    case 'both':
      headers.set('authorization', `Bearer ${fresh}`);
      headers.set('x-ace-token', `${fresh}-other`);
      break;
    case 'lower-scheme':
      headers.set('authorization', `bearer ${fresh}`);
      break;
    case 'double-space':
      headers.set('authorization', `Bearer  ${fresh}`);
      break;
    case 'raw':
      if (input.auth.authorization !== undefined) headers.set('authorization', input.auth.authorization);
      if (input.auth.aceToken !== undefined) headers.set('x-ace-token', input.auth.aceToken);
      for (const value of [input.auth.authorization, input.auth.aceToken]) {
        const token = value?.replace(/^Bearer +/i, '');
        if (token && token.length >= 32) secrets.push(token);
      }
      break;
    case 'none':
      break;
  }
  if (input.auth.kind !== 'none' && input.auth.kind !== 'raw') secrets.push(fresh);
  const bodyAllowed = input.method !== 'GET' && input.method !== 'HEAD';
  const body = bodyAllowed ? input.body?.text : undefined;
  const request = new Request(url, { method: input.method, headers, body });
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // Invalid percent-encoding: compare against the raw URL.
  }
  return { request, secrets, sent: `${url}\n${decoded}\n${body ?? ''}` };
}

/** The failures of one response against the edge's properties (empty when it holds them all). */
async function violations(
  res: Response,
  method: string,
  secrets: string[],
  sent: string,
  extra: string[] = [],
): Promise<string[]> {
  const found: string[] = [];
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const headerText = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  const all = `${headerText}\n${text}`;

  if (res.status >= 500) found.push(`status ${res.status}`);
  const requestId = res.headers.get('x-request-id');
  if (!requestId) found.push('no X-Request-Id');

  if (res.status >= 400 && method !== 'HEAD') {
    if (!/^application\/json\b/.test(res.headers.get('content-type') ?? ''))
      found.push(`error content-type ${res.headers.get('content-type')}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      found.push(`error body is not JSON: ${text.slice(0, 80)}`);
    }
    if (parsed !== undefined) found.push(...errorShapeProblems(parsed, res.status, requestId));
  }

  for (const pattern of [...INTERNAL_MARKERS, ...ACE_BODY_MARKERS]) {
    const m = pattern.exec(all);
    if (m && !sent.includes(m[0])) found.push(`leaks ${pattern}: ${m[0].slice(0, 80)}`);
  }
  for (const secret of [...secrets, ...extra]) {
    if (all.includes(secret) && !sent.includes(secret)) found.push(`leaks a secret ${secret.slice(0, 12)}…`);
  }
  return found;
}

function errorShapeProblems(body: unknown, status: number, requestId: string | null): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(body) || !isObject(body.error) || Object.keys(body).length !== 1) return ['error shape'];
  const e = body.error;
  if (!(ERROR_CODES as readonly unknown[]).includes(e.code)) problems.push(`unknown code ${String(e.code)}`);
  else if (status !== 406 && STATUS_OF_CODE[e.code as string] !== status)
    problems.push(`code ${String(e.code)} with status ${status}`);
  else if (status === 406 && e.code !== 'invalid_request') problems.push(`406 with ${String(e.code)}`);
  if (typeof e.message !== 'string' || e.message.length === 0) problems.push('no message');
  if (typeof e.request_id !== 'string' || e.request_id !== requestId)
    problems.push('request_id ≠ X-Request-Id');
  const allowed = new Set(['code', 'message', 'request_id', 'details']);
  for (const k of Object.keys(e)) if (!allowed.has(k)) problems.push(`extra field ${k}`);
  if (e.details !== undefined) {
    if (
      !Array.isArray(e.details) ||
      !e.details.every((d) => isObject(d) && typeof d.path === 'string' && typeof d.message === 'string')
    )
      problems.push('details shape');
  }
  return problems;
}

// --- The other principal whose data no request may touch -------------------------------------

const victim = {
  token: `victim-${crypto.randomUUID()}`,
  principal: '',
  chartId: '',
  chartName: `victim-chart-${crypto.randomUUID()}`,
  jobId: '',
};

async function victimSnapshot(): Promise<unknown> {
  const auth = { authorization: `Bearer ${victim.token}` };
  const chart = await exports.default.fetch(`${BASE}/api/charts/${victim.chartId}`, { headers: auth });
  const job = await exports.default.fetch(`${BASE}/api/jobs/${victim.jobId}`, { headers: auth });
  const list = await exports.default.fetch(`${BASE}/api/charts`, { headers: auth });
  const rows = await env.DB.batch([
    env.DB.prepare('SELECT * FROM chart_configs WHERE owner = ? ORDER BY id').bind(victim.principal),
    env.DB.prepare('SELECT * FROM queue_jobs WHERE principal = ? ORDER BY id').bind(victim.principal),
  ]);
  return {
    chart: [chart.status, await chart.json()],
    job: [job.status, await job.json()],
    list: [list.status, await list.json()],
    rows: rows.map((r) => r.results),
  };
}

let routes: Route[] = [];
let ids: FuzzIds = { known: [] };
let before: unknown;

beforeAll(async () => {
  const doc = await (await exports.default.fetch(`${BASE}/openapi.json`)).json<{
    paths: Record<string, Record<string, unknown>>;
  }>();
  routes = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
      .map((method) => ({
        method: method.toUpperCase(),
        path,
        params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
      })),
  );

  victim.principal = await sha256Hex(victim.token);
  const created = await exports.default.fetch(`${BASE}/api/charts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${victim.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: victim.chartName,
      site: 'demo-small',
      points: ['AHU-01-ZoneTemp'],
      range: { start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 2, 2) },
      options: { color: 'red' },
    }),
  });
  expect(created.status).toBe(201);
  victim.chartId = (await created.json<{ id: string }>()).id;
  // A job row written through the store: no message is sent, so it stays queued.
  const services = createServices(env, createExecutionContext());
  const made = await services.jobStore.create(
    await newJobFor(victim.principal, {
      site: 'demo-small',
      points: ['AHU-01-ZoneTemp'],
      startMs: Date.UTC(2026, 2, 1),
      endMs: Date.UTC(2026, 2, 2),
      interval: 'raw',
      layout: 'columns',
      priority: 'normal',
      estimatedSamples: 10,
    }),
  );
  if (!made.ok) throw new Error(`job create failed: ${made.error.kind}`);
  victim.jobId = made.value.job.id;
  ids = { known: [victim.chartId, victim.jobId] };
  before = await victimSnapshot();
});

afterAll(() => {
  const statuses = [...new Set([...figures.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const lines = [
    `| route | inputs | ${statuses.join(' | ')} |`,
    `|---|---:|${statuses.map(() => '---:').join('|')}|`,
    ...[...figures.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, m]) => {
        const total = [...m.values()].reduce((a, b) => a + b, 0);
        return `| ${route} | ${total} | ${statuses.map((s) => m.get(s) ?? 0).join(' | ')} |`;
      }),
  ];
  console.log(`fuzz figures (inputs per route, outcomes by status):\n${lines.join('\n')}`);
});

function inputArb(
  routeArb: fc.Arbitrary<Route>,
  body: fc.Arbitrary<FuzzBody | undefined> = fuzzBodyArb,
): fc.Arbitrary<FuzzInput> {
  return routeArb.chain((route) => {
    const admin = route.path.startsWith('/api/admin');
    const headers = fc
      .tuple(fuzzHeadersArb, fc.boolean())
      // Half the time a plain JSON content type, so bodies reach the validators.
      .map(([h, json]) => (json ? { ...h, 'content-type': 'application/json' } : h));
    const params = (sane: boolean) =>
      fc.record(
        Object.fromEntries(
          route.params.map((p) => [
            p,
            sane && p === 'site' ? fc.constant('demo-small') : pathParamArb(p, ids),
          ]),
        ),
      );
    // Chaos in every dimension at once mostly stops at the first check (auth, the path); a
    // sane request with one axis of chaos (headers, body) reaches the services and ACE.
    const chaos = fc.record({
      route: fc.constant(route),
      method: fc.oneof(
        { weight: 5, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom(...FUZZ_METHODS) },
      ),
      params: params(false),
      mutation: fc.oneof({ weight: 3, arbitrary: fc.constant('none' as const) }, pathMutationArb),
      query: fc.oneof(routeQueryArb(route.path), queryStringArb),
      auth: authVariantArb(ADMIN_TOKEN, admin),
      headers,
      body,
    });
    const sane = fc.record({
      route: fc.constant(route),
      method: fc.constant(route.method),
      params: params(true),
      mutation: fc.constant('none' as const),
      query: routeQueryArb(route.path),
      auth: admin
        ? fc.constant<AuthVariant>({ kind: 'raw', authorization: `Bearer ${ADMIN_TOKEN}` })
        : fc.constantFrom<AuthVariant>({ kind: 'bearer' }, { kind: 'ace-header' }),
      headers: fuzzHeadersArb.map((h) => ({ ...h, 'content-type': 'application/json' })),
      body: fc.oneof(routeBodyArb(route.path), body),
    });
    return fc.oneof({ weight: 3, arbitrary: chaos }, { weight: 2, arbitrary: sane });
  });
}

async function holds(input: FuzzInput): Promise<void> {
  const { request, secrets, sent } = build(input);
  const res = await exports.default.fetch(request);
  record(input.route, res.status);
  const problems = await violations(res, input.method, secrets, sent, [
    victim.token,
    victim.principal,
    victim.chartName,
  ]);
  expect(problems, `${request.method} ${request.url.slice(0, 300)}`).toEqual([]);
}

describe('the checks themselves', () => {
  it('flag a 5xx, a stack frame, SQL, a token, an upstream body and a malformed error', async () => {
    const secret = `fuzz-secret-${crypto.randomUUID()}`;
    const answer = (status: number, body: string, type = 'application/json') =>
      new Response(body, { status, headers: { 'content-type': type, 'x-request-id': 'req-12345678' } });
    const flagged = async (res: Response) =>
      (await violations(res, 'GET', [secret], 'https://vitals.test/')).length;
    const ok = JSON.stringify({
      error: { code: 'not_found', message: 'no such job', request_id: 'req-12345678' },
    });
    expect(await flagged(answer(404, ok))).toBe(0);
    expect(await flagged(answer(500, ok.replace('not_found', 'internal_error')))).toBeGreaterThan(0);
    expect(
      await flagged(answer(404, ok.replace('no such job', 'at run (src/jobs/store.ts:12:5)'))),
    ).toBeGreaterThan(0);
    expect(
      await flagged(answer(404, ok.replace('no such job', 'SELECT id FROM queue_jobs WHERE id = ?'))),
    ).toBeGreaterThan(0);
    expect(await flagged(answer(404, ok.replace('no such job', secret)))).toBeGreaterThan(0);
    expect(await flagged(answer(404, ok.replace('no such job', 'JWT Signature Invalid')))).toBeGreaterThan(0);
    expect(await flagged(answer(404, ok.replace('not_found', 'gone')))).toBeGreaterThan(0);
    expect(await flagged(answer(404, ok.replace('req-12345678', 'other-id')))).toBeGreaterThan(0);
    expect(await flagged(answer(404, '<html>Not Found</html>', 'text/html'))).toBeGreaterThan(0);
  });
});

describe('fuzzing the edge', () => {
  it('answers any request to any route without a 5xx, in the error contract, leaking nothing', async () => {
    await fc.assert(fc.asyncProperty(inputArb(fc.constantFrom(...routes)), holds), { numRuns: RUNS.edge });
    expect(await victimSnapshot()).toEqual(before);
  }, 120_000);

  it('refuses wrong, deep, huge and mistyped bodies cleanly on every route that takes one', async () => {
    const withBody = routes.filter((r) => ['POST', 'PUT'].includes(r.method));
    expect(withBody.length).toBeGreaterThanOrEqual(4);
    const bodyArb = fuzzBodyArb.filter((b) => b !== undefined);
    await fc.assert(fc.asyncProperty(inputArb(fc.constantFrom(...withBody), bodyArb), holds), {
      numRuns: RUNS.bodies,
    });
    expect(await victimSnapshot()).toEqual(before);
  }, 120_000);

  it("never changes another principal's chart or job, whatever is sent at their ids", async () => {
    const atIds = routes.filter((r) => r.params.includes('id') && !r.path.startsWith('/api/admin'));
    const focused = inputArb(fc.constantFrom(...atIds));
    await fc.assert(
      fc.asyncProperty(focused, fc.constantFrom(victim.chartId, victim.jobId), async (input, id) => {
        await holds({ ...input, params: { ...input.params, id } });
      }),
      { numRuns: RUNS.victim },
    );
    expect(await victimSnapshot()).toEqual(before);
  }, 120_000);
});

describe('inputs the arbitraries do not draw', () => {
  const auth = () => ({ authorization: `Bearer ${freshToken()}`, 'content-type': 'application/json' });
  const chartPost = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request(`${BASE}/api/charts`, { method: 'POST', headers: { ...auth(), ...headers }, body });

  it.each([
    [
      'invalid UTF-8 in a JSON body',
      () => chartPost(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
      400,
    ],
    [
      'Content-Encoding: gzip on a body that is not',
      () => chartPost('garbage', { 'content-encoding': 'gzip' }),
      400,
    ],
    [
      'a streamed body past 1 MiB without Content-Length',
      () => {
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent > 1_200_000) return c.close();
            c.enqueue(new TextEncoder().encode('x'.repeat(100_000)));
            sent += 100_000;
          },
        });
        return new Request(`${BASE}/api/charts`, {
          method: 'POST',
          headers: auth(),
          body,
          duplex: 'half',
        } as RequestInit);
      },
      413,
    ],
  ] as const)('%s → %i, in the error contract', async (_name, request, status) => {
    const req = request();
    const res = await exports.default.fetch(req);
    expect(res.status).toBe(status);
    expect(await violations(res, req.method, [], req.url)).toEqual([]);
  });

  // Found by this suite: the drop-in's cursor is bound to its query by a key any client can
  // compute (a hash of public values), and the handler walks day by day from the cursor's time,
  // so a cursor placed N days before start_time cost N reads (the epoch ≈ 20,000). Now refused.
  it('refuses a forged paginated cursor placed before start_time', async () => {
    const site = 'demo-small';
    const start = Date.UTC(2026, 1, 10);
    const end = start + 3_600_000;
    const wanted = ['AHU-01-ZoneTemp'];
    const key = (await sha256Hex(JSON.stringify([site, start, end, wanted]))).slice(0, 24);
    const cursor = encodePageCursor(key, { t: start - 3 * 86_400_000, i: 0 });
    const res = await exports.default.fetch(
      `${BASE}/api/sites/${site}/timeseries/paginated?start_time=2026-02-10T00:00:00&end_time=2026-02-10T01:00:00&page_size=10&point_names=${wanted[0]}&cursor=${cursor}`,
      { headers: auth() },
    );
    expect(res.status).toBe(400);
  });
});
