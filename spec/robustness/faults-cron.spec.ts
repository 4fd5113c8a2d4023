// Fault matrix, cron entry point (docs/RELIABILITY.md): runScheduled (src/cron/scheduled.ts) over
// services the Worker would build on faulted bindings. A pass never throws out of the handler, and
// a failed pass loses nothing: what it could not do is still there, consistent, for the next pass
// (a stale job stays running, an expired entry keeps both its row and its object), or the job's row
// says why it stopped (enqueue_failed).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { CRONS, runScheduled } from '../../src/cron/scheduled.ts';
import { ENQUEUE_FAILED } from '../../src/jobs/submit.ts';
import { createServices } from '../../src/services.ts';
import type { LogLine } from '../http/harness.ts';
import { aceMock } from '../support/ace.ts';
import { expectCacheConsistent, expectResultsConsistent } from '../support/consistency.ts';
import {
  createFaultPlan,
  type D1Op,
  faultyD1,
  faultyQueue,
  faultyR2,
  type QueueOp,
  type R2Op,
} from '../support/faults.ts';

const HOUR = 3_600_000;
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 2)
  .map((p) => p.point.name);
const ALL_D1: readonly D1Op[] = ['first', 'all', 'run', 'raw', 'batch', 'exec'];

async function pass(cron: string, overrides: Partial<Env> = {}) {
  const logs: LogLine[] = [];
  const ctx = createExecutionContext();
  const services = createServices({ ...env, ...overrides }, ctx, {
    clock: { now: () => Date.now() },
    logSink: (level, line) => logs.push({ level, line }),
  });
  await expect(runScheduled(cron, services)).resolves.toBeUndefined();
  await waitOnExecutionContext(ctx);
  return logs;
}

function d1(kind: 'error' | 'hang'): Partial<Env> {
  const plan = createFaultPlan<D1Op>();
  for (const op of ALL_D1) plan.set(op, kind === 'error' ? { kind: 'error' } : { kind: 'hang' });
  return { DB: faultyD1(env.DB, plan), D1_TIMEOUT_MS: '150' };
}

