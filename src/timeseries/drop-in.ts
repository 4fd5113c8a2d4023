// ACE's paginated endpoint, answered from this Worker's read path: the whole site (or the points
// named) over a window, merged in ACE's order (time, then catalogue position), a page at a time,
// day by day from the cached chunks, with this Worker's own opaque cursor bound to the query. A
// stretch of days is assessed at once (one D1 lookup at most), then served a day at a time until
// the page is full. Owns the walk; merge, cursor and time format are ace-pages.ts.
import type { SiteAccess } from '../cache/site-access.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import type { PointsCatalogue } from '../points/catalogue.ts';
import type { Caller, SeriesRequest } from '../requests.ts';
import {
  decodePageCursor,
  encodePageCursor,
  formatAceTime,
  type IndexedSeries,
  mergePage,
  type PagePosition,
} from './ace-pages.ts';
import { type Assessment, sliceAssessment } from './assess.ts';
import { DAY_MS } from './chunks.ts';
import type { Served } from './serve.ts';

/** A validated drop-in query (ACE's parameters, times as epoch ms). */
export interface AcePageQuery {
  site: string;
  startMs: number;
  endMs: number;
  pageSize: number;
  cursor?: string | undefined;
  /** The points to keep; absent: every point of the site, as ACE answers. */
  pointNames?: readonly string[] | undefined;
}

/** One page in ACE's shape. */
export interface AcePage {
  point_samples: { name: string; value: string; time: string }[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface DropInOptions {
  access: Pick<SiteAccess, 'ensure'>;
  /** The site's catalogue, shared by every caller whose access is proven. */
  catalogue: Pick<PointsCatalogue, 'list'>;
  /** The read path's two steps: a stretch of days is assessed once, then served a day at a time. */
  assess: (caller: Caller, request: SeriesRequest) => Promise<Result<Assessment>>;
  serveAssessed: (caller: Caller, assessment: Assessment) => Promise<Result<Served>>;
}

/** Days assessed per lookup: most pages need one; a sparse window moves on a stretch at a time. */
export const DROP_IN_STRETCH_DAYS = 7;

const badCursor: AppError = {
  kind: 'invalid_input',
  message: 'invalid request',
  issues: [{ path: 'cursor', message: 'is not a cursor of this query' }],
};

/** Creates the walk. */
export function createDropIn(options: DropInOptions) {
  /** The points asked for: those named, or (once access is proven) every point of the site. */
  async function pointsOf(caller: Caller, q: AcePageQuery): Promise<Result<string[]>> {
    if (q.pointNames) return ok([...new Set(q.pointNames)]);
    const allowed = await options.access.ensure(caller, q.site);
    if (!allowed.ok) return allowed;
    const listed = await options.catalogue.list(q.site, caller);
    return listed.ok ? ok(listed.value.map((p) => p.name)) : listed;
  }

  return async function acePage(caller: Caller, q: AcePageQuery): Promise<Result<AcePage>> {
    const points = await pointsOf(caller, q);
    if (!points.ok) return points;
    const queryKey = (
      await sha256Hex(JSON.stringify([q.site, q.startMs, q.endMs, [...points.value].sort()]))
    ).slice(0, 24);
    let after: PagePosition | null = null;
    if (q.cursor !== undefined) {
      after = decodePageCursor(q.cursor, queryKey);
      // The key binds a cursor to its query but is computable by anyone: a position outside the
      // window would make this request walk every day from there, so it is no cursor of this query.
      if (!after || after.t < q.startMs || after.t >= q.endMs || after.i < 0) return err(badCursor);
    }

    const samples: AcePage['point_samples'] = [];
    let last = after;
    // The start of the first day not yet served whole; a page cut short ends inside the day before.
    let from = Math.floor((after ? after.t : q.startMs) / DAY_MS) * DAY_MS;
    let cutShort = false;
    while (from < q.endMs && samples.length < q.pageSize && !cutShort) {
      const window = {
        startMs: Math.max(q.startMs, from),
        endMs: Math.min(q.endMs, from + DROP_IN_STRETCH_DAYS * DAY_MS),
      };
      const assessed = await options.assess(caller, {
        site: q.site,
        points: points.value,
        ...window,
        interval: 'raw',
      });
      if (!assessed.ok) return assessed;
      // Proven and listed by the assessment: the listing is the isolate's now. Ties break on ACE's order.
      const listed = await options.catalogue.list(q.site, caller);
      if (!listed.ok) return listed;
      const position = new Map(listed.value.map((p, i) => [p.name, i]));
      const nameAt = new Map(points.value.map((name) => [position.get(name) ?? -1, name]));
      for (let i = 0; i < assessed.value.chunks.length && samples.length < q.pageSize; i++) {
        const served = await options.serveAssessed(caller, sliceAssessment(assessed.value, i));
        if (!served.ok) return served;
        const series: IndexedSeries[] = served.value.series.map((s) => ({
          i: position.get(s.point) ?? -1,
          t: s.t,
          v: s.v,
        }));
        const page = mergePage(series, last, q.pageSize - samples.length);
        for (const s of page.samples) {
          samples.push({ name: nameAt.get(s.i) ?? '', value: String(s.v), time: formatAceTime(s.t) });
          last = { t: s.t, i: s.i };
        }
        cutShort = !page.exhausted;
        if (cutShort) break;
        from = assessed.value.chunks[i]?.endMs ?? q.endMs;
      }
    }
    // More remains when a day was cut short by the page size, or days are left; the next page
    // resumes after the last sample sent (a full page always has one).
    const more = cutShort || from < q.endMs;
    const next = more && last ? encodePageCursor(queryKey, last) : null;
    return ok({ point_samples: samples, next_cursor: next, has_more: next !== null });
  };
}
