// Specifies src/jobs/outcome.ts: the queue edge's one mapping from an application error to fail
// or retry. Permanent upstream answers (401/403/404/400) fail; transient ones retry, keeping a
// rate limit's Retry-After as the delay's floor.
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../src/errors.ts';
import { queueOutcomeOf } from '../../src/jobs/outcome.ts';

const permanent: AppError[] = [
  { kind: 'invalid_input', message: 'x', issues: [] },
  { kind: 'unauthorized', message: 'x' },
  { kind: 'forbidden', message: 'x' },
  { kind: 'not_found', message: 'x' },
  { kind: 'payload_too_large', message: 'x' },
  { kind: 'range_not_satisfiable', message: 'x', length: 0 },
  { kind: 'upstream_error', message: 'x', status: 400 },
  { kind: 'upstream_error', message: 'x', status: 422 },
];

const transient: AppError[] = [
  { kind: 'upstream_error', message: 'x' },
  { kind: 'upstream_error', message: 'x', status: 503 },
  { kind: 'upstream_error', message: 'x', status: 408 },
  { kind: 'upstream_timeout', message: 'x' },
  { kind: 'unavailable', message: 'x', dependency: 'r2' },
  { kind: 'db_timeout', message: 'x' },
  { kind: 'db_error', message: 'x' },
];

describe('queue outcome mapping', () => {
  it.each(permanent.map((e) => [e.kind, e] as const))('fails %s permanently', (_kind, error) => {
    expect(queueOutcomeOf(error)).toEqual({ action: 'fail' });
  });

  it.each(transient.map((e) => [e.kind, e] as const))('retries %s', (_kind, error) => {
    expect(queueOutcomeOf(error)).toEqual({ action: 'retry', retryAfterSeconds: 0 });
  });

  it("retries a rate limit no sooner than the upstream's Retry-After", () => {
    expect(queueOutcomeOf({ kind: 'rate_limited', message: 'x', retryAfterSeconds: 7 })).toEqual({
      action: 'retry',
      retryAfterSeconds: 7,
    });
  });
});
