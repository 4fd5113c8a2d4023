// The request-body size limit (Hono's bodyLimit), answered as payload_too_large (413) through
// the one error mapping. The biggest legitimate body is a timeseries POST: 500 names of at
// most 512 characters is about 260 KB of JSON, well under the limit.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppErrorException } from '../../errors.ts';
import type { AppEnv } from '../context.ts';

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Refuses bodies over maxBytes (by Content-Length, or while streaming one without it). */
export function limitBody(maxBytes: number = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppErrorException({
        kind: 'payload_too_large',
        message: `request body exceeds ${maxBytes} bytes`,
      });
    },
  });
}
