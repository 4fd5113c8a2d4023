// The closed set of application errors, and the small Result type services return.
// Expected failures are values; only bugs throw. The HTTP edge maps these in http/to-http.ts;
// the queue consumer maps them to ack/retry/dead-letter. Both switches have no default, so a
// new arm breaks the build until every edge handles it.

/** One field-level validation problem, safe to show to a client. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Every expected failure the system can produce. */
export type AppError =
  | { kind: 'invalid_input'; message: string; issues: FieldIssue[] }
  | { kind: 'unauthorized'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not_found'; message: string }
  | { kind: 'method_not_allowed'; message: string; allowed: string[] }
  | { kind: 'not_acceptable'; message: string }
  | { kind: 'conflict'; message: string }
  | { kind: 'gone'; message: string }
  | { kind: 'payload_too_large'; message: string }
  /** A byte range starting at or past the end of a representation `length` bytes long. */
  | { kind: 'range_not_satisfiable'; message: string; length: number }
  | { kind: 'unsupported_media_type'; message: string }
  | { kind: 'rate_limited'; message: string; retryAfterSeconds: number }
  | { kind: 'upstream_error'; message: string; status?: number }
  | { kind: 'upstream_timeout'; message: string }
  | { kind: 'unavailable'; message: string; dependency: string }
  | { kind: 'db_timeout'; message: string }
  | { kind: 'db_error'; message: string };

export type AppErrorKind = AppError['kind'];

export type Result<T, E = AppError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E = AppError>(error: E): Result<never, E> => ({ ok: false, error });

/** Wraps an AppError so it can cross a boundary that only understands throw (e.g. Hono handlers). */
export class AppErrorException extends Error {
  readonly appError: AppError;
  constructor(appError: AppError) {
    super(appError.message);
    this.name = 'AppErrorException';
    this.appError = appError;
  }
}

/** Unwraps a Result, throwing its error as an AppErrorException for the edge to map. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new AppErrorException(result.error);
}
