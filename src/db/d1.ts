// The one door to D1: statements are prepared and bound here, every call runs under a timeout and
// is timed, IN-lists and bulk writes are chunked under 100 bound params, lists are keyset-paged.
// Failures are Result values with generic messages; logs carry the call's name, duration and an
// error code, never SQL or params (review 9, 13, 35, 41). Stores own their SQL; this owns none.
import type { z } from 'zod';
import { type Clock, systemClock } from '../clock.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { createLogger, type Logger } from '../obs/log.ts';
import { type CursorKey, clampLimit, decodeCursor, encodeCursor, type Page } from './rows.ts';
import { assertWithinLimits, chunkItems, type Statement } from './sql.ts';

/** Default wait for one call, well under D1's 30 s per-query limit. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Calls slower than this are logged as slow (review 35). */
export const DEFAULT_SLOW_QUERY_MS = 1_000;
/** Largest batch sent at once: a batch is one transaction on D1's single thread, so a big one
 * stalls every other query on the database and must finish inside one timeout. */
export const MAX_BATCH_STATEMENTS = 50;
/** Page size when a list call names none. */
export const DEFAULT_LIST_LIMIT = 100;

/** The part of the D1 binding this module uses; specs may pass a fault-injecting wrapper. */
export type D1Like = Pick<D1Database, 'prepare' | 'batch'>;

export interface DbOptions {
  db: D1Like;
  /** Default per-call timeout (ms). */
  timeoutMs?: number;
  /** Calls at least this slow are logged (ms). */
  slowQueryMs?: number;
  log?: Logger;
  /** Measures durations; injected so specs control time. */
  clock?: Clock;
}

/** Per-call options. */
export interface CallOptions {
  timeoutMs?: number;
}

/** How IN-list items map to bound params in allInChunks. */
export interface ChunkOptions extends CallOptions {
  /** Params each item binds (2 for `(a, b) IN (VALUES (?, ?), ...)`). Default 1. */
  paramsPerItem?: number;
  /** Params every chunk's statement binds besides the items (e.g. a site filter). Default 0. */
  reservedParams?: number;
}

/** A keyset-paginated list: `query` must ORDER BY the key columns and bind `fetchLimit` as LIMIT. */
export interface ListPageOptions<Row, K extends CursorKey> extends CallOptions {
  /** The client's cursor; null or absent for the first page. */
  cursor?: string | null;
  /** The key's shape, e.g. `z.tuple([z.number().int(), z.string()])`. */
  cursorSchema: z.ZodType<K>;
  /** Requested page size, clamped into [1, MAX_LIST_LIMIT]. */
  limit?: number | null;
  query: (after: K | null, fetchLimit: number) => Statement;
  keyOf: (row: Row) => K;
}

/** What one statement of a batch did. */
export interface BatchEntry {
  changes: number;
  rows: Record<string, unknown>[];
}

/** Every D1 access in the project goes through this. `name` labels the call in logs ('jobs.claim'). */
export interface Db {
  /** The first row, or null. */
  first<Row = Record<string, unknown>>(
    name: string,
    statement: Statement,
    options?: CallOptions,
  ): Promise<Result<Row | null>>;
  /** All rows; the SQL must carry a LIMIT unless the key set is bounded. */
  all<Row = Record<string, unknown>>(
    name: string,
    statement: Statement,
    options?: CallOptions,
  ): Promise<Result<Row[]>>;
  /** A write; `changes` counts rows it touched. */
  run(name: string, statement: Statement, options?: CallOptions): Promise<Result<{ changes: number }>>;
  /** Up to MAX_BATCH_STATEMENTS statements in one atomic transaction. */
  batch(name: string, statements: readonly Statement[], options?: CallOptions): Promise<Result<BatchEntry[]>>;
  /**
   * Reads, any number of them, in batches of MAX_BATCH_STATEMENTS (one round trip each), entries
   * in statement order. The batches are not one snapshot, which a set of independent reads does
   * not need. One timeout covers all batches.
   */
  readInGroups(
    name: string,
    statements: readonly Statement[],
    options?: CallOptions,
  ): Promise<Result<BatchEntry[]>>;
  /**
   * One statement per chunk of distinct items, rows concatenated in chunk order, so no statement
   * binds more than MAX_BOUND_PARAMS. One timeout covers all chunks.
   */
  allInChunks<Row = Record<string, unknown>, Item = unknown>(
    name: string,
    items: readonly Item[],
    build: (chunk: Item[]) => Statement,
    options?: ChunkOptions,
  ): Promise<Result<Row[]>>;
  /**
   * Bulk writes (e.g. from buildInserts) in batches of MAX_BATCH_STATEMENTS, in order. Each batch
   * is atomic, the whole is not: a failure may leave earlier batches applied, so writes must be
   * idempotent. One timeout covers all batches.
   */
  runInGroups(
    name: string,
    statements: readonly Statement[],
    options?: CallOptions,
  ): Promise<Result<{ changes: number }>>;
  /** One page of a keyset list: fetches limit + 1 rows to know whether a next page exists. */
  listPage<Row, K extends CursorKey>(
    name: string,
    options: ListPageOptions<Row, K>,
  ): Promise<Result<Page<Row>>>;
}

const TIMED_OUT: unique symbol = Symbol('db timed out');

const TIMEOUT_ERROR: AppError = { kind: 'db_timeout', message: 'the database did not respond in time' };
const DB_ERROR: AppError = { kind: 'db_error', message: 'the database request failed' };

