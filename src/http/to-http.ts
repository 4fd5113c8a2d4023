// The one mapping from application errors to HTTP: status, machine-readable code and a generic
// message. Exhaustive switch without default: a new error kind breaks the build here.
// Details (upstream bodies, SQL, stacks) go to the log, never into these bodies (review 42).
import { HTTPException } from 'hono/http-exception';
import type { AppError, FieldIssue } from '../errors.ts';

/** The error codes of the HTTP contract (API.md), plus `internal_error` for unexpected throws. */
export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'gone',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'upstream_error',
  'unavailable',
  'upstream_timeout',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: FieldIssue[] };
}

export interface HttpError {
  status: 400 | 401 | 403 | 404 | 405 | 406 | 409 | 410 | 413 | 415 | 416 | 429 | 500 | 502 | 503 | 504;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Maps an application error to its HTTP status, body and headers. */
export function toHttpError(error: AppError, requestId: string): HttpError {
  const body = (code: ErrorCode, message: string, details?: FieldIssue[]): ErrorBody => ({
    error: { code, message, request_id: requestId, ...(details ? { details } : {}) },
  });
  switch (error.kind) {
    case 'invalid_input':
      return { status: 400, body: body('invalid_request', error.message, error.issues), headers: {} };
    case 'unauthorized':
      return {
        status: 401,
        body: body('unauthorized', error.message),
        headers: { 'WWW-Authenticate': 'Bearer' },
      };
    case 'forbidden':
      return { status: 403, body: body('forbidden', error.message), headers: {} };
    case 'not_found':
      return { status: 404, body: body('not_found', error.message), headers: {} };
    case 'method_not_allowed':
      return {
        status: 405,
        body: body('method_not_allowed', error.message),
        headers: { Allow: error.allowed.join(', ') },
      };
    case 'not_acceptable':
      return { status: 406, body: body('invalid_request', error.message), headers: {} };
    case 'conflict':
      return { status: 409, body: body('conflict', error.message), headers: {} };
    case 'gone':
      return { status: 410, body: body('gone', error.message), headers: {} };
    case 'payload_too_large':
      return { status: 413, body: body('payload_too_large', error.message), headers: {} };
    case 'unsupported_media_type':
      return { status: 415, body: body('unsupported_media_type', error.message), headers: {} };
    case 'range_not_satisfiable':
      // The contract's codes have none for a range: the request asked for bytes that do not exist.
      return {
        status: 416,
        body: body('invalid_request', error.message),
        headers: { 'Content-Range': `bytes */${error.length}` },
      };
    case 'rate_limited':
      return {
        status: 429,
        body: body('rate_limited', error.message),
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) },
      };
    case 'upstream_error':
      return { status: 502, body: body('upstream_error', 'the upstream ACE API failed'), headers: {} };
    case 'upstream_timeout':
      return { status: 504, body: body('upstream_timeout', 'the upstream ACE API timed out'), headers: {} };
    case 'unavailable':
      return {
        status: 503,
        body: body('unavailable', 'a dependency is unavailable'),
        headers: { 'Retry-After': '5' },
      };
    case 'db_timeout':
    case 'db_error':
      return {
        status: 503,
        body: body('unavailable', 'storage is unavailable'),
        headers: { 'Retry-After': '5' },
      };
  }
}

/**
 * Reads the errors Hono and its middleware throw (malformed JSON 400, the zod-openapi media-type
 * gate's 415, bodyLimit's 413) as application errors. Undefined for anything else: a bug, which
 * the caller answers with the generic 500.
 */
export function fromThrown(thrown: unknown): AppError | undefined {
  if (!(thrown instanceof HTTPException)) return undefined;
  switch (thrown.status) {
    case 400:
      return {
        kind: 'invalid_input',
        message: 'invalid request',
        issues: [
          { path: 'body', message: /json/i.test(thrown.message) ? 'malformed JSON' : 'malformed request' },
        ],
      };
    case 401:
      return { kind: 'unauthorized', message: 'unauthorized' };
    case 404:
      return { kind: 'not_found', message: 'not found' };
    case 413:
      return { kind: 'payload_too_large', message: 'request body too large' };
    case 415:
      return { kind: 'unsupported_media_type', message: 'the request body must be application/json' };
    default:
      return undefined;
  }
}

/** The body for an unexpected throw: generic, with nothing from the exception. */
export function internalErrorBody(requestId: string): ErrorBody {
  return { error: { code: 'internal_error', message: 'internal error', request_id: requestId } };
}
