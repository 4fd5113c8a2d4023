// A caller of the job routes through the Worker (exports.default), for the job route specs: requests with a
// bearer token, async submission, and polling a job to a terminal status.
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export interface JobBody {
  id: string;
  status: string;
  attempts: number;
  progress: { pages: number; samples: number; bytes: number; percent: number };
  error: { code: string; message: string } | null;
  created_at: number;
  result_url: string;
}

let seq = 0;
export const freshToken = () => `jobs-route-${++seq}-${crypto.randomUUID()}`;

export function call(
  method: string,
  path: string,
  token: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  return exports.default.fetch(`https://vitals.test${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

export const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  call('POST', '/api/sites/demo-small/timeseries', token, { body, headers });

export async function untilFinished(id: string, token: string): Promise<JobBody> {
  for (let i = 0; i < 150; i++) {
    const res = await call('GET', `/api/jobs/${id}`, token);
    expect(res.status).toBe(200);
    const job = (await res.json()) as JobBody;
    if (['succeeded', 'failed', 'dead', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}
