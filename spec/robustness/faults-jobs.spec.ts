// Fault matrix, job entry points (docs/RELIABILITY.md): submitting a job through the app with
// `Prefer: respond-async`, and processing a job message through the Worker's own consumer
// (createServices → jobConsumer.handleBatch over a createMessageBatch, read back with
// getQueueResult). ACE faults come from the synthetic ACE; R2, D1 and Queue faults from wrappers
// around the real bindings. No job is ever silently dropped: it is acked only once its row says
// what happened, else its message is retried; and no succeeded job's result is missing or partial.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import type { AceFaultSpec } from '../../fixtures/ace/faults.ts';
import { createDb } from '../../src/db/d1.ts';
import { principalOf } from '../../src/http/middleware/auth.ts';
import type { ERROR_CODES } from '../../src/http/to-http.ts';
import { createJobConsumer, INFRA_RETRY_DELAY_S, resultPrefix } from '../../src/jobs/consumer.ts';
import { signMessage } from '../../src/jobs/messages.ts';
import type { Job } from '../../src/jobs/store.ts';
import { ENQUEUE_FAILED } from '../../src/jobs/submit.ts';
import { createTaskStore } from '../../src/jobs/task-store.ts';
import { createServices } from '../../src/services.ts';
import { type ErrorJson, harness } from '../http/harness.ts';
import { ACE_TEST_TOKEN, aceMock } from '../support/ace.ts';
import { expectCacheConsistent, expectResultsConsistent } from '../support/consistency.ts';
import {
  createFaultPlan,
  type D1Op,
  faultyD1,
  faultyD1Matching,
  faultyQueue,
  faultyR2,
  faultyR2Uploads,
  type QueueOp,
  type R2Op,
  type R2UploadOp,
} from '../support/faults.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D0 = Date.UTC(2025, 2, 1);
const QUEUE = 'vitals-edge-jobs';
const DLQ = 'vitals-edge-jobs-dlq';
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 3)
  .map((p) => p.point.name);
const ALL_D1: readonly D1Op[] = ['first', 'all', 'run', 'raw', 'batch', 'exec'];

let seq = 0;
const freshToken = () => `faults-jobs-${++seq}-${crypto.randomUUID()}`;
const freshWindow = () => ({ start: D0 + seq * 2 * DAY, end: D0 + seq * 2 * DAY + 6 * HOUR });

interface Faults {
  env?: Partial<Env>;
  ace?: AceFaultSpec;
}

function r2(op: R2Op): Faults {
  const plan = createFaultPlan<R2Op>();
  plan.set(op, { kind: 'error', message: `injected r2 ${op} fault` });
  return { env: { CACHE: faultyR2(env.CACHE, plan) } };
}
function d1(kind: 'error' | 'hang', pattern?: RegExp): Faults {
  const plan = createFaultPlan<D1Op>();
  for (const op of ALL_D1)
    plan.set(op, kind === 'error' ? { kind: 'error', message: 'injected d1 fault' } : { kind: 'hang' });
  const DB = pattern ? faultyD1Matching(env.DB, plan, pattern) : faultyD1(env.DB, plan);
  return { env: { DB, D1_TIMEOUT_MS: '150' } };
}
function queue(): Faults {
  const plan = createFaultPlan<QueueOp>();
  plan.set('send', { kind: 'error', message: 'injected queue fault' });
  plan.set('sendBatch', { kind: 'error', message: 'injected queue fault' });
  return { env: { JOBS: faultyQueue(env.JOBS, plan), JOBS_HIGH: faultyQueue(env.JOBS_HIGH, plan) } };
}
const timeout = (spec: Omit<AceFaultSpec, 'delay_ms'> = {}): Faults => ({
  env: { ACE_TIMEOUT_MS: '250' },
  ace: { delay_ms: 1_500, ...spec },
});

const jobsOf = async (principal: string) =>
  (
    await env.DB.prepare('SELECT id, status, error_code FROM queue_jobs WHERE principal = ?')
      .bind(principal)
      .all<{ id: string; status: string; error_code: string | null }>()
  ).results;

