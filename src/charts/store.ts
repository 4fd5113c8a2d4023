// Saved chart configurations in D1 (chart_configs), each owned by one principal: every read and
// write names the owner, so another principal's chart is indistinguishable from a missing one.
// Stored JSON columns are read defensively (review 12) and deleting a principal cascades to its
// charts (review 32). Owns the SQL only; validation of what clients send is the HTTP schema's.
import { z } from 'zod';
import type { Clock, IdGenerator } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { type Page, parseJsonColumn } from '../db/rows.ts';
import { type Statement, stmt } from '../db/sql.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { createLogger, type Logger } from '../obs/log.ts';

/** A chart's time range, epoch ms, start < end. */
export interface ChartRange {
  start: number;
  end: number;
}

/** What a client saves: the whole chart (PUT replaces all of it). */
export interface ChartInput {
  name: string;
  site: string;
  points: string[];
  range: ChartRange;
  /** Free-form display options, size-limited at the edge. */
  options: Record<string, unknown>;
}

/** A stored chart as the API shows it. */
export interface Chart extends ChartInput {
  id: string;
  /** Epoch ms of the last create or replace. */
  updatedAt: number;
}

export interface ChartListOptions {
  limit?: number | null;
  cursor?: string | null;
}

export interface ChartStore {
  /** The owner's charts, most recently updated first (ties by id), keyset-paged. */
  list(owner: string, options?: ChartListOptions): Promise<Result<Page<Chart>>>;
  /** The owner's chart; not_found for a missing id and for another principal's. */
  get(owner: string, id: string): Promise<Result<Chart>>;
  /** Saves a new chart with a fresh id, creating the owner's principal row in the same batch. */
  create(owner: string, input: ChartInput): Promise<Result<Chart>>;
  /** Replaces every field of the owner's chart; not_found as for get. */
  replace(owner: string, id: string, input: ChartInput): Promise<Result<Chart>>;
  /** Deletes the owner's chart; not_found as for get. */
  remove(owner: string, id: string): Promise<Result<void>>;
  /** Deletes a principal; its charts go with it (ON DELETE CASCADE). `deleted` is false if absent. */
  deletePrincipal(principal: string): Promise<Result<{ deleted: boolean }>>;
}

export interface ChartStoreOptions {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  /** Where unreadable stored rows are reported. */
  log?: Logger;
}

/** What an unreadable points column reads as: an empty chart the owner can see, fix or delete. */
export const MALFORMED_POINTS: readonly string[] = Object.freeze([]);
/** What an unreadable range column reads as (empty, so nothing is drawn from it). */
export const MALFORMED_RANGE: Readonly<ChartRange> = Object.freeze({ start: 0, end: 0 });

const COLUMNS = 'id, name, site, points, range, options, updated_at';

/**
 * Whether a value can be a chart's options: a JSON object (not null, not an array). A check, not a
 * parse: copying keys would turn an own `__proto__` key (JSON.parse makes one) into a prototype.
 */
export function isChartOptions(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  site: z.string(),
  points: z.unknown(),
  range: z.unknown(),
  options: z.unknown(),
  updated_at: z.number().int(),
});
type ChartRow = Record<string, unknown>;

const pointsColumn = z.array(z.string());
const rangeColumn = z.object({ start: z.number(), end: z.number() });
const optionsColumn = z.custom<Record<string, unknown>>(isChartOptions);

/** The list's keyset: (updated_at DESC, id ASC), the order of idx_chart_configs_owner_updated. */
const cursorKeySchema = z.tuple([z.number().int(), z.string()]);

const NOT_FOUND: AppError = { kind: 'not_found', message: 'chart not found' };

