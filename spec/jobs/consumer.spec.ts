// Specifies src/jobs/consumer.ts with the real local D1 and R2, the synthetic ACE behind msw and
// batches from cloudflare:test (acks and retries, with delays, per message): verified before
// anything runs, claimed once, results in R2 in the cache's encoding, failures through the one
// mapping, cancel at a page boundary, DLQ → dead. Storage is shared by this file's tests, so each
// job gets its own principal and request key.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { type AceClient, createAceClient } from '../../src/ace/client.ts';
import { createAceUpstream } from '../../src/ace/resilience.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { stmt } from '../../src/db/sql.ts';
import { ok } from '../../src/errors.ts';
import { BACKOFF_BY_PRIORITY, retryDelaySeconds } from '../../src/jobs/backoff.ts';
import {
  createJobConsumer,
  INFRA_RETRY_DELAY_S,
  type JobConsumerOptions,
  NO_SERVICE_TOKEN,
  RETRIES_EXHAUSTED,
  resultKey,
  resultPrefix,
} from '../../src/jobs/consumer.ts';
import { MAX_MESSAGE_AGE_MS, type SignedJobMessage, signMessage } from '../../src/jobs/messages.ts';
import { decodeFrames, RESULT_ENCODING } from '../../src/jobs/result-format.ts';
import { createJobStore, type Job, type JobStore, type NewJob } from '../../src/jobs/store.ts';
import { createTaskStore } from '../../src/jobs/task-store.ts';
import { createAnalytics } from '../../src/obs/analytics.ts';
import { createLogger } from '../../src/obs/log.ts';
import { ACE_TEST_BASE, ACE_TEST_TOKEN, aceMock } from '../support/ace.ts';
import { recordingDataset } from '../support/analytics.ts';
import { newJob } from '../support/builders.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

const NOW = Date.UTC(2026, 1, 10, 15, 30);
const HOUR = 3_600_000;
const KEY = 'spec-consumer-signing-key';
const QUEUE = 'vitals-edge-jobs';
const DLQ = 'vitals-edge-jobs-dlq';
const RESULT_TTL_MS = 24 * HOUR;
const RANDOM = 0.5;
const POINTS = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 3)
  .map((p) => p.point.name);

const clock: Clock = { now: () => NOW };
const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
const realStore = createJobStore({ db, clock, ids: randomId });

function aceClient(batchMaxPoints?: number): AceClient {
  return createAceClient({
    baseUrl: ACE_TEST_BASE,
    fetch: (input, init) => fetch(input, init),
    clock,
    log: createLogger({}, () => {}),
    upstream: createAceUpstream({ clock, breakerThreshold: 1_000 }),
    timeoutMs: 5_000,
    maxPages: 10_000,
    maxBytes: 64 * 1024 * 1024,
    retries: 0,
    ...(batchMaxPoints === undefined ? {} : { batchMaxPoints }),
  });
}

/** Jobs whose next task's message the consumers of this file sent, in order. */
const continued: Job[] = [];

function consumerWith(overrides: Partial<JobConsumerOptions> = {}) {
  return createJobConsumer({
    store: realStore,
    tasks: createTaskStore({ db, clock }),
    continueJob: async (job) => {
      continued.push(job);
      return ok(job);
    },
    ace: aceClient(),
    bucket: env.CACHE,
    signingKey: KEY,
    serviceToken: ACE_TEST_TOKEN,
    clock,
    log: createLogger({}, () => {}),
    resultTtlMs: RESULT_TTL_MS,
    random: () => RANDOM,
    ...overrides,
  });
}

/** A job of this file: its points over the six hours before NOW, 6 attempts, 2,000 samples. */
const jobOf = (overrides: Partial<NewJob> = {}): NewJob =>
  newJob({
    request: { points: POINTS, start: NOW - 6 * HOUR, end: NOW, interval: 'raw', layout: 'columns' },
    maxAttempts: 6,
    estimatedSamples: 2_000,
    ...overrides,
  });