// Jobs that were queued for real are delivered to the Worker's own queue() handler: let them finish
// before the file's runtime closes, so no delivery is still writing when vitest tears it down.
afterAll(async () => {
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare(
      "SELECT count(*) AS n FROM queue_jobs WHERE status IN ('queued', 'running')",
    ).first<{ n: number }>();
    if ((row?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterEach(async () => {
  aceMock.clearFaults();
  await expectCacheConsistent();
  await expectResultsConsistent();
});

type SubmitOutcome =
  | { status: 202 }
  | { status: number; code: (typeof ERROR_CODES)[number]; job: 'none' | typeof ENQUEUE_FAILED };

interface SubmitRow {
  dependency: 'ACE' | 'R2' | 'D1' | 'Queue';
  fault: string;
  faults: () => Faults;
  outcome: SubmitOutcome;
}

const SITE_ONLY: AceFaultSpec['routes'] = ['site'];
const DATA_ROUTES: AceFaultSpec['routes'] = ['get_timeseries', 'paginated'];

const submitRows: SubmitRow[] = [
  {
    dependency: 'ACE',
    fault: '503 on every data call (a submit fetches no data)',
    faults: () => ({ ace: { status: 503, routes: DATA_ROUTES } }),
    outcome: { status: 202 },
  },
  {
    dependency: 'ACE',
    fault: 'timeout on the access check',
    faults: () => timeout({ routes: SITE_ONLY }),
    outcome: { status: 504, code: 'upstream_timeout', job: 'none' },
  },
  {
    dependency: 'ACE',
    fault: '429 on the access check',
    faults: () => ({ ace: { status: 429, routes: SITE_ONLY } }),
    outcome: { status: 429, code: 'rate_limited', job: 'none' },
  },
  {
    dependency: 'ACE',
    fault: '503 on the access check',
    faults: () => ({ ace: { status: 503, routes: SITE_ONLY } }),
    outcome: { status: 502, code: 'upstream_error', job: 'none' },
  },
  {
    dependency: 'ACE',
    fault: 'HTML page on the access check',
    faults: () => ({ ace: { html: true, routes: SITE_ONLY } }),
    outcome: { status: 502, code: 'upstream_error', job: 'none' },
  },
  {
    dependency: 'ACE',
    fault: 'truncated body on the access check',
    faults: () => ({ ace: { truncate: true, routes: SITE_ONLY } }),
    outcome: { status: 502, code: 'upstream_error', job: 'none' },
  },
  {
    dependency: 'R2',
    fault: 'get, put and multipart fail (a submit touches no R2)',
    faults: () => {
      const plan = createFaultPlan<R2Op>();
      for (const op of ['get', 'put', 'head', 'createMultipartUpload'] as const)
        plan.set(op, { kind: 'error' });
      return { env: { CACHE: faultyR2(env.CACHE, plan) } };
    },
    outcome: { status: 202 },
  },
  {
    dependency: 'D1',
    fault: 'every statement errors',
    faults: () => d1('error'),
    outcome: { status: 503, code: 'unavailable', job: 'none' },
  },
  {
    dependency: 'D1',
    fault: 'every statement hangs past D1_TIMEOUT_MS',
    faults: () => d1('hang'),
    outcome: { status: 503, code: 'unavailable', job: 'none' },
  },
  {
    dependency: 'D1',
    fault: 'only the job insert errors',
    faults: () => d1('error', /INSERT INTO queue_jobs/),
    outcome: { status: 503, code: 'unavailable', job: 'none' },
  },
  {
    dependency: 'Queue',
    fault: 'send throws',
    faults: queue,
    outcome: { status: 503, code: 'unavailable', job: ENQUEUE_FAILED },
  },
];

const isolated = { services: { clock: { now: () => Date.now() } } };

describe('fault matrix: job submit (Prefer: respond-async)', () => {
  it.each(submitRows.map((r) => [`${r.dependency}: ${r.fault} → ${r.outcome.status}`, r] as const))(
    '%s',
    async (_, row) => {
      const token = freshToken();
      const { start, end } = freshWindow();
      const faults = row.faults();
      if (faults.ace) aceMock.setFaults(faults.ace);
      const h = harness({ ...isolated, ...(faults.env ? { env: faults.env } : {}) });
      const res = await h.fetch('/api/sites/demo-small/timeseries', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          prefer: 'respond-async',
        },
        body: JSON.stringify({ points: names, start, end }),
      });
      aceMock.clearFaults();
      const text = await res.text();
      expect({ status: res.status, text: res.status === row.outcome.status ? '' : text }).toEqual({
        status: row.outcome.status,
        text: '',
      });
      const jobs = await jobsOf(await principalOf(token));
      if (!('code' in row.outcome)) {
        // Accepted: exactly one job, and it was really queued (never failed for want of a message).
        const body = JSON.parse(text) as { job: { id: string } };
        expect(jobs.map((j) => j.id)).toEqual([body.job.id]);
        expect(jobs[0]?.error_code).not.toBe(ENQUEUE_FAILED);
        return;
      }
      const error = (JSON.parse(text) as ErrorJson).error;
      expect(error.code).toBe(row.outcome.code);
      expect(text).not.toMatch(/<html|injected|Service Unavailable|SELECT|INSERT/i);
      // Refused before the row, or the row says why: never a queued job whose message was not sent.
      if (row.outcome.job === 'none') expect(jobs).toEqual([]);
      else expect(jobs.map((j) => [j.status, j.error_code])).toEqual([['failed', ENQUEUE_FAILED]]);
    },
  );
});

// ---- processing -------------------------------------------------------------------------------

/** A job row written through the Worker's own store, with its signed message (not sent). */
async function storedJob(): Promise<{ job: Job; body: unknown }> {
  const services = createServices(env, createExecutionContext());
  const { start, end } = freshWindow();
  const made = await services.jobStore.create({
    principal: await principalOf(freshToken()),
    site: 'demo-small',
    requestKey: crypto.randomUUID().replace(/-/g, ''),
    request: { points: names, start, end, interval: 'raw', layout: 'columns' },
    priority: 'normal',
    maxAttempts: 6,
    estimatedSamples: 2_000,
  });
  if (!made.ok) throw new Error(`create failed: ${made.error.kind}`);
  const job = made.value.job;
  return { job, body: await signMessage(job.id, Date.now(), services.config.queueSigningKey) };
}

async function jobRow(id: string) {
  return env.DB.prepare('SELECT status, attempts, error_code, result_key FROM queue_jobs WHERE id = ?')
    .bind(id)
    .first<{ status: string; attempts: number; error_code: string | null; result_key: string | null }>();
}

/** Delivers one message to the consumer the Worker would build over `faults`; what became of it. */
async function process(body: unknown, faults: Faults, queueName = QUEUE, consumer?: 'small-parts') {
  if (faults.ace) aceMock.setFaults(faults.ace);
  const bindings = { ...env, ...faults.env };
  const ctx = createExecutionContext();
  const services = createServices(bindings, ctx, { clock: { now: () => Date.now() }, logSink: () => {} });
  const handler =
    consumer === 'small-parts'
      ? createJobConsumer({
          store: services.jobStore,
          tasks: createTaskStore({
            db: createDb({ db: bindings.DB, log: services.log }),
            clock: services.clock,
          }),
          continueJob: (job) => services.jobSubmitter.continue(job),
          ace: services.ace,
          bucket: bindings.CACHE,
          signingKey: services.config.queueSigningKey,
          serviceToken: ACE_TEST_TOKEN,
          clock: services.clock,
          log: services.log,
          resultTtlMs: services.config.resultTtlMs,
          random: () => 0.5,
          // Results of a few KiB go up in 1 KiB parts, so the multipart path is taken. Local R2 refuses
          // to complete parts under 5 MiB, so only faults before completion are meaningful here; the
          // mechanism with real-size parts is spec/cache/r2-upload.spec.ts.
          partBytes: 1024,
        })
      : services.jobConsumer;
  const batch = createMessageBatch(queueName, [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body },
  ]);
  await handler.handleBatch(batch);
  const result = await getQueueResult(batch, ctx);
  aceMock.clearFaults();
  const retried = result.retryMessages.length === 1;
  const acked = result.explicitAcks.length === 1;
  expect(retried !== acked).toBe(true);
  return { decision: acked ? ('ack' as const) : ('retry' as const), retry: result.retryMessages[0] };
}

interface ProcessRow {
  dependency: 'ACE' | 'R2' | 'D1';
  fault: string;
  faults: () => Faults;
  consumer?: 'small-parts';
  /** The message's fate and the job row afterwards. */
  decision: 'ack' | 'retry';
  status: string;
  code: string | null;
}

const processRows: ProcessRow[] = [
  {
    dependency: 'ACE',
    fault: 'timeout on every data call',
    faults: () => timeout({ routes: DATA_ROUTES }),
    decision: 'retry',
    status: 'retrying',
    code: 'upstream_timeout',
  },
  {
    dependency: 'ACE',
    fault: 'HTML page on every data call',
    faults: () => ({ ace: { html: true, routes: DATA_ROUTES } }),
    decision: 'retry',
    status: 'retrying',
    code: 'upstream_error',
  },
  {
    dependency: 'ACE',
    fault: 'truncated body on every data call',
    faults: () => ({ ace: { truncate: true, routes: DATA_ROUTES } }),
    decision: 'retry',
    status: 'retrying',
    code: 'upstream_error',
  },
  {
    dependency: 'ACE',
    fault: '503 once, then answers',
    faults: () => ({ ace: { status: 503, routes: DATA_ROUTES, count: 1 } }),
    decision: 'ack',
    status: 'succeeded',
    code: null,
  },
  {
    dependency: 'ACE',
    fault: '429 once, then answers',
    faults: () => ({ ace: { status: 429, routes: DATA_ROUTES, count: 1 } }),
    decision: 'ack',
    status: 'succeeded',
    code: null,
  },
  {
    dependency: 'R2',
    fault: 'multipart create fails',
    faults: () => r2('createMultipartUpload'),
    consumer: 'small-parts',
    decision: 'retry',
    status: 'retrying',
    code: 'unavailable',
  },
  {
    dependency: 'R2',
    fault: 'a multipart part upload fails',
    faults: () => {
      const plan = createFaultPlan<R2UploadOp>();
      plan.set('uploadPart', { kind: 'error' });
      return { env: { CACHE: faultyR2Uploads(env.CACHE, plan) } };
    },
    consumer: 'small-parts',
    decision: 'retry',
    status: 'retrying',
    code: 'unavailable',
  },
  {
    dependency: 'D1',
    fault: 'every statement errors (claim fails)',
    faults: () => d1('error'),
    decision: 'retry',
    status: 'queued',
    code: null,
  },
  {
    dependency: 'D1',
    fault: 'every statement hangs past D1_TIMEOUT_MS',
    faults: () => d1('hang'),
    decision: 'retry',
    status: 'queued',
    code: null,
  },
  {
    dependency: 'D1',
    fault: 'heartbeats error (progress only)',
    faults: () => d1('error', /progress_pages = \?/),
    decision: 'ack',
    status: 'succeeded',
    code: null,
  },
  {
    dependency: 'D1',
    fault: 'the succeeded write errors after the upload',
    faults: () => d1('error', /status = 'succeeded'/),
    decision: 'retry',
    status: 'retrying',
    code: 'db_error',
  },
  {
    dependency: 'D1',
    fault: 'the succeeded write hangs after the upload',
    faults: () => d1('hang', /status = 'succeeded'/),
    decision: 'retry',
    status: 'retrying',
    code: 'db_timeout',
  },
];

describe('fault matrix: job processing (queue consumer)', () => {
  it.each(processRows.map((r) => [`${r.dependency}: ${r.fault} → ${r.decision}, ${r.status}`, r] as const))(
    '%s',
    async (_, row) => {
      const { job, body } = await storedJob();
      const { decision } = await process(body, row.faults(), QUEUE, row.consumer);
      const after = await jobRow(job.id);
      expect({ decision, status: after?.status, code: after?.error_code ?? null }).toEqual({
        decision: row.decision,
        status: row.status,
        code: row.code,
      });
      // A result object exists exactly when the job succeeded (consistency is checked afterEach).
      const objects = (await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects;
      expect(objects.length).toBe(row.status === 'succeeded' ? 1 : 0);
    },
  );

  it('D1: a dead letter whose job cannot be marked dead is retried, never acked', async () => {
    const { job, body } = await storedJob();
    const { decision, retry } = await process(body, d1('error'), DLQ);
    expect(decision).toBe('retry');
    expect(retry).toBeDefined();
    expect((await jobRow(job.id))?.status).toBe('queued');
    // Healed, the same dead letter buries the job with its reason.
    const healed = await process(body, {}, DLQ);
    expect(healed.decision).toBe('ack');
    expect(await jobRow(job.id)).toMatchObject({ status: 'dead', error_code: 'retries_exhausted' });
  });

  it('D1: a message whose claim failed runs normally on redelivery', async () => {
    const { job, body } = await storedJob();
    expect((await process(body, d1('error'))).decision).toBe('retry');
    expect((await process(body, {})).decision).toBe('ack');
    expect((await jobRow(job.id))?.status).toBe('succeeded');
    expect(INFRA_RETRY_DELAY_S).toBeGreaterThan(0);
  });
});

describe('fault matrix: reading a job result (GET /api/jobs/{id}/result)', () => {
  /** A job of `token`'s principal, run to success by the Worker's own consumer. */
  async function succeededJob(token: string) {
    const services = createServices(env, createExecutionContext());
    const { start, end } = freshWindow();
    const made = await services.jobStore.create({
      principal: await principalOf(token),
      site: 'demo-small',
      requestKey: crypto.randomUUID().replace(/-/g, ''),
      request: { points: names, start, end, interval: 'raw', layout: 'columns' },
      priority: 'normal',
      maxAttempts: 6,
      estimatedSamples: 2_000,
    });
    if (!made.ok) throw new Error('create failed');
    const id = made.value.job.id;
    const { decision } = await process(
      await signMessage(id, Date.now(), services.config.queueSigningKey),
      {},
    );
    expect(decision).toBe('ack');
    return id;
  }
  const readResult = (id: string, token: string, bindings: Partial<Env> = {}) =>
    harness({ env: bindings }).fetch(`/api/jobs/${id}/result`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('R2: get fails → 503 unavailable; healed, the same result reads back whole', async () => {
    const token = freshToken();
    const id = await succeededJob(token);
    const res = await readResult(id, token, r2('get').env);
    expect(res.status).toBe(503);
    expect(((await res.json()) as ErrorJson).error.code).toBe('unavailable');
    const healed = await readResult(id, token);
    expect(healed.status).toBe(200);
  });

  it('R2: the object is gone → 410 gone, never an empty or partial result', async () => {
    const token = freshToken();
    const id = await succeededJob(token);
    for (const o of (await env.CACHE.list({ prefix: resultPrefix(id) })).objects)
      await env.CACHE.delete(o.key);
    const res = await readResult(id, token);
    expect(res.status).toBe(410);
    expect(((await res.json()) as ErrorJson).error.code).toBe('gone');
    // Put back what the row promises, so the file's consistency check holds for the rows after.
    await env.DB.prepare('UPDATE queue_jobs SET result_key = NULL WHERE id = ?').bind(id).run();
  });

  it('D1: every statement errors → 503 unavailable', async () => {
    const token = freshToken();
    const id = await succeededJob(token);
    const res = await readResult(id, token, d1('error').env);
    expect(res.status).toBe(503);
    expect(((await res.json()) as ErrorJson).error.code).toBe('unavailable');
  });
});
