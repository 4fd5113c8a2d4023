// http/middleware/auth.ts through the real app: the token from `Authorization: Bearer` or
// `X-ACE-Token`; missing or malformed → 401 `unauthorized`; the principal is the hex SHA-256 of
// the token, stable and the same whichever header carried it; the token never reaches a log;
// admin paths take only `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time: any other
// or no credential is 401, an ACE token included); public routes need no token.
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  extractToken,
  isAdminToken,
  MAX_TOKEN_LENGTH,
  principalOf,
} from '../../../src/http/middleware/auth.ts';
import { tokenArb } from '../../support/arbitraries/edge.ts';
import { bearer, type ErrorJson, harness, TOKEN } from '../harness.ts';

const whoami = harness({
  mount: (app) => {
    app.get('/api/spec/whoami', (c) => c.json({ principal: c.var.principal, token: c.var.token }));
    app.get('/api/spec/boom', () => {
      throw new Error('spec failure after auth');
    });
  },
});

const ask = (headers: Record<string, string>) => whoami.fetch('/api/spec/whoami', { headers });

async function expect401(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Bearer');
  const body = await res.json<ErrorJson>();
  expect(body.error.code).toBe('unauthorized');
  expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
}

describe('accepted credentials', () => {
  it('takes the token from Authorization: Bearer', async () => {
    const res = await ask(bearer('abc.def-ghi'));
    expect(res.status).toBe(200);
    expect((await res.json<{ token: string }>()).token).toBe('abc.def-ghi');
  });

  it('takes the token from X-ACE-Token', async () => {
    const res = await ask({ 'x-ace-token': 'abc.def-ghi' });
    expect(res.status).toBe(200);
    expect((await res.json<{ token: string }>()).token).toBe('abc.def-ghi');
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('reads the scheme case-insensitively (%s)', async (scheme) => {
    expect((await ask({ authorization: `${scheme} tok` })).status).toBe(200);
  });

  it('accepts a token of exactly the maximum length', async () => {
    expect((await ask(bearer('a'.repeat(MAX_TOKEN_LENGTH)))).status).toBe(200);
  });

  it('prefers Authorization when both headers are sent', async () => {
    const res = await ask({ ...bearer('from-authorization'), 'x-ace-token': 'from-x-ace-token' });
    expect((await res.json<{ token: string }>()).token).toBe('from-authorization');
  });
});

describe('the principal', () => {
  it('is the lower-case hex SHA-256 of the token (FIPS 180-2 vector for "abc")', async () => {
    const res = await ask(bearer('abc'));
    expect((await res.json<{ principal: string }>()).principal).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('is 64 hex digits for any token', async () => {
    await fc.assert(
      fc.asyncProperty(tokenArb, async (token) => {
        expect(await principalOf(token)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });

  it('is the same whichever header carries the token, request after request', async () => {
    await fc.assert(
      fc.asyncProperty(tokenArb, async (token) => {
        const a = await (await ask(bearer(token))).json<{ principal: string }>();
        const b = await (await ask({ 'x-ace-token': token })).json<{ principal: string }>();
        expect(b.principal).toBe(a.principal);
      }),
      { numRuns: 30 },
    );
  });

  it('differs for different tokens', async () => {
    await fc.assert(
      fc.asyncProperty(tokenArb, tokenArb, async (x, y) => {
        fc.pre(x !== y);
        expect(await principalOf(x)).not.toBe(await principalOf(y));
      }),
    );
  });
});

describe('refused credentials → 401 unauthorized', () => {
  const table: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['empty Authorization', { authorization: '' }],
    ['scheme only', { authorization: 'Bearer' }],
    ['Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['no space after the scheme', { authorization: 'Bearerabc' }],
    ['two tokens', { authorization: 'Bearer abc def' }],
    ['tab separator', { authorization: 'Bearer\tabc' }],
    ['quoted token', { authorization: 'Bearer "abc"' }],
    ['comma in token', { authorization: 'Bearer abc,def' }],
    ['padding in the middle', { authorization: 'Bearer ab=c' }],
    ['absurd length', bearer('a'.repeat(MAX_TOKEN_LENGTH + 1))],
    ['empty X-ACE-Token', { 'x-ace-token': '' }],
    ['X-ACE-Token with a space', { 'x-ace-token': 'abc def' }],
    ['X-ACE-Token carrying a scheme', { 'x-ace-token': 'Bearer abc' }],
    ['absurd X-ACE-Token', { 'x-ace-token': 'a'.repeat(MAX_TOKEN_LENGTH + 1) }],
    [
      'malformed Authorization with a valid X-ACE-Token',
      { authorization: 'Basic abc', 'x-ace-token': TOKEN },
    ],
  ];
  it.each(table)('%s', async (_, headers) => {
    await expect401(await ask(headers));
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['SOH', 'a\u0001b'],
    ['DEL', 'a\u007fb'],
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['NBSP', 'a\u00a0b'],
    ['non-ASCII', 't\u00f6ken'],
  ])('a token with a control, space or non-ASCII character (%s) is malformed', (_, token) => {
    // Such values cannot travel (or travel only mangled) in a fetch Headers object.
    const headers = { get: (name: string) => (name === 'x-ace-token' ? token : null) };
    expect(extractToken(headers)).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
  });

  it('guards every /api route, existing or not, before routing', async () => {
    for (const path of [
      '/api/sites/demo-small/points',
      '/api/sites/demo-small/timeseries',
      '/api/nope',
      '/api/spec/boom',
    ]) {
      await expect401(await whoami.fetch(path));
    }
  });
});

describe('where auth does not apply', () => {
  it.each(['/health', '/openapi.json'])('%s needs no token', async (path) => {
    const res = await whoami.fetch(path);
    expect(res.status).toBe(200);
  });

  it('admin paths refuse a caller token (401)', async () => {
    for (const path of ['/api/admin', '/api/admin/stats', '/api/admin/dlq']) {
      const res = await whoami.fetch(path, { headers: bearer() });
      await expect401(res);
    }
  });
});

/** The ADMIN_TOKEN secret vitest.config.ts gives the Worker. */
const ADMIN_TOKEN = 'spec-admin-token';

describe('the admin door (/api/admin/*)', () => {
  const admin = harness({
    mount: (app) => {
      app.get('/api/admin/spec/echo', (c) =>
        c.json({ token: c.var.token ?? null, principal: c.var.principal ?? null }),
      );
    },
  });

  it('lets the ADMIN_TOKEN through, and sets no ACE token or principal from it', async () => {
    const res = await admin.fetch('/api/admin/spec/echo', { headers: bearer(ADMIN_TOKEN) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ token: null, principal: null });
  });

  it('reads the scheme case-insensitively, like the caller door', async () => {
    const res = await admin.fetch('/api/admin/spec/echo', {
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  const refused: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['Authorization without a token', { authorization: 'Bearer' }],
    ['Basic scheme', { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }],
    ['the admin token in X-ACE-Token (only Authorization counts)', { 'x-ace-token': ADMIN_TOKEN }],
    ['an ACE caller token', bearer(TOKEN)],
    ['a prefix of the admin token', bearer(ADMIN_TOKEN.slice(0, -1))],
    ['the admin token plus a character', bearer(`${ADMIN_TOKEN}x`)],
    ['the admin token in other case', bearer(ADMIN_TOKEN.toUpperCase())],
    ['an absurdly long token', bearer('a'.repeat(MAX_TOKEN_LENGTH + 1))],
    ['a caller token with the admin token in X-ACE-Token', { ...bearer(TOKEN), 'x-ace-token': ADMIN_TOKEN }],
  ];
  it.each(refused)('%s → 401 unauthorized', async (_, headers) => {
    for (const path of ['/api/admin/spec/echo', '/api/admin/stats', '/api/admin/nope']) {
      await expect401(await admin.fetch(path, { headers }));
    }
  });

  it('says which: missing credentials vs a wrong token', async () => {
    const missing = await (await admin.fetch('/api/admin/stats')).json<ErrorJson>();
    const wrong = await (await admin.fetch('/api/admin/stats', { headers: bearer(TOKEN) })).json<ErrorJson>();
    expect(missing.error.message).toMatch(/Authorization: Bearer/);
    expect(wrong.error.message).toBe('invalid admin token');
  });

  it('an unknown admin path is 404 only once authenticated', async () => {
    const res = await admin.fetch('/api/admin/nope', { headers: bearer(ADMIN_TOKEN) });
    expect(res.status).toBe(404);
  });

  it('neither the admin token nor a refused token reaches a log', async () => {
    const h = harness({
      mount: (app) => {
        app.get('/api/admin/spec/boom', () => {
          throw new Error('spec failure after admin auth');
        });
      },
    });
    const wrong = `wrong-${crypto.randomUUID()}`;
    await h.fetch('/api/admin/spec/boom', { headers: bearer(ADMIN_TOKEN) });
    await h.fetch('/api/admin/stats', { headers: bearer(ADMIN_TOKEN) });
    await h.fetch('/api/admin/spec/boom', { headers: bearer(wrong) });
    const boom = h.logs.find((l) => l.line.event === 'unhandled_error');
    expect(boom?.line.principal).toBe('admin');
    const text = JSON.stringify(h.logs);
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain(wrong);
  });
});

describe('isAdminToken', () => {
  it('is string equality, for any pair', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (a, b) => {
        expect(await isAdminToken(a, b)).toBe(a === b);
        expect(await isAdminToken(a, a)).toBe(true);
      }),
    );
  });

  it('tells apart tokens that differ only in the last character or in length', async () => {
    expect(await isAdminToken('spec-admin-tokem', ADMIN_TOKEN)).toBe(false);
    expect(await isAdminToken(`${ADMIN_TOKEN}\u0000`, ADMIN_TOKEN)).toBe(false);
    expect(await isAdminToken('', ADMIN_TOKEN)).toBe(false);
  });
});

describe('the token stays out of logs', () => {
  it('no log line of a request (errors included) contains the token', async () => {
    await fc.assert(
      fc.asyncProperty(
        tokenArb.filter((t) => t.length >= 12),
        async (token) => {
          const h = harness({
            mount: (app) => {
              app.get('/api/spec/boom', () => {
                throw new Error('spec failure after auth');
              });
            },
          });
          await h.fetch('/api/spec/boom', { headers: bearer(token) });
          await h.fetch('/api/spec/boom', { headers: { 'x-ace-token': token } });
          await h.fetch('/api/nope', { headers: { 'x-ace-token': token } });
          expect(h.logs.length).toBeGreaterThan(0);
          expect(JSON.stringify(h.logs)).not.toContain(token);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('logs carry a principal prefix instead, to correlate a caller', async () => {
    const h = harness({
      mount: (app) => {
        app.get('/api/spec/boom', () => {
          throw new Error('spec failure after auth');
        });
      },
    });
    await h.fetch('/api/spec/boom', { headers: bearer('abc') });
    expect(h.logs.find((l) => l.line.event === 'unhandled_error')?.line.principal).toBe('ba7816bf8f01cfea');
  });
});

describe('extractToken', () => {
  it('reads any well-formed token back unchanged from either header', () => {
    fc.assert(
      fc.property(tokenArb, fc.boolean(), (token, viaAuthorization) => {
        const h = new Headers(
          viaAuthorization ? { authorization: `Bearer ${token}` } : { 'x-ace-token': token },
        );
        expect(extractToken(h)).toEqual({ ok: true, value: token });
      }),
    );
  });

  it('is used by a bare Hono app the same way (no hidden dependency on the app)', async () => {
    const app = new Hono();
    app.get('/', (c) => c.json(extractToken(c.req.raw.headers)));
    const res = await app.request('/', { headers: { 'x-ace-token': 'x' } });
    expect(await res.json()).toEqual({ ok: true, value: 'x' });
  });
});
