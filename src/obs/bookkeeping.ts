// The hot path's D1 writes, taken off the hot path: chunk reads (LRU order and hit counts of the
// cache index), request counts (admin stats) and requested point sets (cache warming) are added
// up in the isolate and written in one batch at most every flushMs. Recording is in memory only;
// the entry point schedules the flush once its response is made (index.ts), so no write runs on
// a request's path, and the first invocation to find work pending writes it flushMs later inside
// its waitUntil. An isolate that dies first loses at most one interval's counts. Owns the
// aggregation and scheduling; the SQL is each table's owner's (result-cache.ts, request-counts.ts,
// warming.ts).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import type { Statement } from '../db/sql.ts';
import { describeError, type Logger } from './log.ts';

/** Chunk reads since the last flush. */
export interface PendingTouch {
  key: string;
  at: number;
  hits: number;
}

/** Requests per (UTC day, route, cache status) since the last flush. */
export interface PendingCount {
  day: number;
  route: string;
  cache: string;
  count: number;
}

/** Requests of one point set shape since the last flush (points as canonical JSON). */
export interface PendingHotRequest {
  site: string;
  points: string;
  interval: string;
  rangeMs: number;
  requests: number;
  lastAt: number;
}

/** What one flush writes. */
export interface PendingWork {
  touches: PendingTouch[];
  counts: PendingCount[];
  hot: PendingHotRequest[];
}

/** Turns pending work into statements (each table's owner builds its own). */
export type FlushStatements = (work: PendingWork) => Promise<Statement[]>;

/** The isolate's ledger: created once per isolate (isolate.ts). */
export interface Ledger {
  touch(key: string, at: number): void;
  count(day: number, route: string, cache: string): void;
  hot(entry: Omit<PendingHotRequest, 'requests'>): void;
  /** Entries waiting for the next flush. */
  pending(): number;
  /** Takes everything pending (the ledger is empty afterwards). */
  take(): PendingWork;
  /** Puts back work a failed flush could not write (bounded: the excess is dropped and counted). */
  restore(work: PendingWork): number;
  /** Whether a flush is scheduled or running; set by the flusher. */
  scheduled: boolean;
}

/** Most entries the ledger holds; a flush scheduled with more than half of it pending runs at once. */
export const MAX_PENDING = 5_000;

/** Creates an empty ledger. */
export function createLedger(maxPending = MAX_PENDING): Ledger {
  let touches = new Map<string, PendingTouch>();
  let counts = new Map<string, PendingCount>();
  let hot = new Map<string, PendingHotRequest>();
  const size = () => touches.size + counts.size + hot.size;
  // Each adder merges into an existing entry, or adds one while there is room; false: dropped.
  const addTouch = (key: string, at: number, hits: number) => {
    const t = touches.get(key);
    if (t) {
      t.hits += hits;
      t.at = Math.max(t.at, at);
    } else if (size() < maxPending) touches.set(key, { key, at, hits });
    else return false;
    return true;
  };
  const addCount = (day: number, route: string, cache: string, n: number) => {
    const key = `${day}\n${route}\n${cache}`;
    const c = counts.get(key);
    if (c) c.count += n;
    else if (size() < maxPending) counts.set(key, { day, route, cache, count: n });
    else return false;
    return true;
  };
  const addHot = (entry: Omit<PendingHotRequest, 'requests'>, n: number) => {
    const key = `${entry.site}\n${entry.points}\n${entry.interval}\n${entry.rangeMs}`;
    const h = hot.get(key);
    if (h) {
      h.requests += n;
      h.lastAt = Math.max(h.lastAt, entry.lastAt);
    } else if (size() < maxPending) hot.set(key, { ...entry, requests: n });
    else return false;
    return true;
  };
  const ledger: Ledger = {
    scheduled: false,
    touch: (key, at) => void addTouch(key, at, 1),
    count: (day, route, cache) => void addCount(day, route, cache, 1),
    hot: (entry) => void addHot(entry, 1),
    pending: size,
    take() {
      const work = { touches: [...touches.values()], counts: [...counts.values()], hot: [...hot.values()] };
      touches = new Map();
      counts = new Map();
      hot = new Map();
      return work;
    },
    restore(work) {
      let dropped = 0;
      for (const t of work.touches) if (!addTouch(t.key, t.at, t.hits)) dropped++;
      for (const c of work.counts) if (!addCount(c.day, c.route, c.cache, c.count)) dropped++;
      for (const h of work.hot) if (!addHot(h, h.requests)) dropped++;
      return dropped;
    },
  };
  return ledger;
}

export interface Bookkeeping {
  /** One read of a cache chunk, in any tier (memory only). */
  touch(key: string): void;
  /** One /api request with its route label and cache status (memory only). */
  countRequest(route: string, cache: string): void;
  /** One served read of a point set (canonical JSON), for cache warming (memory only). */
  hotRequest(entry: { site: string; points: string; interval: string; rangeMs: number }): void;
  /**
   * Schedules the write of what is pending, flushMs from now, in the invocation's waitUntil
   * (unless one is already scheduled). Entry points call it after their response is made.
   */
  schedule(): void;
  /** Writes everything pending now (admin stats call it so their own isolate's counts are in). */
  flush(): Promise<void>;
}

export interface BookkeepingOptions {
  ledger: Ledger;
  db: Db;
  clock: Clock;
  log: Logger;
  statements: FlushStatements;
  /** How long after the first recorded entry the flush runs (0: right after the response). */
  flushMs: number;
  defer: (work: Promise<unknown>) => void;
}

const DAY_MS = 86_400_000;

/** The per-invocation recorder over the isolate's ledger. */
export function createBookkeeping(options: BookkeepingOptions): Bookkeeping {
  const { ledger, db, clock, log } = options;

  const flush = async () => {
    const work = ledger.take();
    if (work.touches.length + work.counts.length + work.hot.length === 0) return;
    let statements: Statement[];
    try {
      statements = await options.statements(work);
    } catch (e) {
      log.error('bookkeeping.build_failed', describeError(e));
      return;
    }
    const written = await db.runInGroups('bookkeeping.flush', statements);
    if (!written.ok) {
      const dropped = ledger.restore(work);
      log.warn('bookkeeping.flush_failed', { kind: written.error.kind, dropped });
    }
  };

  const schedule = () => {
    if (ledger.scheduled || ledger.pending() === 0) return;
    ledger.scheduled = true;
    const soon = ledger.pending() >= MAX_PENDING / 2;
    const wait = soon || options.flushMs <= 0 ? Promise.resolve() : sleep(options.flushMs);
    options.defer(
      wait
        .then(flush)
        .catch((e: unknown) => log.error('bookkeeping.flush_crashed', describeError(e)))
        .finally(() => {
          ledger.scheduled = false;
        }),
    );
  };

  return {
    touch: (key) => ledger.touch(key, clock.now()),
    countRequest(route, cache) {
      const now = clock.now();
      ledger.count(Math.floor(now / DAY_MS) * DAY_MS, route, cache);
    },
    hotRequest: (entry) => ledger.hot({ ...entry, lastAt: clock.now() }),
    schedule,
    flush,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