/** A running job whose heartbeat is an hour old, with attempts left; and an expired cache entry. */
async function seed() {
  const id = crypto.randomUUID();
  const old = Date.now() - HOUR;
  await env.DB.prepare(
    `INSERT INTO queue_jobs (id, principal, site, request_key, request, status, priority, attempts, max_attempts,
       created_at, updated_at, started_at, heartbeat_at)
     VALUES (?, ?, 'demo-small', ?, ?, 'running', 'normal', 1, 6, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      'c'.repeat(64),
      id.replace(/-/g, ''),
      JSON.stringify({ points: names, start: old - 6 * HOUR, end: old }),
      old,
      old,
      old,
      old,
    )
    .run();
  const key = `v9/cron-faults/${crypto.randomUUID()}`;
  const bytes = new TextEncoder().encode('expired chunk');
  await env.CACHE.put(key, bytes);
  await env.DB.prepare(
    `INSERT INTO cache_entries (key, site, interval, chunk_start, chunk_end, points, samples, bytes, raw_bytes,
       created_at, last_access_at, expires_at) VALUES (?, 'demo-small', 'raw', 0, 1, 1, 1, ?, 1, 0, 0, 1)`,
  )
    .bind(key, bytes.byteLength)
    .run();
  return { id, key };
}

const jobRow = (id: string) =>
  env.DB.prepare('SELECT status, error_code FROM queue_jobs WHERE id = ?')
    .bind(id)
    .first<{ status: string; error_code: string | null }>();
const entryRow = (key: string) =>
  env.DB.prepare('SELECT key FROM cache_entries WHERE key = ?').bind(key).first();

afterEach(async () => {
  aceMock.clearFaults();
  await expectCacheConsistent();
  await expectResultsConsistent();
});

// The healed passes re-queue jobs for real; the Worker's queue() runs them. Let them settle.
afterAll(async () => {
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare(
      "SELECT count(*) AS n FROM queue_jobs WHERE status IN ('queued', 'running') AND principal = ?",
    )
      .bind('c'.repeat(64))
      .first<{ n: number }>();
    if ((row?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

describe('fault matrix: cron passes (maintenance: eviction, reaper, result expiry)', () => {
  it.each([
    ['every statement errors', 'error'],
    ['every statement hangs past D1_TIMEOUT_MS', 'hang'],
  ] as const)(
    'D1: %s → the pass resolves, loses nothing, and the next healthy pass does the work',
    async (_, kind) => {
      const { id, key } = await seed();
      const logs = await pass(CRONS.maintenance, d1(kind));
      expect(logs.some((l) => l.line.event === (kind === 'error' ? 'db.error' : 'db.timeout'))).toBe(true);
      // Nothing lost, nothing half-done: the job still running, the entry whole (row and object).
      expect(await jobRow(id)).toMatchObject({ status: 'running' });
      expect(await entryRow(key)).not.toBeNull();
      expect(await env.CACHE.head(key)).not.toBeNull();

      await pass(CRONS.maintenance);
      expect((await jobRow(id))?.status).not.toBe('running');
      expect(await entryRow(key)).toBeNull();
      expect(await env.CACHE.head(key)).toBeNull();
    },
  );

  it('Queue: send throws → a reaped job is failed with enqueue_failed, never left waiting unsent', async () => {
    const { id } = await seed();
    const plan = createFaultPlan<QueueOp>();
    plan.set('send', { kind: 'error', message: 'injected queue fault' });
    await pass(CRONS.maintenance, {
      JOBS: faultyQueue(env.JOBS, plan),
      JOBS_HIGH: faultyQueue(env.JOBS_HIGH, plan),
    });
    expect(await jobRow(id)).toEqual({ status: 'failed', error_code: ENQUEUE_FAILED });
  });

  it('R2: delete fails → the expired entry keeps its row and its object, and goes next pass', async () => {
    const { key } = await seed();
    const plan = createFaultPlan<R2Op>();
    plan.set('delete', { kind: 'error' });
    await pass(CRONS.maintenance, { CACHE: faultyR2(env.CACHE, plan) });
    expect(await entryRow(key)).not.toBeNull();
    expect(await env.CACHE.head(key)).not.toBeNull();
    await pass(CRONS.maintenance);
    expect(await entryRow(key)).toBeNull();
  });
});

describe('fault matrix: cron passes (warming)', () => {
  async function hotSet() {
    // A set requested within the hot window, over past days only (warming skips today).
    const services = createServices(env, createExecutionContext());
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const points = [...names, sitePoints('demo-small')[5]?.point.name ?? names[0] ?? ''].slice(0, 3);
    services.warming.record({
      site: 'demo-small',
      points,
      startMs: today - 2 * 86_400_000,
      endMs: today,
      interval: 'raw',
    });
    await services.bookkeeping.flush();
    return { start: today - 2 * 86_400_000, end: today };
  }
  const stored = async (start: number, end: number) =>
    (
      await env.DB.prepare(
        'SELECT count(*) AS n FROM cache_entries WHERE chunk_start >= ? AND chunk_start < ?',
      )
        .bind(start, end)
        .first<{ n: number }>()
    )?.n ?? 0;

  it('ACE: 503 on every call → warming.failed logged, nothing stored, the pass resolves', async () => {
    const { start, end } = await hotSet();
    await env.DB.prepare('DELETE FROM cache_entries WHERE chunk_start >= ? AND chunk_start < ?')
      .bind(start, end)
      .run();
    aceMock.setFaults({ status: 503, routes: ['get_timeseries', 'paginated'] });
    const logs = await pass(CRONS.warming);
    expect(logs.some((l) => l.line.event === 'warming.failed')).toBe(true);
    expect(await stored(start, end)).toBe(0);
  });

  it('R2: put fails → the set is served but nothing is stored', async () => {
    const { start, end } = await hotSet();
    await env.DB.prepare('DELETE FROM cache_entries WHERE chunk_start >= ? AND chunk_start < ?')
      .bind(start, end)
      .run();
    const plan = createFaultPlan<R2Op>();
    plan.set('put', { kind: 'error' });
    const logs = await pass(CRONS.warming, { CACHE: faultyR2(env.CACHE, plan) });
    expect(logs.some((l) => l.line.event === 'timeseries.cache_put_failed')).toBe(true);
    expect(await stored(start, end)).toBe(0);
  });

  it('D1: every statement errors → the pass resolves having warmed nothing', async () => {
    await hotSet();
    const logs = await pass(CRONS.warming, d1('error'));
    expect(logs.some((l) => l.line.event === 'db.error')).toBe(true);
  });
});

describe('fault matrix: cron passes (aggregate retention)', () => {
  it('D1: every statement errors → the pass resolves and logs why', async () => {
    const logs = await pass(CRONS.retention, d1('error'));
    expect(logs.some((l) => l.level === 'error')).toBe(true);
  });
});
