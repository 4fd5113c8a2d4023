// Specifies src/jobs/dead-letters.ts against the real local D1: the listing is keyset-paged newest
// first (ties by id), every letter exactly once across pages at any page size, open letters only
// unless asked for all, rows mapped back whole; a foreign cursor is invalid_input; replay resolves
// a letter to its job (unknown → not_found, already replayed → conflict, never touching the job).
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { encodeCursor } from '../../src/db/rows.ts';
import { stmt } from '../../src/db/sql.ts';
import { err, ok, type Result } from '../../src/errors.ts';
import { createDeadLetters, type DeadLetter } from '../../src/jobs/dead-letters.ts';
import { createJobStore, type Job } from '../../src/jobs/store.ts';
import { createLogger } from '../../src/obs/log.ts';

const T0 = Date.UTC(2026, 10, 1);

function setup(replayJob?: (jobId: string) => Promise<Result<Job>>) {
  let now = T0;
  const clock = { now: () => now };
  const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
  const store = createJobStore({ db, clock, ids: randomId });
  const replayed: string[] = [];
  const letters = createDeadLetters({
    db,
    replayJob:
      replayJob ??
      (async (jobId) => {
        replayed.push(jobId);
        const result = await store.replay(jobId);
        if (result.ok) return result;
        return err(
          result.error.kind === 'illegal_transition'
            ? { kind: 'conflict', message: 'not dead' }
            : result.error,
        );
      }),
  });
  return { db, store, letters, replayed, at: (ms: number) => (now = ms) };
}

/** A dead job and its open letter, dated `at`. */
async function deadJob(s: ReturnType<typeof setup>, at: number, queue = 'vitals-edge-jobs'): Promise<Job> {
  s.at(at);
  const created = await s.store.create({
    principal: `p-${randomId()}`,
    site: 'demo-small',
    requestKey: randomId(),
    request: { points: ['a/b', 'c/d'], start: 0, end: 3_600_000, interval: 'raw', layout: 'columns' },
    priority: 'high',
    maxAttempts: 3,
    estimatedSamples: 10,
  });
  if (!created.ok) throw new Error(created.error.kind);
  const dead = await s.store.markDead(created.value.job.id, {
    code: 'upstream_unavailable',
    message: 'ACE did not answer',
    queue,
  });
  if (!dead.ok) throw new Error(dead.error.kind);
  return dead.value;
}

/** The open letter of a dead job. */
async function letterIdOf(s: ReturnType<typeof setup>, jobId: string): Promise<string> {
  const row = await s.db.first<{ id: string }>(
    'spec.letter',
    stmt('SELECT id FROM dead_letters WHERE job_id = ? AND replayed_at IS NULL', jobId),
  );
  if (!row.ok || !row.value) throw new Error('no open letter');
  return row.value.id;
}

async function walk(
  s: ReturnType<typeof setup>,
  limit: number,
  state: 'open' | 'all',
): Promise<DeadLetter[]> {
  const seen: DeadLetter[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await s.letters.list({ limit, cursor, state });
    if (!page.ok) throw new Error(page.error.kind);
    expect(page.value.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.value.items);
    cursor = page.value.next_cursor;
    if (cursor === null) return seen;
  }
  throw new Error('paging did not end');
}