/** Creates the project's D1 access layer over a binding. */
export function createDb(options: DbOptions): Db {
  const { db } = options;
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const slowQueryMs = options.slowQueryMs ?? DEFAULT_SLOW_QUERY_MS;
  const log = options.log ?? createLogger({ component: 'db' });
  const clock = options.clock ?? systemClock;

  const prepare = (statement: Statement): D1PreparedStatement =>
    db.prepare(statement.sql).bind(...statement.params);

  // D1 cannot cancel a query: the timeout bounds the caller's wait, not D1's work. A timed-out
  // write may still commit later, which is one more reason writes must be safe to retry.
  async function timed<T>(
    name: string,
    callOptions: CallOptions | undefined,
    work: (expired: () => boolean) => Promise<T>,
  ): Promise<Result<T>> {
    const timeoutMs = callOptions?.timeoutMs ?? defaultTimeoutMs;
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    const started = clock.now();
    let expired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        expired = true;
        resolve(TIMED_OUT);
      }, timeoutMs);
    });
    try {
      const value = await Promise.race([work(() => expired), deadline]);
      const durationMs = clock.now() - started;
      if (value === TIMED_OUT) {
        log.warn('db.timeout', { query: name, duration_ms: durationMs, timeout_ms: timeoutMs });
        return err(TIMEOUT_ERROR);
      }
      if (durationMs >= slowQueryMs) log.warn('db.slow_query', { query: name, duration_ms: durationMs });
      return ok(value);
    } catch (e) {
      log.error('db.error', { query: name, duration_ms: clock.now() - started, code: errorCode(e) });
      return err(DB_ERROR);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  // Size checks throw (a bug in the caller's SQL), as rejections like every other outcome here.
  const all = async <Row>(
    name: string,
    statement: Statement,
    callOptions?: CallOptions,
  ): Promise<Result<Row[]>> => {
    assertWithinLimits(statement);
    return timed(name, callOptions, async () => (await prepare(statement).all<Row>()).results);
  };

  return {
    first: async <Row>(name: string, statement: Statement, callOptions?: CallOptions) => {
      assertWithinLimits(statement);
      return timed(name, callOptions, () => prepare(statement).first<Row>());
    },

    all,

    run: async (name, statement, callOptions) => {
      assertWithinLimits(statement);
      return timed(name, callOptions, async () => ({
        changes: (await prepare(statement).run()).meta.changes,
      }));
    },

    batch: async (name, statements, callOptions) => {
      if (statements.length > MAX_BATCH_STATEMENTS) {
        throw new RangeError(`batch of ${statements.length} statements; use runInGroups for bulk writes`);
      }
      statements.forEach(assertWithinLimits);
      if (statements.length === 0) return ok([]);
      return timed(name, callOptions, async () =>
        (await db.batch<Record<string, unknown>>(statements.map(prepare))).map((r) => ({
          changes: r.meta.changes,
          rows: r.results,
        })),
      );
    },

    allInChunks: async <Row, Item>(
      name: string,
      items: readonly Item[],
      build: (chunk: Item[]) => Statement,
      chunkOptions: ChunkOptions = {},
    ) => {
      // Duplicates could match the same row from two chunks.
      const distinct = [...new Set(items)];
      const statements = chunkItems(distinct, chunkOptions.paramsPerItem, chunkOptions.reservedParams).map(
        build,
      );
      statements.forEach(assertWithinLimits);
      return timed(name, chunkOptions, async (expired) => {
        const rows: Row[] = [];
        for (const statement of statements) {
          if (expired()) break;
          rows.push(...(await prepare(statement).all<Row>()).results);
        }
        return rows;
      });
    },

    readInGroups: async (name, statements, callOptions) => {
      statements.forEach(assertWithinLimits);
      if (statements.length === 0) return ok([]);
      return timed(name, callOptions, async (expired) => {
        const entries: BatchEntry[] = [];
        for (let i = 0; i < statements.length && !expired(); i += MAX_BATCH_STATEMENTS) {
          const results = await db.batch<Record<string, unknown>>(
            statements.slice(i, i + MAX_BATCH_STATEMENTS).map(prepare),
          );
          for (const r of results) entries.push({ changes: r.meta.changes, rows: r.results });
        }
        return entries;
      });
    },

    runInGroups: async (name, statements, callOptions) => {
      statements.forEach(assertWithinLimits);
      return timed(name, callOptions, async (expired) => {
        let changes = 0;
        for (let i = 0; i < statements.length && !expired(); i += MAX_BATCH_STATEMENTS) {
          const results = await db.batch(statements.slice(i, i + MAX_BATCH_STATEMENTS).map(prepare));
          for (const result of results) changes += result.meta.changes;
        }
        return { changes };
      });
    },

    listPage: async <Row, K extends CursorKey>(
      name: string,
      list: ListPageOptions<Row, K>,
    ): Promise<Result<Page<Row>>> => {
      const limit = clampLimit(list.limit, DEFAULT_LIST_LIMIT);
      let after: K | null = null;
      if (list.cursor != null) {
        const decoded = decodeCursor(list.cursor, list.cursorSchema);
        if (!decoded.ok) return decoded;
        after = decoded.value;
      }
      const rows = await all<Row>(name, list.query(after, limit + 1), list);
      if (!rows.ok) return rows;
      const items = rows.value.slice(0, limit);
      const last = items.at(-1);
      const more = rows.value.length > limit && last !== undefined;
      return ok({ items, next_cursor: more ? encodeCursor(list.keyOf(last)) : null });
    },
  };
}

// D1 error messages can quote SQL (syntax errors, CHECK expressions); only the code token is logged.
function errorCode(e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  const match =
    /extended: (SQLITE_[A-Z_]+)/.exec(message) ??
    /\b(SQLITE_[A-Z_]+)/.exec(message) ??
    /\b(D1_[A-Z_]+)/.exec(message);
  return match?.[1] ?? 'unknown';
}
