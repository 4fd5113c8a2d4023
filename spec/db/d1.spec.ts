// Specifies src/db/d1.ts against the real local D1 with the real migrations: timeouts, generic
// failures, chunked IN reads and bulk writes under 100 bound params, and keyset pages. Storage is
// shared by this file's tests, so each test uses its own keys (site, principal, point prefix).
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Clock } from '../../src/clock.ts';
import { createDb, type D1Like, type Db, MAX_BATCH_STATEMENTS } from '../../src/db/d1.ts';
import { encodeCursor } from '../../src/db/rows.ts';
import { buildInserts, MAX_BOUND_PARAMS, placeholders, planChunks, stmt } from '../../src/db/sql.ts';
import { createLogger, type LogLevel } from '../../src/obs/log.ts';

// A wrapper around the REAL binding (CONVENTIONS 13) that records what reaches D1 and, when
// stalled, holds every call until released: local workerd runs SQLite on the same thread as the
// spec, so a genuinely slow query blocks the timer too and would always win the race.
interface Instrumented {
  db: D1Like;
  /** Params bound per statement, in order. */
  binds: number[];
  /** Statements per batch call, in order. */
  batches: number[];
  /** Calls held by the stall, to await after release. */
  held: Promise<unknown>[];
  release(): void;
}

function instrument(real: D1Database, options: { stalled?: boolean } = {}): Instrumented {
  let release = () => {};
  const gate = options.stalled ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const binds: number[] = [];
  const batches: number[] = [];
  const held: Promise<unknown>[] = [];
  const hold = <T>(call: () => Promise<T>): Promise<T> => {
    const promise = gate.then(call);
    held.push(promise.catch(() => undefined));
    return promise;
  };

  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, prop) {
        if (prop === 'bind') {
          return (...values: unknown[]) => {
            binds.push(values.length);
            return wrap(target.bind(...values));
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          return (...args: unknown[]) => hold(() => Reflect.apply(value, target, args));
        }
        return value.bind(target);
      },
    });

  return {
    db: {
      prepare: (sql) => wrap(real.prepare(sql)),
      batch: <T = unknown>(statements: D1PreparedStatement[]) => {
        batches.push(statements.length);
        return hold(() => real.batch<T>(statements));
      },
    },
    binds,
    batches,
    held,
    release: () => release(),
  };
}

interface LogLine {
  level: LogLevel;
  line: Record<string, unknown>;
}

function capturingLog() {
  const lines: LogLine[] = [];
  return { log: createLogger({}, (level, line) => lines.push({ level, line })), lines };
}

// Never lets a macrotask pass: the stalled calls settle only after release.
const nextMacrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

const slowCount = (n: number) =>
  stmt(
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c',
    n,
  );

const pointStatsInsert = 'INSERT INTO point_stats (site, point, samples_per_second, updated_at) VALUES';

async function seedPoints(db: Db, site: string, points: string[]): Promise<void> {
  const written = await db.runInGroups(
    'spec.seed_points',
    buildInserts(
      pointStatsInsert,
      points.map((point) => [site, point, 1, 1]),
    ),
  );
  expect(written).toEqual({ ok: true, value: { changes: points.length } });
}

