// Specifies src/jobs/store.ts against the real local D1 with the real migrations: every transition
// agrees with the pure machine (state.ts), refusals are typed values, claims are atomic, attempts
// stay bounded, cancel and dedup semantics, principals are isolated, dead means one dead letter.
// Storage is shared by this file's tests, so each job gets its own principal or request key.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { stmt } from '../../src/db/sql.ts';
import { JOB_STATUSES, type JobEvent, type JobStatus, transition } from '../../src/jobs/state.ts';
import { createJobStore, type Job, type JobStore, type NewJob } from '../../src/jobs/store.ts';
import { createLogger } from '../../src/obs/log.ts';
import { newJob } from '../support/builders.ts';

const T0 = Date.UTC(2026, 10, 1);

function setup(): {
  store: JobStore;
  clock: Clock & { advance(ms: number): void };
  db: ReturnType<typeof createDb>;
} {
  let now = T0;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
  return { store: createJobStore({ db, clock, ids: randomId }), clock, db };
}

async function created(store: JobStore, input: NewJob = newJob()): Promise<Job> {
  const result = await store.create(input);
  if (!result.ok) throw new Error(`create failed: ${result.error.kind}`);
  return result.value.job;
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string } }): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}`);
  return result.value;
}

async function deadLetters(db: ReturnType<typeof createDb>, jobId: string): Promise<number> {
  const row = value(
    await db.first<{ n: number }>(
      'spec.dead_letters',
      stmt('SELECT count(*) AS n FROM dead_letters WHERE job_id = ?', jobId),
    ),
  );
  return row?.n ?? 0;
}

const ERROR = { code: 'upstream_unavailable', message: 'ACE did not answer' };

describe('job store: create', () => {
  it('writes a queued job and maps every column back', async () => {
    const { store } = setup();
    const input = newJob({ priority: 'high', estimatedSamples: 1_000_000 });
    const result = value(await store.create(input));
    expect(result.created).toBe(true);
    expect(result.job).toMatchObject({
      principal: input.principal,
      site: input.site,
      requestKey: input.requestKey,
      request: input.request,
      status: 'queued',
      priority: 'high',
      attempts: 0,
      maxAttempts: 3,
      estimatedSamples: 1_000_000,
      progress: { pages: 0, samples: 0, bytes: 0, percent: 0 },
      cancelRequested: false,
      result: null,
      error: null,
      createdAt: T0,
      startedAt: null,
    });
    expect(value(await store.get(result.job.id, input.principal))).toEqual(result.job);
  });

  it('returns the existing active job for an identical request, and a new one once it is terminal', async () => {
    const { store } = setup();
    const input = newJob();
    const first = value(await store.create(input));
    const again = value(await store.create(input));
    expect(again).toEqual({ job: first.job, created: false });
    value(await store.claim(first.job.id));
    expect(value(await store.create(input)).job.id).toBe(first.job.id);
    value(await store.retry(first.job.id, ERROR));
    expect(value(await store.create(input)).job.id).toBe(first.job.id);
    value(await store.fail(first.job.id, ERROR));
    const fresh = value(await store.create(input));
    expect(fresh.created).toBe(true);
    expect(fresh.job.id).not.toBe(first.job.id);
    expect(fresh.job.status).toBe('queued');
  });

  it('concurrent identical submissions make exactly one job', async () => {
    const { store } = setup();
    const input = newJob();
    const results = (await Promise.all(Array.from({ length: 8 }, () => store.create(input)))).map(value);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('the same request from another principal is another job', async () => {
    const { store } = setup();
    const input = newJob();
    const a = await created(store, input);
    const b = await created(store, { ...input, principal: `p-${randomId()}` });
    expect(b.id).not.toBe(a.id);
  });
});

describe('job store: claim', () => {
  it('N concurrent claims of one job: exactly one wins, attempts = 1', async () => {
    const { store } = setup();
    const job = await created(store);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.claim(job.id)));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    for (const r of results) {
      if (!r.ok) expect(r.error).toEqual({ kind: 'illegal_transition', from: 'running', event: 'claim' });
    }
    const stored = value(await store.get(job.id, job.principal));
    expect(stored).toMatchObject({ status: 'running', attempts: 1, startedAt: T0, heartbeatAt: T0 });
  });

  it('attempts never exceed max_attempts: claim and retry refuse, markDead does not', async () => {
    const { store, db } = setup();
    const job = await created(store, newJob({ maxAttempts: 2 }));
    value(await store.claim(job.id));
    value(await store.retry(job.id, ERROR));
    expect(value(await store.claim(job.id)).attempts).toBe(2);
    const retry = await store.retry(job.id, ERROR);
    expect(retry.ok ? null : retry.error.kind).toBe('conflict');
    const dead = value(await store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs' }));
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, error: ERROR });
    expect(await deadLetters(db, job.id)).toBe(1);
  });

  it('claim refuses a retrying job whose attempts are used up, whatever wrote the row', async () => {
    const { store, db } = setup();
    const job = await created(store, newJob({ maxAttempts: 1 }));
    // Not reachable through the store (retry and reap refuse first): written directly on purpose.
    value(
      await db.run(
        'spec.exhausted',
        stmt(`UPDATE queue_jobs SET status = 'retrying', attempts = 1 WHERE id = ?`, job.id),
      ),
    );
    const claim = await store.claim(job.id);
    expect(claim.ok ? null : claim.error.kind).toBe('conflict');
    expect(value(await store.get(job.id, job.principal))).toMatchObject({ status: 'retrying', attempts: 1 });
  });

  it('an unknown job is not_found', async () => {
    const { store } = setup();
    const result = await store.claim(randomId());
    expect(result.ok ? null : result.error.kind).toBe('not_found');
  });
});

describe('job store: heartbeat, succeed, fail', () => {
  it('heartbeat records progress only while running and clamps the percent', async () => {
    const { store, clock } = setup();
    const job = await created(store);
    const early = await store.heartbeat(job.id, { pages: 1, samples: 1, bytes: 1, percent: 1 });
    expect(early.ok ? null : early.error.kind).toBe('conflict');
    value(await store.claim(job.id));
    clock.advance(5_000);
    expect(
      value(await store.heartbeat(job.id, { pages: 3, samples: 900, bytes: 4096, percent: 250 })),
    ).toEqual({
      cancelRequested: false,
    });
    expect(value(await store.get(job.id, job.principal))).toMatchObject({
      progress: { pages: 3, samples: 900, bytes: 4096, percent: 100 },
      heartbeatAt: T0 + 5_000,
    });
  });

  it('succeed stores the result; a second succeed is an illegal transition', async () => {
    const { store } = setup();
    const job = await created(store);
    value(await store.claim(job.id));
    // The last heartbeat's count was of ACE's entries part-way through; the result's is exact.
    value(await store.heartbeat(job.id, { pages: 2, samples: 40, bytes: 100, percent: 50 }));
    const result = { key: `results/${job.id}`, bytes: 1234, samples: 99, expiresAt: T0 + 86_400_000 };
    expect(value(await store.succeed(job.id, result))).toMatchObject({
      status: 'succeeded',
      result,
      progress: { samples: 99, percent: 100 },
    });
    const again = await store.succeed(job.id, result);
    expect(again.ok ? null : again.error).toEqual({
      kind: 'illegal_transition',
      from: 'succeeded',
      event: 'succeed',
    });
  });

  it('fail is permanent and records the error', async () => {
    const { store } = setup();
    const job = await created(store);
    value(await store.claim(job.id));
    expect(value(await store.fail(job.id, { code: 'upstream_404', message: 'no such point' }))).toMatchObject(
      {
        status: 'failed',
        error: { code: 'upstream_404', message: 'no such point' },
      },
    );
    const claim = await store.claim(job.id);
    expect(claim.ok ? null : claim.error).toEqual({
      kind: 'illegal_transition',
      from: 'failed',
      event: 'claim',
    });
  });
});

describe('job store: cancel', () => {
  it('queued and retrying jobs are cancelled at once', async () => {
    const { store } = setup();
    const queued = await created(store);
    expect(value(await store.requestCancel(queued.id, queued.principal)).status).toBe('cancelled');
    const retrying = await created(store);
    value(await store.claim(retrying.id));
    value(await store.retry(retrying.id, ERROR));
    expect(value(await store.requestCancel(retrying.id, retrying.principal)).status).toBe('cancelled');
    const claim = await store.claim(retrying.id);
    expect(claim.ok).toBe(false);
  });

  it('a running job is flagged, never succeeds, and stops at the next heartbeat', async () => {
    const { store } = setup();
    const job = await created(store);
    value(await store.claim(job.id));
    expect(value(await store.requestCancel(job.id, job.principal))).toMatchObject({
      status: 'running',
      cancelRequested: true,
    });
    expect(value(await store.heartbeat(job.id, { pages: 1, samples: 1, bytes: 1, percent: 10 }))).toEqual({
      cancelRequested: true,
    });
    const succeed = await store.succeed(job.id, { key: 'k', bytes: 1, samples: 1, expiresAt: T0 });
    expect(succeed.ok ? null : succeed.error.kind).toBe('conflict');
    const retry = await store.retry(job.id, ERROR);
    expect(retry.ok ? null : retry.error.kind).toBe('conflict');
    expect(value(await store.confirmCancel(job.id)).status).toBe('cancelled');
  });

  it('confirmCancel without a request is refused', async () => {
    const { store } = setup();
    const job = await created(store);
    value(await store.claim(job.id));
    const confirm = await store.confirmCancel(job.id);
    expect(confirm.ok ? null : confirm.error.kind).toBe('conflict');
    expect(value(await store.get(job.id, job.principal))?.status).toBe('running');
  });

  it('a terminal job is a conflict; another principal sees not_found and changes nothing', async () => {
    const { store } = setup();
    const job = await created(store);
    const other = await store.requestCancel(job.id, `p-${randomId()}`);
    expect(other.ok ? null : other.error.kind).toBe('not_found');
    expect(value(await store.get(job.id, job.principal))?.status).toBe('queued');
    value(await store.fail(job.id, ERROR));
    const late = await store.requestCancel(job.id, job.principal);
    expect(late.ok ? null : late.error.kind).toBe('conflict');
  });
});

describe('job store: principals, dead letters, reaper, rejections', () => {
  it("another principal's job reads as null", async () => {
    const { store } = setup();
    const job = await created(store);
    expect(value(await store.get(job.id, `p-${randomId()}`))).toBeNull();
    expect(value(await store.get(randomId(), job.principal))).toBeNull();
  });

  it('dead writes exactly one dead_letters row, even under duplicate and concurrent deliveries', async () => {
    const { store, db, clock } = setup();
    const job = await created(store);
    value(await store.claim(job.id));
    value(await store.retry(job.id, ERROR));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs-dlq' })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    clock.advance(1_000);
    const late = await store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs-dlq' });
    expect(late.ok ? null : late.error).toEqual({
      kind: 'illegal_transition',
      from: 'dead',
      event: 'exhaust',
    });
    expect(await deadLetters(db, job.id)).toBe(1);
    const letter = value(
      await db.first<Record<string, unknown>>(
        'spec.letter',
        stmt('SELECT * FROM dead_letters WHERE job_id = ?', job.id),
      ),
    );
    expect(letter).toMatchObject({
      queue: 'vitals-edge-jobs-dlq',
      error_code: ERROR.code,
      attempts: 1,
      replayed_at: null,
    });
    expect(JSON.parse(String(letter?.request))).toEqual(job.request);
  });

  it('markDead of a job that just failed writes no dead letter', async () => {
    const { store, db } = setup();
    const job = await created(store);
    value(await store.fail(job.id, ERROR));
    const dead = await store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs-dlq' });
    expect(dead.ok ? null : dead.error).toEqual({
      kind: 'illegal_transition',
      from: 'failed',
      event: 'exhaust',
    });
    expect(await deadLetters(db, job.id)).toBe(0);
  });

  it('replay re-queues a dead job with fresh attempts and closes its one open letter', async () => {
    const { store, db, clock } = setup();
    const job = await created(store, newJob({ maxAttempts: 1 }));
    value(await store.claim(job.id));
    value(await store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs-dlq' }));
    clock.advance(1_000);
    expect(value(await store.replay(job.id))).toMatchObject({
      status: 'queued',
      attempts: 0,
      error: null,
      finishedAt: null,
      progress: { pages: 0, samples: 0, bytes: 0, percent: 0 },
    });
    const again = await store.replay(job.id);
    expect(again.ok ? null : again.error).toEqual({
      kind: 'illegal_transition',
      from: 'queued',
      event: 'replay',
    });
    const letters = async () =>
      value(
        await db.all<{ replayed_at: number | null; replay_count: number }>(
          'spec.letters',
          stmt(
            'SELECT replayed_at, replay_count FROM dead_letters WHERE job_id = ? ORDER BY created_at',
            job.id,
          ),
        ),
      );
    expect(await letters()).toEqual([{ replayed_at: T0 + 1_000, replay_count: 1 }]);
    // It can run and die again: a second letter, the first stays closed.
    value(await store.claim(job.id));
    clock.advance(1_000);
    value(await store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs-dlq' }));
    expect(await letters()).toEqual([
      { replayed_at: T0 + 1_000, replay_count: 1 },
      { replayed_at: null, replay_count: 0 },
    ]);
  });

  it('replay is a conflict while an identical job is active, and changes nothing', async () => {
    const { store, db } = setup();
    const input = newJob();
    const job = await created(store, input);
    value(await store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs-dlq' }));
    const twin = value(await store.create(input));
    expect(twin.created).toBe(true);
    const replay = await store.replay(job.id);
    expect(replay.ok ? null : replay.error.kind).toBe('conflict');
    expect(value(await store.get(job.id, input.principal))?.status).toBe('dead');
    const open = value(
      await db.first<{ n: number }>(
        'spec.open',
        stmt('SELECT count(*) AS n FROM dead_letters WHERE job_id = ? AND replayed_at IS NULL', job.id),
      ),
    );
    expect(open?.n).toBe(1);
  });

  it('findStale lists running jobs with old heartbeats; reap sends them back to retrying', async () => {
    const { store, clock } = setup();
    const stale = await created(store);
    value(await store.claim(stale.id));
    clock.advance(60_000);
    const fresh = await created(store);
    value(await store.claim(fresh.id));
    const limit = T0 + 30_000;
    const found = value(await store.findStale(limit, 1000)).map((j) => j.id);
    expect(found).toContain(stale.id);
    expect(found).not.toContain(fresh.id);
    const notStale = await store.reap(fresh.id, limit);
    expect(notStale.ok ? null : notStale.error.kind).toBe('conflict');
    expect(value(await store.reap(stale.id, limit))).toMatchObject({
      status: 'retrying',
      error: { code: 'heartbeat_lost' },
    });
    expect(value(await store.findStale(limit, 1000)).map((j) => j.id)).not.toContain(stale.id);
  });

  it('records a rejected message', async () => {
    const { store, db } = setup();
    const sha = randomId().replace(/-/g, '').padEnd(64, '0');
    value(
      await store.recordRejection({ queue: 'vitals-edge-jobs', reason: 'bad_signature', bodySha256: sha }),
    );
    const row = value(
      await db.first<Record<string, unknown>>(
        'spec.rejection',
        stmt('SELECT * FROM queue_rejections WHERE body_sha256 = ?', sha),
      ),
    );
    expect(row).toMatchObject({
      queue: 'vitals-edge-jobs',
      reason: 'bad_signature',
      job_id: null,
      received_at: T0,
    });
  });
});

// The store's events, applied the way a caller would; 'cancel' on a running job is the request
// followed by the consumer's confirmation at its page boundary.
const STORE_EVENTS = ['claim', 'succeed', 'fail', 'retry', 'exhaust', 'cancel', 'reap', 'replay'] as const;
type StoreEvent = (typeof STORE_EVENTS)[number] & JobEvent;
const storeEventArb = fc.constantFrom<StoreEvent>(...STORE_EVENTS);

async function apply(store: JobStore, job: Job, event: StoreEvent, now: number) {
  switch (event) {
    case 'claim':
      return store.claim(job.id);
    case 'succeed':
      return store.succeed(job.id, { key: `results/${job.id}`, bytes: 10, samples: 1, expiresAt: now + 1 });
    case 'fail':
      return store.fail(job.id, ERROR);
    case 'retry':
      return store.retry(job.id, ERROR);
    case 'exhaust':
      return store.markDead(job.id, { ...ERROR, queue: 'vitals-edge-jobs' });
    case 'reap':
      return store.reap(job.id, now + 1);
    case 'replay':
      return store.replay(job.id);
    case 'cancel': {
      const requested = await store.requestCancel(job.id, job.principal);
      return requested.ok && requested.value.status === 'running' ? store.confirmCancel(job.id) : requested;
    }
  }
}

describe('job store: agrees with the pure machine', () => {
  it('random event sequences give the machine’s statuses, typed refusals and one open letter iff dead', async () => {
    const { store, clock, db } = setup();
    await fc.assert(
      fc.asyncProperty(fc.array(storeEventArb, { maxLength: 16 }), async (events) => {
        // Attempts never run out here, so only the machine decides.
        const job = await created(store, newJob({ maxAttempts: 100 }));
        let status: JobStatus = 'queued';
        for (const event of events) {
          const expected = transition(status, event);
          const result = await apply(store, job, event, clock.now());
          if (expected.ok) {
            expect(result.ok ? result.value.status : result.error).toBe(expected.to);
            status = expected.to;
          } else if (event === 'cancel') {
            // The HTTP-facing cancel reports a finished job as a conflict.
            expect(result.ok ? null : result.error.kind).toBe('conflict');
          } else {
            expect(result.ok ? null : result.error).toEqual(expected.error);
          }
          const stored = value(await store.get(job.id, job.principal));
          expect(JOB_STATUSES).toContain(stored?.status);
          expect(stored?.status).toBe(status);
          const open = value(
            await db.first<{ n: number }>(
              'spec.open',
              stmt('SELECT count(*) AS n FROM dead_letters WHERE job_id = ? AND replayed_at IS NULL', job.id),
            ),
          );
          expect(open?.n).toBe(status === 'dead' ? 1 : 0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('attempts never exceed max_attempts whatever the claim/retry/reap sequence', async () => {
    const { store, clock } = setup();
    const opArb = fc.constantFrom<StoreEvent>('claim', 'retry', 'reap');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(opArb, { maxLength: 15 }),
        async (max, ops) => {
          const job = await created(store, newJob({ maxAttempts: max }));
          let claims = 0;
          for (const op of ops) {
            const result = await apply(store, job, op, clock.now());
            if (op === 'claim' && result.ok) claims++;
            const stored = value(await store.get(job.id, job.principal));
            expect(stored?.attempts).toBe(claims);
            expect(stored?.attempts ?? 0).toBeLessThanOrEqual(max);
            expect(stored?.status).not.toBe('succeeded');
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

// fc.scheduler releases whatever is pending; with real D1 I/O in flight it would release the other
// actor before this one's query returned. So: release one step only once every live actor is parked.
async function interleave(s: fc.Scheduler, actors: Promise<unknown>[]): Promise<void> {
  let live = actors.length;
  for (const actor of actors) void actor.finally(() => live--);
  while (live > 0) {
    for (let spins = 0; s.count() < live; spins++) {
      if (spins > 10_000) throw new Error('an actor neither parked nor finished');
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (live > 0) await s.waitOne();
  }
  await Promise.all(actors);
}

describe('job store: races', () => {
  it('cancel racing a consumer: an accepted cancel ends cancelled, never succeeded', async () => {
    const { store } = setup();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const job = await created(store);
        const step = <T>(label: string, run: () => Promise<T>): Promise<T> =>
          s.schedule(Promise.resolve(label), label).then(run);
        // The consumer: claim, one page, then succeed unless told to stop at the page boundary.
        const consumer = (async () => {
          const claim = await step('claim', () => store.claim(job.id));
          if (!claim.ok) return;
          const beat = await step('heartbeat', () =>
            store.heartbeat(job.id, { pages: 1, samples: 1, bytes: 1, percent: 50 }),
          );
          if (beat.ok && !beat.value.cancelRequested) {
            const done = await step('succeed', () =>
              store.succeed(job.id, { key: `results/${job.id}`, bytes: 1, samples: 1, expiresAt: T0 + 1 }),
            );
            if (done.ok) return;
          }
          await step('confirmCancel', () => store.confirmCancel(job.id));
        })();
        const cancel = step('requestCancel', () => store.requestCancel(job.id, job.principal));
        await interleave(s, [consumer, cancel]);
        const accepted = await cancel;
        const final = value(await store.get(job.id, job.principal));
        expect(final?.status).toBe(accepted.ok ? 'cancelled' : 'succeeded');
      }),
      { numRuns: 40 },
    );
  });
});
