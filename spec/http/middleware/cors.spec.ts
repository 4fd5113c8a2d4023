// http/middleware/cors.ts (review 39): allowlisted origins get their own origin back, `Vary:
// Origin`, no credentials, the exposed headers, and a 204 preflight that needs no token; any
// other origin gets no Access-Control-* header at all. Through the Worker (CORS_ORIGINS of
// vitest.config.ts) and through the app with another allowlist.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../../../src/http/middleware/cors.ts';
import { BASE, bearer, harness } from '../harness.ts';

const ALLOWED = 'https://dashboard.example'; // CORS_ORIGINS in vitest.config.ts

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));
const vary = (res: Response) => (res.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());

function preflight(path: string, origin: string, method = 'GET'): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization',
    },
  });
}

describe('an allowlisted origin', () => {
  it('gets its own origin back, Vary: Origin, no credentials and the exposed headers', async () => {
    const res = await exports.default.fetch(`${BASE}/health`, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(vary(res)).toContain('origin');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')?.split(',')).toEqual(CORS_EXPOSE_HEADERS);
  });

  it('can read error answers too (a 401 carries the CORS headers and the request id)', async () => {
    const res = await exports.default.fetch(`${BASE}/api/sites/demo-small/points`, {
      headers: { origin: ALLOWED },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('gets a 204 preflight with the allowed methods and headers, without a token', async () => {
    const res = await preflight('/api/sites/demo-small/timeseries', ALLOWED, 'POST');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']),
    );
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toEqual(CORS_ALLOW_HEADERS);
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(vary(res)).toContain('origin');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.text()).toBe('');
  });

  it('allows exactly the headers of API.md', () => {
    expect(CORS_ALLOW_HEADERS).toEqual([
      'Authorization',
      'X-ACE-Token',
      'Content-Type',
      'Accept',
      'X-Request-Id',
      'Prefer',
    ]);
    expect(CORS_EXPOSE_HEADERS).toEqual([
      'X-Request-Id',
      'X-Cache',
      'Server-Timing',
      'Retry-After',
      'Location',
    ]);
  });
});

describe('any other origin gets no CORS headers at all', () => {
  const others = [
    'https://evil.example',
    'http://dashboard.example', // another scheme
    'https://dashboard.example:8443', // another port
    'https://dashboard.example.evil.example', // a suffix
    'https://sub.dashboard.example',
    'null',
    '*',
  ];
  it.each(others)('GET from %s', async (origin) => {
    const res = await exports.default.fetch(`${BASE}/health`, { headers: { origin } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(vary(res)).toContain('origin'); // so a cache never hands this answer to an allowed origin
  });

  it.each(others)('preflight from %s is not a CORS answer', async (origin) => {
    const res = await preflight('/health', origin);
    expect(res.status).not.toBe(204);
    expect(corsHeaders(res)).toEqual([]);
  });

  it('a request without Origin gets none either', async () => {
    const res = await exports.default.fetch(`${BASE}/health`);
    expect(corsHeaders(res)).toEqual([]);
  });

  it('a preflight to /api from another origin is refused like any unauthenticated call', async () => {
    const res = await preflight('/api/sites/demo-small/points', 'https://evil.example');
    expect(res.status).toBe(401);
    expect(corsHeaders(res)).toEqual([]);
  });
});

describe('the allowlist comes from CORS_ORIGINS', () => {
  const h = harness({ env: { CORS_ORIGINS: ' https://a.example , https://b.example,' } });

  it.each(['https://a.example', 'https://b.example'])(
    '%s (trimmed from the list) is allowed',
    async (origin) => {
      const res = await h.fetch('/health', { headers: { origin } });
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    },
  );

  it('an origin no longer listed is not', async () => {
    const res = await h.fetch('/health', { headers: { origin: ALLOWED } });
    expect(corsHeaders(res)).toEqual([]);
  });

  it('an empty list allows nobody', async () => {
    const none = harness({ env: { CORS_ORIGINS: '' } });
    const res = await none.fetch('/api/nope', { headers: { origin: ALLOWED, ...bearer() } });
    expect(res.status).toBe(404);
    expect(corsHeaders(res)).toEqual([]);
  });
});
