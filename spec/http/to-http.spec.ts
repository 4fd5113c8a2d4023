// http/to-http.ts (review 42): the one mapping from application errors to status, code and a
// message, exhaustive over the error union; upstream and storage errors answer generic text
// whatever they carry; Hono's own thrown HTTP errors map into the same set.
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../src/errors.ts';
import { ERROR_CODES, fromThrown, internalErrorBody, toHttpError } from '../../src/http/to-http.ts';

const SECRET = 'SELECT * FROM secret_table WHERE token = "eyJhbGciOi" <html>upstream page</html>';

describe('toHttpError', () => {
  const table: [AppError, number, string, Record<string, string>][] = [
    [
      { kind: 'invalid_input', message: 'invalid request', issues: [{ path: 'start', message: 'bad' }] },
      400,
      'invalid_request',
      {},
    ],
    [{ kind: 'unauthorized', message: 'm' }, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer' }],
    [{ kind: 'forbidden', message: 'm' }, 403, 'forbidden', {}],
    [{ kind: 'not_found', message: 'm' }, 404, 'not_found', {}],
    [
      { kind: 'method_not_allowed', message: 'm', allowed: ['GET', 'HEAD'] },
      405,
      'method_not_allowed',
      { Allow: 'GET, HEAD' },
    ],
    [{ kind: 'not_acceptable', message: 'm' }, 406, 'invalid_request', {}],
    [{ kind: 'conflict', message: 'm' }, 409, 'conflict', {}],
    [{ kind: 'gone', message: 'm' }, 410, 'gone', {}],
    [{ kind: 'payload_too_large', message: 'm' }, 413, 'payload_too_large', {}],
    [{ kind: 'unsupported_media_type', message: 'm' }, 415, 'unsupported_media_type', {}],
    [
      { kind: 'range_not_satisfiable', message: 'm', length: 1234 },
      416,
      'invalid_request',
      { 'Content-Range': 'bytes */1234' },
    ],
    [
      { kind: 'rate_limited', message: 'm', retryAfterSeconds: 60 },
      429,
      'rate_limited',
      { 'Retry-After': '60' },
    ],
    [{ kind: 'upstream_error', message: SECRET, status: 500 }, 502, 'upstream_error', {}],
    [{ kind: 'upstream_timeout', message: SECRET }, 504, 'upstream_timeout', {}],
    [{ kind: 'unavailable', message: SECRET, dependency: 'ace' }, 503, 'unavailable', { 'Retry-After': '5' }],
    [{ kind: 'db_timeout', message: SECRET }, 503, 'unavailable', { 'Retry-After': '5' }],
    [{ kind: 'db_error', message: SECRET }, 503, 'unavailable', { 'Retry-After': '5' }],
  ];

  it.each(table)('%j → %i %s', (error, status, code, headers) => {
    const e = toHttpError(error, 'req-12345678');
    expect(e.status).toBe(status);
    expect(e.body.error.code).toBe(code);
    expect(e.body.error.request_id).toBe('req-12345678');
    expect(e.headers).toEqual(headers);
    expect(ERROR_CODES).toContain(e.body.error.code);
  });

  it('covers every error kind exactly once in this table', () => {
    const kinds = table.map(([e]) => e.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds).toHaveLength(17);
  });

  it('never lets an upstream or storage message reach the body', () => {
    for (const [error] of table) {
      expect(JSON.stringify(toHttpError(error, 'id-00000000').body)).not.toContain('secret_table');
    }
  });

  it('carries details only for validation errors', () => {
    expect(toHttpError(table[0]?.[0] as AppError, 'x').body.error.details).toEqual([
      { path: 'start', message: 'bad' },
    ]);
    expect('details' in toHttpError({ kind: 'not_found', message: 'm' }, 'x').body.error).toBe(false);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    const retry = (s: number) =>
      toHttpError({ kind: 'rate_limited', message: 'm', retryAfterSeconds: s }, 'x').headers['Retry-After'];
    expect([retry(0), retry(0.2), retry(9.1), retry(60)]).toEqual(['1', '1', '10', '60']);
  });
});

describe('fromThrown', () => {
  it.each([
    [new HTTPException(400, { message: 'Malformed JSON in request body' }), 'invalid_input'],
    [new HTTPException(401), 'unauthorized'],
    [new HTTPException(404), 'not_found'],
    [new HTTPException(413), 'payload_too_large'],
    [new HTTPException(415, { message: 'Unsupported Media Type' }), 'unsupported_media_type'],
  ])('%s → %s', (thrown, kind) => {
    expect(fromThrown(thrown)?.kind).toBe(kind);
  });

  it('names the body as the bad field of malformed JSON', () => {
    expect(fromThrown(new HTTPException(400, { message: 'Malformed JSON in request body' }))).toMatchObject({
      issues: [{ path: 'body', message: 'malformed JSON' }],
    });
  });

  it.each([new HTTPException(500), new HTTPException(418), new Error('bug'), 'a string', undefined])(
    'leaves %s to the generic 500',
    (thrown) => {
      expect(fromThrown(thrown)).toBeUndefined();
    },
  );
});

describe('internalErrorBody', () => {
  it('is generic: a code, a fixed message and the request id, nothing else', () => {
    expect(internalErrorBody('abc-12345678')).toEqual({
      error: { code: 'internal_error', message: 'internal error', request_id: 'abc-12345678' },
    });
  });
});
