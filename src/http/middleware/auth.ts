// Caller authentication on /api/*: the ACE token from `Authorization: Bearer` or `X-ACE-Token`,
// and the principal (hex SHA-256 of the token) that owns data, rate limits and access proofs;
// and the admin door (ADMIN_TOKEN, compared in constant time). Owns token syntax only, not ACE's
// verdict on a token. Tokens are never logged: loggers get a principal prefix instead.
import type { MiddlewareHandler } from 'hono';
import { AppErrorException, err, ok, type Result } from '../../errors.ts';
import { sha256Hex } from '../../hash.ts';
import type { AppEnv } from '../context.ts';

/** Longer tokens are refused before hashing (ACE JWTs are well under 2 KiB). */
export const MAX_TOKEN_LENGTH = 4096;

// RFC 6750 §2.1 b64token (token68): what a JWT or any opaque bearer token is made of. It rules
// out whitespace, control characters, quotes and commas.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER = /^Bearer +(\S+)$/i;

/**
 * Extracts the caller's token. `Authorization` wins when present and must be `Bearer <token>`
 * (no fallback to X-ACE-Token if it is malformed); otherwise `X-ACE-Token: <token>`.
 */
export function extractToken(headers: { get(name: string): string | null }): Result<string> {
  const authorization = headers.get('authorization');
  const aceToken = headers.get('x-ace-token');
  let token: string;
  if (authorization !== null) {
    const match = BEARER.exec(authorization);
    if (!match?.[1]) return unauthorized('the Authorization header must be "Bearer <token>"');
    token = match[1];
  } else if (aceToken !== null) {
    token = aceToken;
  } else {
    return unauthorized('missing credentials: send Authorization: Bearer <token> or X-ACE-Token');
  }
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !TOKEN68.test(token)) {
    return unauthorized('malformed token');
  }
  return ok(token);
}

function unauthorized(message: string): Result<never> {
  return err({ kind: 'unauthorized', message });
}

/** The principal of a token: lower-case hex SHA-256 of its UTF-8 bytes. */
export function principalOf(token: string): Promise<string> {
  return sha256Hex(token);
}

/** Authenticates the caller: sets c.var.token and c.var.principal, or answers 401. */
export function callerAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = extractToken(c.req.raw.headers);
    if (!token.ok) throw new AppErrorException(token.error);
    const principal = await principalOf(token.value);
    c.set('token', token.value);
    c.set('principal', principal);
    // Cloudflare sets it on every request from a client; without it (local tools) all share one key.
    c.set('address', c.req.header('cf-connecting-ip')?.trim() || 'unknown');
    c.set('log', c.var.log.with({ principal: principal.slice(0, 16) }));
    await next();
  };
}

const encoder = new TextEncoder();

/**
 * Whether `given` is the admin token, in time independent of where they differ: both are hashed
 * to 64 hex digits first, so the comparison always covers equal lengths (no length leak either),
 * and crypto.subtle.timingSafeEqual does not stop at the first difference.
 */
export async function isAdminToken(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  return crypto.subtle.timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

/**
 * Authenticates /api/admin/* with the ADMIN_TOKEN secret (services.config.adminToken), sent as
 * `Authorization: Bearer <ADMIN_TOKEN>` only (X-ACE-Token is never read here). Missing or
 * malformed → 401; a wrong token (an ACE user token included) → 401 too, as RFC 6750 §3.1 has it
 * for an invalid token (the messages differ). Sets no token or principal: the admin token is not
 * an ACE token, and is never forwarded, stored or logged.
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    const match = authorization === undefined ? null : BEARER.exec(authorization);
    const given = match?.[1];
    if (given === undefined || given.length > MAX_TOKEN_LENGTH) {
      throw new AppErrorException({
        kind: 'unauthorized',
        message: 'admin routes need Authorization: Bearer <ADMIN_TOKEN>',
      });
    }
    if (!(await isAdminToken(given, c.env.services.config.adminToken))) {
      throw new AppErrorException({ kind: 'unauthorized', message: 'invalid admin token' });
    }
    c.set('log', c.var.log.with({ principal: 'admin' }));
    await next();
  };
}

/** Whether a path belongs to the admin area (own auth, not the caller's ACE token). */
export function isAdminPath(path: string): boolean {
  return path === '/api/admin' || path.startsWith('/api/admin/');
}