async function created(input: NewJob = jobOf()): Promise<Job> {
  const result = await realStore.create(input);
  if (!result.ok) throw new Error(`create failed: ${result.error.kind}`);
  return result.value.job;
}

async function reload(job: Job): Promise<Job> {
  const result = await realStore.get(job.id, job.principal);
  if (!result.ok || result.value === null) throw new Error('job vanished');
  return result.value;
}

/**
 * The real batch, with each message's retry options recorded on the way through: this version of
 * getQueueResult reports which messages were retried but drops their delaySeconds.
 */
function recordingDelays(batch: MessageBatch<unknown>) {
  const delays = new Map<string, number | undefined>();
  const forward = <T extends object>(target: T, prop: string | symbol): unknown => {
    const value: unknown = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const messages = batch.messages.map(
    (message) =>
      new Proxy(message, {
        get(target, prop) {
          if (prop !== 'retry') return forward(target, prop);
          return (options?: QueueRetryOptions) => {
            delays.set(target.id, options?.delaySeconds);
            target.retry(options);
          };
        },
      }),
  );
  const view = new Proxy(batch, {
    get: (target, prop) => (prop === 'messages' ? messages : forward(target, prop)),
  });
  return { view, delays };
}

/** Runs one batch through the consumer: what it acked, and what it retried with which delay. */
async function deliver(
  bodies: unknown[],
  options: { queue?: string; consumer?: ReturnType<typeof consumerWith>; attempts?: number } = {},
) {
  const batch = createMessageBatch(
    options.queue ?? QUEUE,
    bodies.map((body) => ({ id: randomId(), timestamp: NOW, attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  const { view, delays } = recordingDelays(batch);
  await (options.consumer ?? consumerWith()).handleBatch(view);
  const queued = await getQueueResult(batch, ctx);
  const retryMessages = queued.retryMessages.map(({ msgId }) => ({ msgId, delaySeconds: delays.get(msgId) }));
  return { ids: batch.messages.map((m) => m.id), result: { ...queued, retryMessages } };
}

async function count(sql: string, ...params: string[]): Promise<number> {
  const row = await db.first<{ n: number }>('spec.count', stmt(sql, ...params));
  if (!row.ok || row.value === null) throw new Error('count failed');
  return row.value.n;
}

const rejections = (jobId: string, reason: string) =>
  count('SELECT COUNT(*) AS n FROM queue_rejections WHERE job_id = ? AND reason = ?', jobId, reason);

const signed = (job: Job, issuedAt = NOW, key = KEY) => signMessage(job.id, issuedAt, key);

describe('job consumer: success', () => {
  it('writes a gzip result in the cache encoding that decodes to exactly the direct data', async () => {
    const job = await created();
    const { ids, result } = await deliver([await signed(job)]);
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
    expect(result.ackAll).toBe(false);

    const done = await reload(job);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(1);
    expect(done.progress.percent).toBe(100);
    expect(done.result?.key).toBe(resultKey(job.id, 1));
    expect(done.result?.expiresAt).toBe(NOW + RESULT_TTL_MS);

    const object = await env.CACHE.get(done.result?.key ?? 'no-result');
    if (object === null) throw new Error('no result object');
    // Frames are compressed one by one; the object as a whole carries no content encoding.
    expect(object.httpMetadata?.contentEncoding).toBeUndefined();
    expect(object.customMetadata?.encoding).toBe(RESULT_ENCODING);
    expect(object.customMetadata?.job_id).toBe(job.id);
    const stored = new Uint8Array(await object.arrayBuffer());
    expect(done.result?.bytes).toBe(stored.byteLength);
    const decoded = await decodeFrames(stored);

    const direct = await aceClient().fetchTimeseries(
      { site: 'demo-small', points: POINTS, startMs: NOW - 6 * HOUR, endMs: NOW },
      { token: ACE_TEST_TOKEN },
    );
    if (!direct.ok) throw new Error(direct.error.kind);
    const samples = direct.value.series.reduce((n, s) => n + s.t.length, 0);
    expect(samples).toBeGreaterThan(0);
    expect(done.result?.samples).toBe(samples);
    expect(decoded).toEqual(direct.value.series);
  });

  it('never runs a job twice on duplicate delivery', async () => {
    const job = await created();
    const message = await signed(job);
    const first = await deliver([message, message]);
    expect(first.result.explicitAcks).toEqual(first.ids);
    const calls = aceMock.stats().total;
    expect(calls).toBeGreaterThan(0);
    expect((await reload(job)).attempts).toBe(1);

    const again = await deliver([message]);
    expect(again.result.explicitAcks).toEqual(again.ids);
    expect(aceMock.stats().total).toBe(calls);
    const done = await reload(job);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(1);
  });
});

describe('job consumer: rejected messages are recorded, acked and never executed', () => {
  const cases: Array<[string, (job: Job) => Promise<unknown>, string]> = [
    [
      'a tampered body',
      async (job) => ({ ...(await signed(job)), issued_at: NOW - 1 }) satisfies SignedJobMessage,
      'bad_signature',
    ],
    ['a wrong key', (job) => signed(job, NOW, 'some-other-key'), 'bad_signature'],
    ['a stale message', (job) => signed(job, NOW - MAX_MESSAGE_AGE_MS - 1), 'stale'],
  ];
  for (const [name, body, reason] of cases) {
    it(`rejects ${name}`, async () => {
      const job = await created();
      const { ids, result } = await deliver([await body(job)]);
      expect(result.explicitAcks).toEqual(ids);
      expect(result.retryMessages).toEqual([]);
      expect(aceMock.stats().total).toBe(0);
      expect(await rejections(job.id, reason)).toBe(1);
      const untouched = await reload(job);
      expect(untouched.status).toBe('queued');
      expect(untouched.attempts).toBe(0);
    });
  }

  it('rejects an unknown job', async () => {
    const id = randomId();
    const { ids, result } = await deliver([await signMessage(id, NOW, KEY)]);
    expect(result.explicitAcks).toEqual(ids);
    expect(aceMock.stats().total).toBe(0);
    expect(await rejections(id, 'unknown_job')).toBe(1);
  });

  it('rejects a malformed body and still handles the rest of the batch', async () => {
    const job = await created();
    const before = await count("SELECT COUNT(*) AS n FROM queue_rejections WHERE reason = 'malformed'");
    const { ids, result } = await deliver([{ hello: 'world' }, await signed(job)]);
    expect(result.explicitAcks).toEqual(ids);
    expect(await count("SELECT COUNT(*) AS n FROM queue_rejections WHERE reason = 'malformed'")).toBe(
      before + 1,
    );
    expect((await reload(job)).status).toBe('succeeded');
  });
});

describe('job consumer: failures', () => {
  it('retries a transient ACE 503 with the backoff delay and leaves the job retrying', async () => {
    const job = await created();
    aceMock.setFaults({ status: 503 });
    const { ids, result } = await deliver([await signed(job)]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
    const delaySeconds = retryDelaySeconds(1, BACKOFF_BY_PRIORITY.normal, RANDOM);
    expect(delaySeconds).toBeGreaterThan(0);
    expect(result.retryMessages).toEqual([{ msgId: ids[0], delaySeconds }]);
    const retrying = await reload(job);
    expect(retrying.status).toBe('retrying');
    expect(retrying.error?.code).toBe('upstream_error');
    expect((await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects).toEqual([]);

    aceMock.clearFaults();
    const second = await deliver([await signed(job)], { attempts: 2 });
    expect(second.result.explicitAcks).toEqual(second.ids);
    const done = await reload(job);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    // Each attempt writes its own object: one that lost the job can never touch the winner's.
    expect(done.result?.key).toBe(resultKey(job.id, 2));
    const keys = (await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects.map((o) => o.key);
    expect(keys).toEqual([resultKey(job.id, 2)]);
  });

  it('uses the high priority backoff for high priority jobs', async () => {
    const job = await created(jobOf({ priority: 'high' }));
    aceMock.setFaults({ status: 503 });
    const { ids, result } = await deliver([await signed(job)], { queue: 'vitals-edge-jobs-high' });
    expect(result.retryMessages).toEqual([
      { msgId: ids[0], delaySeconds: retryDelaySeconds(1, BACKOFF_BY_PRIORITY.high, RANDOM) },
    ]);
  });

  it('fails a forbidden job permanently and acks it', async () => {
    const job = await created();
    const { ids, result } = await deliver([await signed(job)], {
      consumer: consumerWith({ serviceToken: 'forbidden-service-token' }),
    });
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
    const failed = await reload(job);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('forbidden');
  });

  it('fails with no_service_token, without calling ACE, when no service token is configured', async () => {
    const job = await created();
    const { ids, result } = await deliver([await signed(job)], {
      consumer: consumerWith({ serviceToken: undefined }),
    });
    expect(result.explicitAcks).toEqual(ids);
    expect(aceMock.stats().total).toBe(0);
    const failed = await reload(job);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe(NO_SERVICE_TOKEN);
  });

  it('still retries the message on the last attempt, and the DLQ consumer marks the job dead', async () => {
    const job = await created(jobOf({ maxAttempts: 1 }));
    aceMock.setFaults({ status: 503 });
    const message = await signed(job);
    const last = await deliver([message], { attempts: 6 });
    expect(last.result.explicitAcks).toEqual([]);
    expect(last.result.retryMessages).toHaveLength(1);
    // Nothing can claim it meanwhile: it stays running until the DLQ (or the reaper) ends it.
    expect((await reload(job)).status).toBe('running');

    const dlq = await deliver([message], { queue: DLQ });
    expect(dlq.result.explicitAcks).toEqual(dlq.ids);
    const dead = await reload(job);
    expect(dead.status).toBe('dead');
    expect(dead.error?.code).toBe(RETRIES_EXHAUSTED);
    expect(await count('SELECT COUNT(*) AS n FROM dead_letters WHERE job_id = ?', job.id)).toBe(1);

    // A second DLQ delivery writes no second dead letter.
    const again = await deliver([message], { queue: DLQ });
    expect(again.result.explicitAcks).toEqual(again.ids);
    expect(await count('SELECT COUNT(*) AS n FROM dead_letters WHERE job_id = ?', job.id)).toBe(1);
  });
});

describe('job consumer: dead-letter queue', () => {
  it('marks a retrying job dead with one dead_letters row, whatever the message age', async () => {
    const job = await created();
    aceMock.setFaults({ status: 503 });
    await deliver([await signed(job)]);
    expect((await reload(job)).status).toBe('retrying');
    const old = await signed(job, NOW - 3 * MAX_MESSAGE_AGE_MS);
    const { ids, result } = await deliver([old], { queue: DLQ });
    expect(result.explicitAcks).toEqual(ids);
    const dead = await reload(job);
    expect(dead.status).toBe('dead');
    expect(
      await count('SELECT COUNT(*) AS n FROM dead_letters WHERE job_id = ? AND queue = ?', job.id, DLQ),
    ).toBe(1);
  });

  it('rejects a forged DLQ message without touching the job', async () => {
    const job = await created();
    const { ids, result } = await deliver([await signed(job, NOW, 'some-other-key')], { queue: DLQ });
    expect(result.explicitAcks).toEqual(ids);
    expect((await reload(job)).status).toBe('queued');
    expect(await rejections(job.id, 'bad_signature')).toBe(1);
  });
});

describe('job consumer: cancellation', () => {
  /** The real store, with a cancel requested just before the first heartbeat. */
  function cancellingStore(job: Job): JobStore {
    let requested = false;
    return {
      ...realStore,
      async heartbeat(id, progress) {
        if (!requested) {
          requested = true;
          const cancel = await realStore.requestCancel(job.id, job.principal);
          if (!cancel.ok) throw new Error(`cancel failed: ${cancel.error.kind}`);
        }
        return realStore.heartbeat(id, progress);
      },
    };
  }

  it('stops at the page boundary after a cancel is requested and confirms it', async () => {
    const job = await created();
    const consumer = consumerWith({ store: cancellingStore(job), ace: aceClient(1) });
    const { ids, result } = await deliver([await signed(job)], { consumer });
    expect(result.explicitAcks).toEqual(ids);
    const cancelled = await reload(job);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.result).toBeNull();
    expect((await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects).toEqual([]);
    // Fewer ACE calls than the full run (one per point with batchMaxPoints 1).
    expect(aceMock.stats().total).toBeLessThan(POINTS.length);
  });
});

describe('job consumer: per message, never per batch', () => {
  it("keeps ACE's Retry-After as the floor of the delay on a 429", async () => {
    const job = await created();
    aceMock.setFaults({ status: 429 });
    const { ids, result } = await deliver([await signed(job)], {
      consumer: consumerWith({ random: () => 0 }),
    });
    // Full jitter with a draw of 0 would retry at once; ACE asked for 1 s.
    expect(result.retryMessages).toEqual([{ msgId: ids[0], delaySeconds: 1 }]);
    expect((await reload(job)).error?.code).toBe('rate_limited');
  });

  it('retries only the message whose handling threw; the others in the batch stand', async () => {
    const crashing = await created();
    const fine = await created();
    const store: JobStore = {
      ...realStore,
      claim: (id) => (id === crashing.id ? Promise.reject(new Error('injected bug')) : realStore.claim(id)),
    };
    const { ids, result } = await deliver([await signed(crashing), await signed(fine)], {
      consumer: consumerWith({ store }),
    });
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.explicitAcks).toEqual([ids[1]]);
    expect(result.retryMessages).toEqual([{ msgId: ids[0], delaySeconds: INFRA_RETRY_DELAY_S }]);
    expect((await reload(fine)).status).toBe('succeeded');
    expect((await reload(crashing)).status).toBe('queued');
  });

  it('retries a job whose result could not be written to R2, leaving no object behind', async () => {
    const job = await created();
    const bucket = new Proxy(env.CACHE, {
      get(target, prop) {
        if (prop === 'put') return () => Promise.reject(new Error('injected R2 fault'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { ids, result } = await deliver([await signed(job)], { consumer: consumerWith({ bucket }) });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
    const retrying = await reload(job);
    expect(retrying.status).toBe('retrying');
    expect(retrying.error?.code).toBe('unavailable');
    expect((await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects).toEqual([]);
  });
});

describe('job consumer: analytics (review 29)', () => {
  it('writes one data point per outcome: retrying, then succeeded with its samples', async () => {
    const recording = recordingDataset(env.ANALYTICS);
    const analytics = createAnalytics({ dataset: recording.dataset, log: createLogger({}, () => {}) });
    const consumer = consumerWith({ analytics });
    const job = await created();
    aceMock.setFaults({ status: 503 });
    await deliver([await signed(job)], { consumer });
    aceMock.clearFaults();
    await deliver([await signed(job)], { consumer, attempts: 2 });
    const done = await reload(job);
    expect(recording.points.map((p) => p.blobs?.[1])).toEqual(['retrying', 'succeeded']);
    expect(recording.points[1]?.doubles?.[1]).toBe(done.result?.samples);
  });

  it('never lets a failing analytics write change the outcome', async () => {
    const recording = recordingDataset(env.ANALYTICS);
    recording.failing = true;
    const consumer = consumerWith({
      analytics: createAnalytics({ dataset: recording.dataset, log: createLogger({}, () => {}) }),
    });
    const job = await created();
    const { ids, result } = await deliver([await signed(job)], { consumer });
    expect(result.explicitAcks).toEqual(ids);
    expect((await reload(job)).status).toBe('succeeded');
  });
});

describe('job consumer: results stream to R2 slice by slice (review 24)', () => {
  const DAY = 86_400_000;
  const D0 = Date.UTC(2026, 0, 12);
  const many = sitePoints('demo-small')
    .filter((p) => p.point.collect_enabled)
    .slice(0, 12)
    .map((p) => p.point.name);
  const threeDays = () =>
    created(jobOf({ request: { points: many, start: D0, end: D0 + 3 * DAY }, estimatedSamples: 30_000 }));

  // What this checks is the slicing: one ACE fetch per slice, the frames together the direct data.
  // That each slice's frame leaves the isolate before the next slice is fetched (what bounds a
  // job's memory to about one slice) is not measured here: workerd has no heap measurement, and
  // R2 refuses parts under 5 MiB, more than these slices hold, so no part is written between
  // slices. That parts reach R2 while the producer works is spec/cache/r2-upload.spec.ts.
  it('fetches the window in three slices, one fetch each, and the frames read back as the direct data', async () => {
    const job = await threeDays();
    const events: string[] = [];
    const consumer = consumerWith({ sliceMaxSamples: 10_000, onFetched: () => events.push('fetched') });
    const { ids, result } = await deliver([await signed(job)], { consumer });
    expect(result.explicitAcks).toEqual(ids);
    const done = await reload(job);
    expect(done.status).toBe('succeeded');
    expect(done.progress.percent).toBe(100);
    // The finished job's progress counts exactly the samples its result holds, over every slice.
    expect(done.progress.samples).toBe(done.result?.samples);
    expect(events).toEqual(['fetched', 'fetched', 'fetched']);

    const object = await env.CACHE.get(done.result?.key ?? 'no-result');
    if (object === null) throw new Error('no result object');
    const stored = await decodeFrames(new Uint8Array(await object.arrayBuffer()));
    const direct = await aceClient().fetchTimeseries(
      { site: 'demo-small', points: many, startMs: D0, endMs: D0 + 3 * DAY },
      { token: ACE_TEST_TOKEN },
    );
    if (!direct.ok) throw new Error(direct.error.kind);
    expect(stored).toEqual(direct.value.series);
    expect(done.result?.samples).toBe(direct.value.series.reduce((n, s) => n + s.t.length, 0));
  });

  it('leaves no object behind when ACE fails mid-job, and retries it', async () => {
    const job = await threeDays();
    // The first slice succeeds; every later ACE call fails.
    const consumer = consumerWith({
      sliceMaxSamples: 10_000,
      onFetched: () => aceMock.setFaults({ status: 503 }),
    });
    const { ids, result } = await deliver([await signed(job)], { consumer });
    aceMock.clearFaults();
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
    expect((await reload(job)).status).toBe('retrying');
    expect((await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects).toEqual([]);
  });

  it('leaves no object behind when a multipart upload fails mid-stream, and retries it', async () => {
    const job = await threeDays();
    const plan = createFaultPlan<R2Op>();
    plan.set('createMultipartUpload', { kind: 'error' });
    const consumer = consumerWith({
      bucket: faultyR2(env.CACHE, plan),
      sliceMaxSamples: 10_000,
      partBytes: 16 * 1024,
    });
    const { ids, result } = await deliver([await signed(job)], { consumer });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
    const retrying = await reload(job);
    expect(retrying.status).toBe('retrying');
    expect(retrying.error?.code).toBe('unavailable');
    expect((await env.CACHE.list({ prefix: resultPrefix(job.id) })).objects).toEqual([]);
  });
});
