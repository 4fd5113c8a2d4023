// The error body of the HTTP contract as a zod schema, for the OpenAPI document. The bodies
// themselves are built by to-http.ts; this only describes them.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../to-http.ts';

/** `{"error": {"code", "message", "request_id", "details"?}}` (API.md). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      request_id: z.string(),
      details: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: 'one entry per bad field (validation errors only)' }),
    }),
  })
  .openapi('Error');

/** An error response of a route's OpenAPI declaration: the contract's error body, described. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});