const order = (a: DeadLetter, b: DeadLetter) =>
  b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('dead letters: listing', () => {
  it('maps a letter back whole', async () => {
    const s = setup();
    const job = await deadJob(s, T0 + 5);
    const page = await s.letters.list({ limit: 1000, state: 'all' });
    if (!page.ok) throw new Error(page.error.kind);
    const letter = page.value.items.find((l) => l.jobId === job.id);
    expect(letter).toEqual({
      id: expect.any(String),
      jobId: job.id,
      queue: 'vitals-edge-jobs',
      error: { code: 'upstream_unavailable', message: 'ACE did not answer' },
      attempts: 0,
      request: job.request,
      createdAt: T0 + 5,
      replayedAt: null,
      replayCount: 0,
    });
  });

  it('pages through every letter once, newest first, ties by id, at any page size', async () => {
    const s = setup();
    // Each run has its own letters: up to 12, their instants from a few values so ties are common,
    // some replayed (closed); the page size anywhere from 1 to past the whole list.
    const runArb = fc.record({
      letters: fc.array(fc.record({ at: fc.integer({ min: 0, max: 4 }), closed: fc.boolean() }), {
        maxLength: 12,
      }),
      limit: fc.integer({ min: 1, max: 13 }),
    });
    let tied = 0;
    await fc.assert(
      fc.asyncProperty(runArb, async ({ letters, limit }) => {
        await env.DB.batch([
          env.DB.prepare('DELETE FROM dead_letters'),
          env.DB.prepare('DELETE FROM queue_jobs'),
        ]);
        for (const { at, closed } of letters) {
          const job = await deadJob(s, T0 + at * 100);
          if (closed) expect((await s.store.replay(job.id)).ok).toBe(true);
        }
        if (new Set(letters.map((l) => l.at)).size < letters.length) tied++;
        const { results } = await env.DB.prepare('SELECT id, replayed_at FROM dead_letters').all<{
          id: string;
          replayed_at: number | null;
        }>();
        const all = await walk(s, limit, 'all');
        expect(all.map((l) => l.id).sort()).toEqual(results.map((r) => r.id).sort());
        expect(all).toEqual([...all].sort(order));
        const open = await walk(s, limit, 'open');
        expect(open.map((l) => l.id).sort()).toEqual(
          results
            .filter((r) => r.replayed_at === null)
            .map((r) => r.id)
            .sort(),
        );
        expect(open).toEqual([...open].sort(order));
      }),
      { numRuns: 60 },
    );
    // The runs met what the property is about: letters sharing an instant across page boundaries.
    expect(tied).toBeGreaterThan(10);
  });

  it('shows open letters only unless state is all', async () => {
    const s = setup();
    const job = await deadJob(s, T0 + 1_000);
    s.at(T0 + 2_000);
    expect((await s.store.replay(job.id)).ok).toBe(true);
    const open = await walk(s, 3, 'open');
    const all = await walk(s, 3, 'all');
    expect(open.some((l) => l.jobId === job.id)).toBe(false);
    expect(open.every((l) => l.replayedAt === null)).toBe(true);
    expect(all.find((l) => l.jobId === job.id)).toMatchObject({ replayedAt: T0 + 2_000, replayCount: 1 });
    expect(open).toEqual(all.filter((l) => l.replayedAt === null));
  });

  it('refuses a cursor it did not issue as invalid_input', async () => {
    const s = setup();
    for (const cursor of ['nope', encodeCursor(['x', 1]), encodeCursor([1]), '!!']) {
      const page = await s.letters.list({ cursor });
      expect(page.ok ? null : page.error.kind).toBe('invalid_input');
    }
  });
});

describe('dead letters: replay by letter id', () => {
  it('re-queues the letter’s job and closes the letter', async () => {
    const s = setup();
    const job = await deadJob(s, T0 + 10_000);
    const id = await letterIdOf(s, job.id);
    const replayed = await s.letters.replay(id);
    expect(replayed).toMatchObject({ ok: true, value: { id: job.id, status: 'queued', attempts: 0 } });
    expect(s.replayed).toEqual([job.id]);
    expect(await s.letters.get(id)).toMatchObject({ ok: true, value: { id, replayedAt: T0 + 10_000 } });
  });

  it('an unknown letter is not_found and a replayed one a conflict, without touching a job', async () => {
    const s = setup();
    expect(await s.letters.replay(randomId())).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    const job = await deadJob(s, T0 + 20_000);
    const id = await letterIdOf(s, job.id);
    expect((await s.letters.replay(id)).ok).toBe(true);
    expect(await s.letters.replay(id)).toMatchObject({ ok: false, error: { kind: 'conflict' } });
    expect(s.replayed).toEqual([job.id]);
  });

  it('passes the replay’s own refusal through, and a vanished job reads as an unknown letter', async () => {
    const conflict = setup(async () => err({ kind: 'conflict', message: 'an identical job is active' }));
    const a = await deadJob(conflict, T0 + 30_000);
    expect(await conflict.letters.replay(await letterIdOf(conflict, a.id))).toMatchObject({
      ok: false,
      error: { kind: 'conflict', message: 'an identical job is active' },
    });
    const gone = setup(async () => err({ kind: 'not_found', message: 'job not found' }));
    const b = await deadJob(gone, T0 + 31_000);
    expect(await gone.letters.replay(await letterIdOf(gone, b.id))).toMatchObject({
      ok: false,
      error: { kind: 'not_found', message: 'no such dead letter' },
    });
    const fine = setup(async () => ok(b));
    expect(await fine.letters.replay(await letterIdOf(fine, b.id))).toEqual({ ok: true, value: b });
  });
});