describe('queries', () => {
  it('run, first and all round-trip through the real D1, and a missing row is null', async () => {
    const db = createDb({ db: env.DB });
    const site = 'roundtrip';
    expect(
      await db.run('spec.insert', stmt(`${pointStatsInsert} (?, ?, ?, ?)`, site, 'p1', 0.5, 10)),
    ).toEqual({
      ok: true,
      value: { changes: 1 },
    });
    expect(
      await db.first(
        'spec.first',
        stmt('SELECT point, samples_per_second FROM point_stats WHERE site = ?', site),
      ),
    ).toEqual({ ok: true, value: { point: 'p1', samples_per_second: 0.5 } });
    expect(await db.all('spec.all', stmt('SELECT point FROM point_stats WHERE site = ?', site))).toEqual({
      ok: true,
      value: [{ point: 'p1' }],
    });
    expect(await db.first('spec.none', stmt('SELECT 1 FROM point_stats WHERE site = ?', 'nowhere'))).toEqual({
      ok: true,
      value: null,
    });
  });

  it('binds every SqlValue type D1 accepts', async () => {
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    const result = await createDb({ db: env.DB }).first<Record<string, unknown>>(
      'spec.types',
      stmt('SELECT ? AS s, ? AS n, ? AS t, ? AS f, ? AS z, hex(?) AS b', 'x', 1.5, true, false, null, bytes),
    );
    expect(result).toEqual({ ok: true, value: { s: 'x', n: 1.5, t: 1, f: 0, z: null, b: '010203' } });
  });

  it('a real query well inside the default timeout succeeds', async () => {
    const db = createDb({ db: env.DB });
    expect(await db.first('spec.count', slowCount(100_000))).toEqual({ ok: true, value: { n: 100_000 } });
  });

  it('logs a slow query with its name and duration, never its params', async () => {
    let now = 0;
    const clock: Clock = { now: () => (now += 1500) };
    const { log, lines } = capturingLog();
    const db = createDb({ db: env.DB, log, clock });
    await db.first('spec.slow', stmt('SELECT ? AS v', 'param-value-7f3a'));
    expect(lines).toEqual([
      {
        level: 'warn',
        line: expect.objectContaining({ event: 'db.slow_query', query: 'spec.slow', duration_ms: 1500 }),
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('param-value-7f3a');
  });

  it('does not log a query under slowQueryMs', async () => {
    const clock: Clock = { now: () => 0 };
    const { log, lines } = capturingLog();
    await createDb({ db: env.DB, log, clock }).first('spec.fast', stmt('SELECT 1'));
    expect(lines).toEqual([]);
  });
});

describe('timeouts', () => {
  const calls: [string, (db: Db) => Promise<{ ok: boolean; error?: unknown }>][] = [
    ['first', (db) => db.first('spec.t', stmt('SELECT 1'))],
    ['all', (db) => db.all('spec.t', stmt('SELECT 1'))],
    ['run', (db) => db.run('spec.t', stmt('DELETE FROM point_stats WHERE site = ?', 'timeout-run'))],
    ['batch', (db) => db.batch('spec.t', [stmt('SELECT 1')])],
    [
      'allInChunks',
      (db) => db.allInChunks('spec.t', ['a', 'b'], (c) => stmt(`SELECT ${placeholders(c.length)}`, ...c)),
    ],
    [
      'runInGroups',
      (db) => db.runInGroups('spec.t', [stmt('DELETE FROM point_stats WHERE site = ?', 'timeout-groups')]),
    ],
    ['readInGroups', (db) => db.readInGroups('spec.t', [stmt('SELECT 1')])],
    [
      'listPage',
      (db) =>
        db.listPage('spec.t', {
          cursorSchema: z.tuple([z.number()]),
          query: (_after, n) => stmt('SELECT 1 AS k LIMIT ?', n),
          keyOf: (row: { k: number }) => [row.k],
        }),
    ],
  ];

  it.each(calls)('%s yields db_timeout when D1 does not answer in time', async (_method, call) => {
    const stalled = instrument(env.DB, { stalled: true });
    const { log, lines } = capturingLog();
    const result = await call(createDb({ db: stalled.db, timeoutMs: 20, log }));
    expect(result).toEqual({
      ok: false,
      error: { kind: 'db_timeout', message: 'the database did not respond in time' },
    });
    expect(lines).toEqual([
      {
        level: 'warn',
        line: expect.objectContaining({ event: 'db.timeout', query: 'spec.t', timeout_ms: 20 }),
      },
    ]);
    stalled.release();
    await Promise.all(stalled.held);
  });

  it('a per-call timeoutMs overrides the default', { timeout: 5_000 }, async () => {
    const stalled = instrument(env.DB, { stalled: true });
    const db = createDb({ db: stalled.db, timeoutMs: 600_000, log: capturingLog().log });
    expect(await db.first('spec.override', stmt('SELECT 1'), { timeoutMs: 20 })).toMatchObject({
      ok: false,
      error: { kind: 'db_timeout' },
    });
    stalled.release();
    await Promise.all(stalled.held);
  });

  it('stops issuing chunks once the caller has given up', async () => {
    const stalled = instrument(env.DB, { stalled: true });
    const db = createDb({ db: stalled.db, timeoutMs: 20, log: capturingLog().log });
    const items = Array.from({ length: 250 }, (_, i) => `late-${i}`);
    const result = await db.allInChunks('spec.late', items, (c) =>
      stmt(`SELECT point FROM point_stats WHERE point IN (${placeholders(c.length)})`, ...c),
    );
    expect(result).toMatchObject({ ok: false, error: { kind: 'db_timeout' } });
    stalled.release();
    await Promise.all(stalled.held);
    await nextMacrotask();
    expect(stalled.binds).toHaveLength(1);
  });

  it('stops sending batches once the caller has given up', async () => {
    const stalled = instrument(env.DB, { stalled: true });
    const db = createDb({ db: stalled.db, timeoutMs: 20, log: capturingLog().log });
    const statements = Array.from({ length: 120 }, (_, i) =>
      stmt(
        'INSERT INTO site_access (principal, site, verified_at) VALUES (?, ?, ?)',
        'late-groups',
        `s${i}`,
        i,
      ),
    );
    expect(await db.runInGroups('spec.late', statements)).toMatchObject({
      ok: false,
      error: { kind: 'db_timeout' },
    });
    stalled.release();
    await Promise.all(stalled.held);
    await nextMacrotask();
    expect(stalled.batches).toEqual([50]);
  });
});

describe('failures', () => {
  it('a D1 error is db_error with a generic message; SQL and params reach neither result nor log', async () => {
    const secret = `reason-${crypto.randomUUID()}`;
    const { log, lines } = capturingLog();
    const db = createDb({ db: env.DB, log });
    const result = await db.run(
      'rejections.insert',
      stmt(
        'INSERT INTO queue_rejections (id, queue, reason, body_sha256, received_at) VALUES (?, ?, ?, ?, ?)',
        crypto.randomUUID(),
        'jobs',
        secret,
        'sha',
        1,
      ),
    );
    expect(result).toEqual({
      ok: false,
      error: { kind: 'db_error', message: 'the database request failed' },
    });
    expect(lines).toEqual([
      {
        level: 'error',
        line: expect.objectContaining({
          event: 'db.error',
          query: 'rejections.insert',
          code: 'SQLITE_CONSTRAINT_CHECK',
        }),
      },
    ]);
    for (const text of [JSON.stringify(result), JSON.stringify(lines)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('queue_rejections');
      expect(text).not.toMatch(/INSERT|CHECK \(|malformed/);
    }
  });

  it('a failing statement fails its whole batch, atomically', async () => {
    const db = createDb({ db: env.DB, log: capturingLog().log });
    const site = 'batch-atomic';
    const result = await db.batch('spec.batch', [
      stmt(`${pointStatsInsert} (?, ?, ?, ?)`, site, 'ok', 1, 1),
      stmt(`${pointStatsInsert} (?, ?, ?, ?)`, site, 'negative', -1, 1),
    ]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'db_error' } });
    expect(await db.all('spec.read', stmt('SELECT point FROM point_stats WHERE site = ?', site))).toEqual({
      ok: true,
      value: [],
    });
  });

  it('refuses, as a bug, statements D1 would reject for size and batches over the cap', async () => {
    const spy = instrument(env.DB);
    const db = createDb({ db: spy.db });
    const params = Array.from({ length: MAX_BOUND_PARAMS + 1 }, (_, i) => i);
    await expect(db.all('spec.big', stmt(`SELECT ${placeholders(100)}, ?`, ...params))).rejects.toThrow(
      RangeError,
    );
    await expect(
      db.batch(
        'spec.big',
        Array.from({ length: MAX_BATCH_STATEMENTS + 1 }, () => stmt('SELECT 1')),
      ),
    ).rejects.toThrow(RangeError);
    await expect(
      db.allInChunks('spec.big', ['a'], (c) =>
        stmt(`SELECT ${placeholders(100)}, ?`, ...params.slice(0, 100), ...c),
      ),
    ).rejects.toThrow(RangeError);
    expect(spy.binds).toEqual([]);
  });

  it('reads any number of statements in batches of at most MAX_BATCH_STATEMENTS, rows in order', async () => {
    for (const count of [
      0,
      1,
      MAX_BATCH_STATEMENTS,
      MAX_BATCH_STATEMENTS + 1,
      2 * MAX_BATCH_STATEMENTS + 7,
    ]) {
      const spy = instrument(env.DB);
      const statements = Array.from({ length: count }, (_, i) => stmt('SELECT ? AS n', i));
      const read = await createDb({ db: spy.db }).readInGroups('spec.read_groups', statements);
      expect(read).toEqual({
        ok: true,
        value: Array.from({ length: count }, (_, i) => ({ changes: 0, rows: [{ n: i }] })),
      });
      const full = Math.floor(count / MAX_BATCH_STATEMENTS);
      const rest = count % MAX_BATCH_STATEMENTS;
      expect(spy.batches).toEqual([
        ...Array.from({ length: full }, () => MAX_BATCH_STATEMENTS),
        ...(rest > 0 ? [rest] : []),
      ]);
    }
  });

  it('an empty batch succeeds without calling D1', async () => {
    const spy = instrument(env.DB);
    expect(await createDb({ db: spy.db }).batch('spec.empty', [])).toEqual({ ok: true, value: [] });
    expect(spy.batches).toEqual([]);
  });
});

describe('chunked IN reads', () => {
  const cases = [99, 100, 101, 1000].flatMap((count) => [0, 2].map((reserved) => [count, reserved] as const));

  it.each(cases)(
    'reads %i rows with %i reserved params, each once, ≤ 100 params per statement',
    async (count, reserved) => {
      const site = `in-${count}-${reserved}`;
      const points = Array.from({ length: count }, (_, i) => `${site}/p${i}`);
      await seedPoints(createDb({ db: env.DB }), site, points);

      const spy = instrument(env.DB);
      const db = createDb({ db: spy.db });
      const result = await db.allInChunks<{ point: string }, string>(
        'spec.in',
        points,
        (chunk) =>
          reserved === 0
            ? stmt(`SELECT point FROM point_stats WHERE point IN (${placeholders(chunk.length)})`, ...chunk)
            : stmt(
                `SELECT point FROM point_stats WHERE site = ? AND updated_at >= ? AND point IN (${placeholders(chunk.length)})`,
                site,
                0,
                ...chunk,
              ),
        { reservedParams: reserved },
      );

      if (!result.ok) throw new Error(result.error.kind);
      expect(result.value.map((r) => r.point).sort()).toEqual([...points].sort());
      expect(spy.binds).toEqual(planChunks(count, 1, reserved).map((size) => size + reserved));
      expect(Math.max(...spy.binds)).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
    },
  );

  it('chunks multi-param items, e.g. (site, point) pairs', async () => {
    const site = 'pairs';
    const points = Array.from({ length: 101 }, (_, i) => `pair-${i}`);
    await seedPoints(createDb({ db: env.DB }), site, points);
    const spy = instrument(env.DB);
    const pairs = points.map((point) => [site, point] as const);
    const result = await createDb({ db: spy.db }).allInChunks<{ point: string }, readonly [string, string]>(
      'spec.pairs',
      pairs,
      (chunk) =>
        stmt(
          `SELECT point FROM point_stats WHERE (site, point) IN (VALUES ${chunk.map(() => '(?, ?)').join(',')})`,
          ...chunk.flat(),
        ),
      { paramsPerItem: 2 },
    );
    expect(result.ok && result.value.map((r) => r.point).sort()).toEqual([...points].sort());
    expect(spy.binds).toEqual([100, 100, 2]);
  });

  it('reads a row once even when its key is asked for twice', async () => {
    const site = 'dupes';
    const points = Array.from({ length: 150 }, (_, i) => `dupe-${i}`);
    await seedPoints(createDb({ db: env.DB }), site, points);
    const result = await createDb({ db: env.DB }).allInChunks<{ point: string }, string>(
      'spec.dupes',
      [...points, ...points],
      (chunk) =>
        stmt(`SELECT point FROM point_stats WHERE point IN (${placeholders(chunk.length)})`, ...chunk),
    );
    expect(result.ok && result.value).toHaveLength(points.length);
  });

  it('asks D1 nothing for no items', async () => {
    const spy = instrument(env.DB);
    expect(await createDb({ db: spy.db }).allInChunks('spec.none', [], () => stmt('SELECT 1'))).toEqual({
      ok: true,
      value: [],
    });
    expect(spy.binds).toEqual([]);
  });
});

describe('bulk writes', () => {
  it('writes 1000 rows as multi-row INSERTs of ≤ 100 params', async () => {
    const principal = 'bulk-1000';
    const rows = Array.from({ length: 1000 }, (_, i) => [principal, `site-${i}`, i]);
    const spy = instrument(env.DB);
    const db = createDb({ db: spy.db });
    expect(
      await db.runInGroups(
        'site_access.bulk',
        buildInserts('INSERT INTO site_access (principal, site, verified_at) VALUES', rows),
      ),
    ).toEqual({ ok: true, value: { changes: 1000 } });
    expect(spy.binds).toEqual([...Array(30).fill(99), 30]);
    expect(spy.batches).toEqual([31]);
    expect(
      await db.first(
        'spec.count',
        stmt('SELECT count(*) AS n FROM site_access WHERE principal = ?', principal),
      ),
    ).toEqual({ ok: true, value: { n: 1000 } });
  });

  it(`sends at most ${MAX_BATCH_STATEMENTS} statements per batch`, async () => {
    const spy = instrument(env.DB);
    const statements = Array.from({ length: 120 }, (_, i) =>
      stmt('INSERT INTO site_access (principal, site, verified_at) VALUES (?, ?, ?)', 'groups', `s${i}`, i),
    );
    expect(await createDb({ db: spy.db }).runInGroups('spec.groups', statements)).toEqual({
      ok: true,
      value: { changes: 120 },
    });
    expect(spy.batches).toEqual([50, 50, 20]);
  });

  it('an upsert tail makes a repeated bulk write idempotent', async () => {
    const db = createDb({ db: env.DB });
    const rows = Array.from({ length: 150 }, (_, i) => ['upsert', `site-${i}`, i]);
    const write = (at: number) =>
      db.runInGroups(
        'spec.upsert',
        buildInserts(
          'INSERT INTO site_access (principal, site, verified_at) VALUES',
          rows.map(([p, s]) => [p ?? '', s ?? '', at]),
          'ON CONFLICT (principal, site) DO UPDATE SET verified_at = excluded.verified_at',
        ),
      );
    expect((await write(1)).ok).toBe(true);
    expect((await write(2)).ok).toBe(true);
    expect(
      await db.all(
        'spec.read',
        stmt('SELECT count(*) AS n, min(verified_at) AS at FROM site_access WHERE principal = ?', 'upsert'),
      ),
    ).toEqual({ ok: true, value: [{ n: 150, at: 2 }] });
  });
});

describe('listPage', () => {
  interface AccessRow {
    site: string;
    verified_at: number;
  }
  const keySchema = z.tuple([z.number().int(), z.string()]);

  // Keyset on (verified_at, site): ties in verified_at are broken by the unique site.
  const pageOf = (db: Db, principal: string, cursor: string | null, limit: number) =>
    db.listPage<AccessRow, [number, string]>('site_access.list', {
      cursor,
      limit,
      cursorSchema: keySchema,
      keyOf: (row) => [row.verified_at, row.site],
      query: (after, fetchLimit) =>
        after === null
          ? stmt(
              'SELECT site, verified_at FROM site_access WHERE principal = ? ORDER BY verified_at, site LIMIT ?',
              principal,
              fetchLimit,
            )
          : stmt(
              'SELECT site, verified_at FROM site_access WHERE principal = ? AND (verified_at, site) > (?, ?) ORDER BY verified_at, site LIMIT ?',
              principal,
              after[0],
              after[1],
              fetchLimit,
            ),
    });

  async function seedAccess(principal: string, count: number): Promise<void> {
    const rows = Array.from({ length: count }, (_, i) => [
      principal,
      `site-${String(i).padStart(4, '0')}`,
      i % 7,
    ]);
    const written = await createDb({ db: env.DB }).runInGroups(
      'spec.seed_access',
      buildInserts('INSERT INTO site_access (principal, site, verified_at) VALUES', rows),
    );
    expect(written.ok).toBe(true);
  }

  async function walk(
    db: Db,
    principal: string,
    limit: number,
  ): Promise<{ pages: AccessRow[][]; last: unknown }> {
    const pages: AccessRow[][] = [];
    let cursor: string | null = null;
    do {
      const page = await pageOf(db, principal, cursor, limit);
      if (!page.ok) throw new Error(page.error.kind);
      pages.push(page.value.items);
      cursor = page.value.next_cursor;
    } while (cursor !== null && pages.length < 100);
    return { pages, last: cursor };
  }

  it('walks 250 rows with limit 100 in exactly 3 pages, no duplicates, ending with a null cursor', async () => {
    await seedAccess('walk-250', 250);
    const { pages, last } = await walk(createDb({ db: env.DB }), 'walk-250', 100);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(last).toBeNull();
    const sites = pages.flat().map((r) => r.site);
    expect(new Set(sites).size).toBe(250);
  });

  it('ends without an empty page when the rows fill the last page exactly', async () => {
    await seedAccess('walk-200', 200);
    const { pages } = await walk(createDb({ db: env.DB }), 'walk-200', 100);
    expect(pages.map((p) => p.length)).toEqual([100, 100]);
  });

  it('serves every row exactly once, in key order, for any row count and limit', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 25 }),
        async (count, limit) => {
          const principal = `walk-prop-${run++}`;
          await seedAccess(principal, count);
          const { pages } = await walk(createDb({ db: env.DB }), principal, limit);
          const served = pages.flat().map((r) => [r.verified_at, r.site]);
          const expected = Array.from({ length: count }, (_, i) => [
            i % 7,
            `site-${String(i).padStart(4, '0')}`,
          ]).sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1])));
          expect(served).toEqual(expected);
          expect(pages).toHaveLength(Math.max(1, Math.ceil(count / limit)));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('clamps the limit and fetches one row more than it serves', async () => {
    const fetched: number[] = [];
    const db = createDb({ db: env.DB });
    for (const limit of [5000, 0, undefined]) {
      await db.listPage('spec.limits', {
        limit,
        cursorSchema: keySchema,
        keyOf: (row: AccessRow) => [row.verified_at, row.site],
        query: (_after, fetchLimit) => {
          fetched.push(fetchLimit);
          return stmt(
            'SELECT site, verified_at FROM site_access WHERE principal = ? LIMIT ?',
            'none',
            fetchLimit,
          );
        },
      });
    }
    expect(fetched).toEqual([1001, 2, 101]);
  });

  it('refuses a malformed or foreign cursor as invalid_input without querying', async () => {
    const spy = instrument(env.DB);
    const db = createDb({ db: spy.db });
    for (const cursor of ['not-a-cursor!', encodeCursor(['wrong', 'types']), '']) {
      expect(await pageOf(db, 'walk-250', cursor, 10)).toMatchObject({
        ok: false,
        error: { kind: 'invalid_input', issues: [{ path: 'cursor' }] },
      });
    }
    expect(spy.binds).toEqual([]);
  });
});
