// The "nothing half-written is readable" invariants of the fault matrix, checked against the REAL
// local bindings (never the wrapped ones a spec faulted): every cache index row has its complete R2
// object and every chunk object its row; every succeeded job's result object exists and decodes to
// what its row says (read by the Worker's own reader). Owns the checks only; specs decide when to run them.

import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { randomId, systemClock } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createJobResults } from '../../src/jobs/results.ts';
import { createJobStore } from '../../src/jobs/store.ts';
import { createTaskStore } from '../../src/jobs/task-store.ts';
import { createLogger } from '../../src/obs/log.ts';
import { readResult } from './job-results.ts';

async function listAll(prefix: string): Promise<R2Object[]> {
  const out: R2Object[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.CACHE.list({ prefix, include: ['customMetadata'], ...(cursor ? { cursor } : {}) });
    out.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

/** Every cache_entries row has its R2 object (same stored size); every chunk object has its row. */
export async function expectCacheConsistent(): Promise<void> {
  const rows = await env.DB.prepare('SELECT key, bytes FROM cache_entries').all<{
    key: string;
    bytes: number;
  }>();
  const objects = (await listAll('v')).filter((o) => /^v\d+\//.test(o.key));
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  const rowless = objects.filter((o) => !rows.results.some((r) => r.key === o.key)).map((o) => o.key);
  const objectless = rows.results.filter((r) => sizes.get(r.key) !== r.bytes).map((r) => r.key);
  expect({ rowless, objectless }).toEqual({ rowless: [], objectless: [] });
}

/**
 * Every succeeded job with a result key: object present with the recorded size, and the Worker's own
 * result reader (src/jobs/results.ts, whatever the result format) reads back exactly its samples.
 */
export async function expectResultsConsistent(): Promise<void> {
  const jobs = await env.DB.prepare(
    "SELECT id, principal, result_key, result_bytes, result_samples FROM queue_jobs WHERE status = 'succeeded' AND result_key IS NOT NULL",
  ).all<{
    id: string;
    principal: string;
    result_key: string;
    result_bytes: number;
    result_samples: number;
  }>();
  const log = createLogger({}, () => {});
  const store = createJobStore({ db: createDb({ db: env.DB, log }), clock: systemClock, ids: randomId });
  const db = createDb({ db: env.DB, log });
  const tasks = createTaskStore({ db, clock: systemClock });
  const results = createJobResults({ store, tasks, bucket: env.CACHE, clock: systemClock, log });
  const broken: string[] = [];
  const resultObjects = new Set<string>();
  for (const job of jobs.results) {
    // A job that ran as several tasks names its parts' prefix; its parts are its objects.
    const keys = job.result_key.endsWith('/')
      ? (
          await env.DB.prepare('SELECT result_key FROM job_task_results WHERE job_id = ? ORDER BY task')
            .bind(job.id)
            .all<{ result_key: string }>()
        ).results.map((r) => r.result_key)
      : [job.result_key];
    let size = 0;
    let missing = 0;
    for (const key of keys) {
      resultObjects.add(key);
      const head = await env.CACHE.head(key);
      if (head) size += head.size;
      else missing++;
    }
    if (missing > 0 || size !== job.result_bytes) {
      broken.push(
        `${job.id}: ${missing} of ${keys.length} objects missing, ${size} bytes, row says ${job.result_bytes}`,
      );
      continue;
    }
    const read = await readResult(results, { id: job.id, principal: job.principal });
    const samples = read.ok ? read.value.reduce((n, s) => n + s.t.length, 0) : null;
    if (samples !== job.result_samples) {
      broken.push(
        `${job.id}: ${read.ok ? `${samples} samples, row says ${job.result_samples}` : read.error.kind}`,
      );
    }
  }
  // And no result object outlives a job that never succeeded (it would be readable by key).
  const objects = await listAll('results/');
  // The parts of a job still under way (or dead, kept for a replay to resume from) are its own.
  const kept = await env.DB.prepare(
    `SELECT p.result_key FROM job_task_results AS p JOIN queue_jobs AS j ON j.id = p.job_id
     WHERE j.status IN ('queued', 'running', 'retrying', 'dead')`,
  ).all<{ result_key: string }>();
  for (const r of kept.results) resultObjects.add(r.result_key);
  const orphans = objects.map((o) => o.key).filter((k) => !resultObjects.has(k));
  expect({ broken, orphans }).toEqual({ broken: [], orphans: [] });
}