/** Creates the chart store over the project's D1 access layer. */
export function createChartStore(options: ChartStoreOptions): ChartStore {
  const { db, clock, ids } = options;
  const log = options.log ?? createLogger({ component: 'charts' });

  // A bad JSON column is logged and read as its default; a row whose plain columns are unreadable
  // cannot be served at all and is skipped. Either way one bad row never fails a whole listing.
  const toChart = (row: ChartRow): Chart | null => {
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      log.warn('charts.malformed_row', { chart: typeof row.id === 'string' ? row.id : null });
      return null;
    }
    const r = parsed.data;
    const column = <T>(name: string, text: unknown, schema: z.ZodType<T>, fallback: T): T => {
      const value = parseJsonColumn(text, schema);
      if (value.ok) return value.value;
      log.warn('charts.malformed_column', { chart: r.id, column: name });
      return fallback;
    };
    return {
      id: r.id,
      name: r.name,
      site: r.site,
      points: column('points', r.points, pointsColumn, [...MALFORMED_POINTS]),
      range: column('range', r.range, rangeColumn, { ...MALFORMED_RANGE }),
      options: column('options', r.options, optionsColumn, {}),
      updatedAt: r.updated_at,
    };
  };

  const found = (row: Result<ChartRow | null>): Result<Chart> => {
    if (!row.ok) return row;
    const chart = row.value === null ? null : toChart(row.value);
    return chart === null ? err(NOT_FOUND) : ok(chart);
  };

  const json = (input: ChartInput) => ({
    points: JSON.stringify(input.points),
    range: JSON.stringify({ start: input.range.start, end: input.range.end }),
    options: JSON.stringify(input.options),
  });

  return {
    async list(owner, listOptions = {}) {
      const page = await db.listPage<ChartRow, z.infer<typeof cursorKeySchema>>('charts.list', {
        cursor: listOptions.cursor,
        limit: listOptions.limit,
        cursorSchema: cursorKeySchema,
        query: (after, fetchLimit): Statement =>
          after === null
            ? stmt(
                `SELECT ${COLUMNS} FROM chart_configs WHERE owner = ?
                 ORDER BY updated_at DESC, id LIMIT ?`,
                owner,
                fetchLimit,
              )
            : stmt(
                `SELECT ${COLUMNS} FROM chart_configs
                 WHERE owner = ? AND (updated_at < ? OR (updated_at = ? AND id > ?))
                 ORDER BY updated_at DESC, id LIMIT ?`,
                owner,
                after[0],
                after[0],
                after[1],
                fetchLimit,
              ),
        keyOf: (row) => [Number(row.updated_at), String(row.id)],
      });
      if (!page.ok) return page;
      const items: Chart[] = [];
      for (const row of page.value.items) {
        const chart = toChart(row);
        if (chart !== null) items.push(chart);
      }
      return ok({ items, next_cursor: page.value.next_cursor });
    },

    async get(owner, id) {
      return found(
        await db.first<ChartRow>(
          'charts.get',
          stmt(`SELECT ${COLUMNS} FROM chart_configs WHERE id = ? AND owner = ?`, id, owner),
        ),
      );
    },

    async create(owner, input) {
      const now = clock.now();
      const id = ids();
      const { points, range, options: opts } = json(input);
      // One batch is one transaction: the principal row exists before the chart that references
      // it, and a refused chart leaves no principal row behind.
      const written = await db.batch('charts.create', [
        stmt(
          'INSERT INTO principals (id, created_at, last_seen_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
          owner,
          now,
          now,
        ),
        stmt(
          `INSERT INTO chart_configs (id, owner, name, site, points, range, options, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
          id,
          owner,
          input.name,
          input.site,
          points,
          range,
          opts,
          now,
          now,
        ),
      ]);
      if (!written.ok) return written;
      return found(ok(written.value[1]?.rows[0] ?? null));
    },

    async replace(owner, id, input) {
      const { points, range, options: opts } = json(input);
      return found(
        await db.first<ChartRow>(
          'charts.replace',
          stmt(
            `UPDATE chart_configs SET name = ?, site = ?, points = ?, range = ?, options = ?, updated_at = ?
             WHERE id = ? AND owner = ? RETURNING ${COLUMNS}`,
            input.name,
            input.site,
            points,
            range,
            opts,
            clock.now(),
            id,
            owner,
          ),
        ),
      );
    },

    async remove(owner, id) {
      const deleted = await db.run(
        'charts.remove',
        stmt('DELETE FROM chart_configs WHERE id = ? AND owner = ?', id, owner),
      );
      if (!deleted.ok) return deleted;
      return deleted.value.changes > 0 ? ok(undefined) : err(NOT_FOUND);
    },

    async deletePrincipal(principal) {
      const deleted = await db.run(
        'charts.delete_principal',
        stmt('DELETE FROM principals WHERE id = ?', principal),
      );
      if (!deleted.ok) return deleted;
      return ok({ deleted: deleted.value.changes > 0 });
    },
  };
}
