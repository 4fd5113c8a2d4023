// Specifies src/charts/store.ts against the real local D1 with the real migrations: a chart reads
// back as saved with the injected id and time, the owner's principal row is written in the same
// batch, other principals see nothing (get/replace/remove are not_found), keyset paging returns
// every chart once in (updated_at DESC, id) order, corrupt JSON columns never break a listing
// (review 12), and deleting a principal cascades to its charts in D1 (review 32).
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chart, type ChartInput, type ChartStore, createChartStore } from '../../src/charts/store.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import type { Result } from '../../src/errors.ts';
import { sha256Hex } from '../../src/hash.ts';
import { createLogger } from '../../src/obs/log.ts';
import { chartBodyArb } from '../support/arbitraries/charts.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../support/faults.ts';

const T0 = Date.UTC(2026, 10, 1);

interface Setup {
  store: ChartStore;
  clock: Clock & { set(ms: number): void };
  logs: Array<{ level: string; line: Record<string, unknown> }>;
  ids: string[];
}

function setup(): Setup {
  let now = T0;
  const clock = {
    now: () => now,
    set: (ms: number) => {
      now = ms;
    },
  };
  const logs: Setup['logs'] = [];
  const log = createLogger({}, (level, line) => logs.push({ level, line }));
  const ids: string[] = [];
  const nextId = () => {
    const id = `chart-${randomId()}`;
    ids.push(id);
    return id;
  };
  const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
  return { store: createChartStore({ db, clock, ids: nextId, log }), clock, logs, ids };
}

/** A principal as the auth middleware derives it: 64 hex digits. */
const newPrincipal = () => sha256Hex(randomId());

