// Specifies src/obs/bookkeeping.ts: the isolate's ledger adds up touches, request counts and hot
// point sets exactly (a property against plain counting), stays bounded, and gives back what a
// failed write could not store; the recorder writes nothing until scheduled, then one batch after
// flushMs, and the batch adds up in D1 to what was recorded (real D1, the owners' statements).
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { touchStatements } from '../../src/cache/result-cache.ts';
import { hotRequestStatements } from '../../src/cache/warming.ts';
import { createDb } from '../../src/db/d1.ts';
import { createBookkeeping, createLedger, type PendingWork } from '../../src/obs/bookkeeping.ts';
import { createLogger } from '../../src/obs/log.ts';
import { countStatements } from '../../src/obs/request-counts.ts';
import { countingD1 } from '../support/counting-d1.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../support/faults.ts';

const DAY = 86_400_000;
const now = Date.UTC(2026, 4, 4, 12);
const clock = { now: () => now };
const log = createLogger({}, () => {});
const statements = async (work: PendingWork) => [
  ...touchStatements(work.touches),
  ...countStatements(work.counts),
  ...(await hotRequestStatements(work.hot)),
];

beforeEach(async () => {
  await env.DB.batch(['request_counts', 'hot_requests'].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
});

type Entry =
  | { kind: 'touch'; key: string; at: number }
  | { kind: 'count'; day: number; route: string; cache: string }
  | { kind: 'hot'; points: string; lastAt: number };
const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({
    kind: fc.constant('touch' as const),
    key: fc.constantFrom('k1', 'k2', 'k3'),
    at: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({
    kind: fc.constant('count' as const),
    day: fc.constantFrom(0, DAY),
    route: fc.constantFrom('/a', '/b'),
    cache: fc.constantFrom('hit', 'miss', 'none'),
  }),
  fc.record({
    kind: fc.constant('hot' as const),
    points: fc.constantFrom('["x"]', '["x","y"]'),
    lastAt: fc.integer({ min: 0, max: 100 }),
  }),
);

function record(ledger: ReturnType<typeof createLedger>, e: Entry) {
  if (e.kind === 'touch') ledger.touch(e.key, e.at);
  else if (e.kind === 'count') ledger.count(e.day, e.route, e.cache);
  else ledger.hot({ site: 's', points: e.points, interval: 'raw', rangeMs: DAY, lastAt: e.lastAt });
}

describe('the ledger', () => {
  it('adds up exactly what was recorded, and a restore after a failed write loses nothing', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 80 }), fc.integer({ min: 0, max: 80 }), (entries, cut) => {
        const ledger = createLedger();
        for (const e of entries.slice(0, cut)) record(ledger, e);
        // A flush that failed gives its work back; later entries merge with it.
        expect(ledger.restore(ledger.take())).toBe(0);
        for (const e of entries.slice(cut)) record(ledger, e);
        const work = ledger.take();
        const touches = entries.filter((e) => e.kind === 'touch');
        for (const t of work.touches) {
          const mine = touches.filter((e) => e.key === t.key);
          expect(t).toEqual({ key: t.key, hits: mine.length, at: Math.max(...mine.map((e) => e.at)) });
        }
        expect(work.touches.length).toBe(new Set(touches.map((e) => e.key)).size);
        for (const c of work.counts) {
          const mine = entries.filter(
            (e) => e.kind === 'count' && e.day === c.day && e.route === c.route && e.cache === c.cache,
          );
          expect(c.count).toBe(mine.length);
        }
        expect(work.counts.reduce((n, c) => n + c.count, 0)).toBe(
          entries.filter((e) => e.kind === 'count').length,
        );
        expect(work.hot.reduce((n, h) => n + h.requests, 0)).toBe(
          entries.filter((e) => e.kind === 'hot').length,
        );
        expect(ledger.pending()).toBe(0);
      }),
    );
  });

  it('holds at most its bound of entries, dropping new keys (and counting what a restore drops)', () => {
    const ledger = createLedger(3);
    for (let i = 0; i < 10; i++) ledger.touch(`k${i}`, i);
    expect(ledger.pending()).toBe(3);
    ledger.touch('k0', 99); // an existing key still adds up
    const work = ledger.take();
    expect(work.touches.find((t) => t.key === 'k0')).toEqual({ key: 'k0', at: 99, hits: 2 });
    for (let i = 0; i < 3; i++) ledger.count(i, '/r', 'none');
    expect(ledger.restore(work)).toBe(3);
  });
});

describe('the recorder', () => {
  it('writes nothing until scheduled, then one batch that adds up in D1', async () => {
    const counted = countingD1(env.DB);
    const deferred: Promise<unknown>[] = [];
    const book = createBookkeeping({
      ledger: createLedger(),
      db: createDb({ db: counted.db, clock, log }),
      clock,
      log,
      statements,
      flushMs: 10,
      defer: (work) => deferred.push(work),
    });
    for (let i = 0; i < 5; i++) book.countRequest('/api/sites/:site/timeseries', 'hit');
    book.countRequest('/api/sites/:site/points', 'none');
    book.hotRequest({ site: 'demo-small', points: '["a"]', interval: 'raw', rangeMs: DAY });
    book.hotRequest({ site: 'demo-small', points: '["a"]', interval: 'raw', rangeMs: DAY });
    expect(counted.trips).toEqual([]);
    book.schedule();
    book.schedule(); // one flush at a time
    expect(deferred).toHaveLength(1);
    await Promise.all(deferred);
    expect(counted.trips).toHaveLength(1);
    const counts = await env.DB.prepare(
      'SELECT route, cache, count FROM request_counts ORDER BY route',
    ).all();
    expect(counts.results).toEqual([
      { route: '/api/sites/:site/points', cache: 'none', count: 1 },
      { route: '/api/sites/:site/timeseries', cache: 'hit', count: 5 },
    ]);
    const hot = await env.DB.prepare('SELECT requests, last_requested_at FROM hot_requests').all();
    expect(hot.results).toEqual([{ requests: 2, last_requested_at: now }]);
    // A second flush adds to the rows, it does not replace them.
    book.countRequest('/api/sites/:site/points', 'none');
    book.schedule();
    await Promise.all(deferred);
    const again = await env.DB.prepare("SELECT count FROM request_counts WHERE cache = 'none'").first();
    expect(again).toEqual({ count: 2 });
  });

  it('keeps the counts of a failed write for the next one', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('batch', { kind: 'error', message: 'D1 down' });
    const ledger = createLedger();
    const failing = createBookkeeping({
      ledger,
      db: createDb({ db: faultyD1(env.DB, plan), clock, log }),
      clock,
      log,
      statements,
      flushMs: 0,
      defer: () => {},
    });
    failing.countRequest('/r', 'none');
    await failing.flush();
    expect(ledger.pending()).toBe(1);
    const healthy = createBookkeeping({
      ledger,
      db: createDb({ db: env.DB, clock, log }),
      clock,
      log,
      statements,
      flushMs: 0,
      defer: () => {},
    });
    healthy.countRequest('/r', 'none');
    await healthy.flush();
    expect(await env.DB.prepare("SELECT count FROM request_counts WHERE route = '/r'").first()).toEqual({
      count: 2,
    });
  });
});
