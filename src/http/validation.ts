// The one validation hook for every route: a failed zod parse of params, query, headers or body
// becomes invalid_input (400 `invalid_request`) with one `details` entry per bad field, mapped by
// to-http.ts like every other error. Owns the zod-issue → FieldIssue translation only.
import type { Hook } from '@hono/zod-openapi';
import type { z } from 'zod';
import { AppErrorException, type FieldIssue } from '../errors.ts';
import type { AppEnv } from './context.ts';

/** At most this many details per response: enough to fix a request, bounded for a hostile one. */
export const MAX_DETAILS = 50;

/** What a path is called when the problem is the whole input rather than one field. */
const TARGET_NAMES: Record<string, string> = { json: 'body', form: 'body', query: 'query', param: 'path' };

/**
 * Turns zod issues into field issues: the path is the field's dotted path (`points.3`,
 * `start`); an unknown key gets one issue naming it; an issue about the whole input is named
 * after where it came from (`body`, `query`, `path`, `header`).
 */
export function fieldIssues(error: z.ZodError, target = 'body'): FieldIssue[] {
  const whole = TARGET_NAMES[target] ?? target;
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issues.length >= MAX_DETAILS) break;
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ path: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      issues.push({ path: base || whole, message: issue.message });
    }
  }
  return issues;
}

/** The defaultHook of the app: lets valid input through, throws invalid_input for the rest. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  throw new AppErrorException({
    kind: 'invalid_input',
    message: 'invalid request',
    issues: fieldIssues(result.error, result.target),
  });
};