const INPUT: ChartInput = {
  name: 'AHU-01 temperatures',
  site: 'demo-small',
  points: ['AHU-01-ZoneTemp', 'AHU-01-SupplyTemp'],
  range: { start: T0 - 86_400_000, end: T0 },
  options: { type: 'line', colors: ['#f00', '#0f0'], y: { min: 50, max: 90 } },
};

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}`);
  return result.value;
}

const kindOf = (result: Result<unknown>) => (result.ok ? 'ok' : result.error.kind);

async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe('chart store: create, get, replace, remove', () => {
  it('saves a chart with the injected id and time and reads it back as saved', async () => {
    const { store, ids } = setup();
    const owner = await newPrincipal();
    const chart = value(await store.create(owner, INPUT));
    expect(chart).toEqual({ ...INPUT, id: ids[0], updatedAt: T0 });
    expect(value(await store.get(owner, chart.id))).toEqual(chart);
  });

  it('round-trips any valid chart exactly', async () => {
    const { store } = setup();
    const owner = await newPrincipal();
    await fc.assert(
      fc.asyncProperty(chartBodyArb, async (input) => {
        const chart = value(await store.create(owner, input));
        expect(value(await store.get(owner, chart.id))).toEqual({ ...input, id: chart.id, updatedAt: T0 });
      }),
      { numRuns: 40 },
    );
  });

  it('creates the owner’s principal row once, in the same batch as the chart', async () => {
    const { store, clock } = setup();
    const owner = await newPrincipal();
    value(await store.create(owner, INPUT));
    clock.set(T0 + 1000);
    value(await store.create(owner, INPUT));
    expect(await count('SELECT count(*) AS n FROM principals WHERE id = ?', owner)).toBe(1);
    const row = await env.DB.prepare('SELECT created_at FROM principals WHERE id = ?')
      .bind(owner)
      .first<{ created_at: number }>();
    expect(row?.created_at).toBe(T0);
    expect(await count('SELECT count(*) AS n FROM chart_configs WHERE owner = ?', owner)).toBe(2);
  });

  it('a refused chart leaves no principal row behind (one transaction)', async () => {
    const { store } = setup();
    const owner = await newPrincipal();
    // The schema's CHECK refuses a 201-character name; the edge never sends one.
    const result = await store.create(owner, { ...INPUT, name: 'x'.repeat(201) });
    expect(kindOf(result)).toBe('db_error');
    expect(await count('SELECT count(*) AS n FROM principals WHERE id = ?', owner)).toBe(0);
  });

  it('replace rewrites every field and updated_at, keeping the id and created_at', async () => {
    const { store, clock } = setup();
    const owner = await newPrincipal();
    const chart = value(await store.create(owner, INPUT));
    clock.set(T0 + 60_000);
    const next: ChartInput = {
      name: 'renamed',
      site: 'demo-large',
      points: ['VAV-101-Airflow'],
      range: { start: 1, end: 2 },
      options: {},
    };
    const replaced = value(await store.replace(owner, chart.id, next));
    expect(replaced).toEqual({ ...next, id: chart.id, updatedAt: T0 + 60_000 });
    expect(value(await store.get(owner, chart.id))).toEqual(replaced);
    const row = await env.DB.prepare('SELECT created_at FROM chart_configs WHERE id = ?')
      .bind(chart.id)
      .first<{ created_at: number }>();
    expect(row?.created_at).toBe(T0);
  });

  it('remove deletes the chart; a second remove and a get are not_found', async () => {
    const { store } = setup();
    const owner = await newPrincipal();
    const chart = value(await store.create(owner, INPUT));
    expect(value(await store.remove(owner, chart.id))).toBeUndefined();
    expect(kindOf(await store.get(owner, chart.id))).toBe('not_found');
    expect(kindOf(await store.remove(owner, chart.id))).toBe('not_found');
    expect(kindOf(await store.replace(owner, chart.id, INPUT))).toBe('not_found');
  });

  it('another principal gets not_found for get, replace and remove, and changes nothing', async () => {
    const { store, clock } = setup();
    const [owner, other] = await Promise.all([newPrincipal(), newPrincipal()]);
    const chart = value(await store.create(owner, INPUT));
    value(await store.create(other, { ...INPUT, name: 'theirs' }));
    clock.set(T0 + 5000);
    expect(kindOf(await store.get(other, chart.id))).toBe('not_found');
    expect(kindOf(await store.replace(other, chart.id, { ...INPUT, name: 'hijacked' }))).toBe('not_found');
    expect(kindOf(await store.remove(other, chart.id))).toBe('not_found');
    expect(value(await store.get(owner, chart.id))).toEqual(chart);
    expect(value(await store.list(other)).items.map((c) => c.name)).toEqual(['theirs']);
  });
});

describe('chart store: list', () => {
  it('pages every chart of the owner once, newest first, ties by id, and no one else’s', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        async (times, limit) => {
          const { store, clock } = setup();
          const [owner, other] = await Promise.all([newPrincipal(), newPrincipal()]);
          const saved: Chart[] = [];
          for (const t of times) {
            clock.set(T0 + t);
            saved.push(value(await store.create(owner, INPUT)));
            value(await store.create(other, INPUT));
          }
          const expected = [...saved]
            .sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .map((c) => c.id);
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let page = 0; page <= times.length; page++) {
            const result: { items: Chart[]; next_cursor: string | null } = value(
              await store.list(owner, { limit, cursor }),
            );
            expect(result.items.length).toBeLessThanOrEqual(limit);
            seen.push(...result.items.map((c) => c.id));
            cursor = result.next_cursor;
            if (cursor === null) break;
          }
          expect(cursor).toBeNull();
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a replaced chart moves to the front', async () => {
    const { store, clock } = setup();
    const owner = await newPrincipal();
    const a = value(await store.create(owner, { ...INPUT, name: 'a' }));
    clock.set(T0 + 1);
    value(await store.create(owner, { ...INPUT, name: 'b' }));
    clock.set(T0 + 2);
    value(await store.replace(owner, a.id, { ...INPUT, name: 'a2' }));
    expect(value(await store.list(owner)).items.map((c) => c.name)).toEqual(['a2', 'b']);
  });

  it('refuses a cursor it did not issue as invalid_input', async () => {
    const { store } = setup();
    const result = await store.list(await newPrincipal(), { cursor: 'WyJ4IiwieSJd' });
    expect(result.ok ? null : result.error).toMatchObject({
      kind: 'invalid_input',
      issues: [{ path: 'cursor' }],
    });
  });
});

describe('chart store: corrupt stored JSON (review 12)', () => {
  async function insertRaw(
    owner: string,
    id: string,
    columns: { points: string; range: string; options: string },
  ) {
    await env.DB.prepare(
      'INSERT INTO principals (id, created_at, last_seen_at) VALUES (?, 0, 0) ON CONFLICT DO NOTHING',
    )
      .bind(owner)
      .run();
    await env.DB.prepare(
      `INSERT INTO chart_configs (id, owner, name, site, points, range, options, created_at, updated_at)
       VALUES (?, ?, 'corrupt', 'demo-small', ?, ?, ?, ?, ?)`,
    )
      .bind(id, owner, columns.points, columns.range, columns.options, T0 + 10, T0 + 10)
      .run();
  }

  it.each([
    ['malformed JSON', { points: '["a",', range: '{"start":', options: '{{' }],
    ['the wrong shapes', { points: '{"a":1}', range: '[1,2]', options: '"text"' }],
    ['wrong element types', { points: '[1,2]', range: '{"start":"0","end":1}', options: '[]' }],
  ])('a row with %s is served with safe defaults and logged; the others are intact', async (_, columns) => {
    const { store, logs } = setup();
    const owner = await newPrincipal();
    const good = value(await store.create(owner, INPUT));
    const id = `corrupt-${randomId()}`;
    await insertRaw(owner, id, columns);
    const page = value(await store.list(owner));
    expect(page.items).toEqual([
      {
        id,
        name: 'corrupt',
        site: 'demo-small',
        points: [],
        range: { start: 0, end: 0 },
        options: {},
        updatedAt: T0 + 10,
      },
      good,
    ]);
    expect(value(await store.get(owner, id)).points).toEqual([]);
    const warned = logs.filter((l) => l.line.event === 'charts.malformed_column' && l.line.chart === id);
    expect(warned.map((l) => [l.level, l.line.column])).toEqual([
      ['warn', 'points'],
      ['warn', 'range'],
      ['warn', 'options'],
      ['warn', 'points'],
      ['warn', 'range'],
      ['warn', 'options'],
    ]);
    // Logs name the column, never the stored text.
    expect(JSON.stringify(logs)).not.toContain(columns.points);
    // The owner can repair it, or delete it.
    const repaired = value(await store.replace(owner, id, INPUT));
    expect(repaired.points).toEqual(INPUT.points);
    value(await store.remove(owner, id));
  });

  it('only the bad column falls back', async () => {
    const { store } = setup();
    const owner = await newPrincipal();
    const id = `corrupt-${randomId()}`;
    await insertRaw(owner, id, { points: '["p"]', range: '{"start":1,"end":2}', options: 'nope' });
    expect(value(await store.get(owner, id))).toMatchObject({
      points: ['p'],
      range: { start: 1, end: 2 },
      options: {},
    });
  });

  it('a row whose plain columns are unreadable is skipped and logged, not a failed listing', async () => {
    const { store, logs } = setup();
    const owner = await newPrincipal();
    const good = value(await store.create(owner, INPUT));
    const id = `corrupt-${randomId()}`;
    await insertRaw(owner, id, { points: '[]', range: '{}', options: '{}' });
    // updated_at has INTEGER affinity; text that is not a number stays text.
    await env.DB.prepare("UPDATE chart_configs SET updated_at = 'soon' WHERE id = ?").bind(id).run();
    expect(value(await store.list(owner)).items).toEqual([good]);
    expect(kindOf(await store.get(owner, id))).toBe('not_found');
    expect(logs.some((l) => l.line.event === 'charts.malformed_row' && l.line.chart === id)).toBe(true);
  });
});

describe('chart store: storage failures', () => {
  it('are db_error values from every call, never throws', async () => {
    const plan = createFaultPlan<D1Op>();
    const db = createDb({ db: faultyD1(env.DB, plan), log: createLogger({}, () => {}) });
    const store = createChartStore({
      db,
      clock: { now: () => T0 },
      ids: randomId,
      log: createLogger({}, () => {}),
    });
    const owner = await newPrincipal();
    const chart = value(await store.create(owner, INPUT));
    for (const op of ['first', 'all', 'run', 'batch'] as const)
      plan.set(op, { kind: 'error', message: 'D1_ERROR: no' });
    expect(kindOf(await store.list(owner))).toBe('db_error');
    expect(kindOf(await store.get(owner, chart.id))).toBe('db_error');
    expect(kindOf(await store.create(owner, INPUT))).toBe('db_error');
    expect(kindOf(await store.replace(owner, chart.id, INPUT))).toBe('db_error');
    expect(kindOf(await store.remove(owner, chart.id))).toBe('db_error');
    expect(kindOf(await store.deletePrincipal(owner))).toBe('db_error');
    plan.clear();
    expect(value(await store.get(owner, chart.id))).toEqual(chart);
  });
});

describe('chart store: deleting a principal (review 32)', () => {
  it('D1 enforces foreign keys', async () => {
    const row = await env.DB.prepare('PRAGMA foreign_keys').first<{ foreign_keys: number }>();
    expect(row?.foreign_keys).toBe(1);
  });

  it('cascades to the principal’s charts and to no one else’s', async () => {
    const { store } = setup();
    const [gone, stays] = await Promise.all([newPrincipal(), newPrincipal()]);
    const goneCharts = [value(await store.create(gone, INPUT)), value(await store.create(gone, INPUT))];
    const kept = value(await store.create(stays, INPUT));
    expect(value(await store.deletePrincipal(gone))).toEqual({ deleted: true });
    expect(await count('SELECT count(*) AS n FROM principals WHERE id = ?', gone)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM chart_configs WHERE owner = ?', gone)).toBe(0);
    for (const chart of goneCharts) expect(kindOf(await store.get(gone, chart.id))).toBe('not_found');
    expect(value(await store.list(gone)).items).toEqual([]);
    expect(value(await store.get(stays, kept.id))).toEqual(kept);
    expect(await count('SELECT count(*) AS n FROM principals WHERE id = ?', stays)).toBe(1);
  });

  it('is { deleted: false } for an unknown principal, and the principal may save charts again', async () => {
    const { store } = setup();
    const principal = await newPrincipal();
    expect(value(await store.deletePrincipal(principal))).toEqual({ deleted: false });
    value(await store.create(principal, INPUT));
    expect(value(await store.deletePrincipal(principal))).toEqual({ deleted: true });
    const again = value(await store.create(principal, INPUT));
    expect(value(await store.list(principal)).items).toEqual([again]);
  });
});
