// ACE's own page shape, served from this Worker's day chunks: the merge of a window's series in
// ACE order (time, then catalogue position), an opaque cursor bound to its query, and the sample
// text format ACE uses. Pure; the drop-in route feeds it one day of series at a time.

/** The last sample a page emitted: its time and the point's catalogue position. */
export interface PagePosition {
  t: number;
  i: number;
}

/** One emitted sample: point position, time and value. */
export interface MergedSample {
  i: number;
  t: number;
  v: number;
}

/** One point's day of samples with its catalogue position (series sorted by time). */
export interface IndexedSeries {
  i: number;
  t: readonly number[];
  v: readonly number[];
}

/** ACE's naive ISO time with microseconds and no zone (UTC): `2026-01-05T13:04:05.123000`. */
export function formatAceTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000`;
}

/** First index in ascending `t` whose (t, i) comes after `after`. */
function startIndex(t: readonly number[], i: number, after: PagePosition | null): number {
  if (!after) return 0;
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const tm = t[mid] as number;
    if (tm < after.t || (tm === after.t && i <= after.i)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Up to `limit` samples after `after`, in (time, position) order, by a k-way merge over a binary
 * heap: O(k + limit·log k) however many points the site has. `exhausted` says the input ran out.
 */
export function mergePage(
  series: readonly IndexedSeries[],
  after: PagePosition | null,
  limit: number,
): { samples: MergedSample[]; exhausted: boolean } {
  const cursors = series.map((s) => startIndex(s.t, s.i, after));
  const heap: number[] = [];
  const less = (a: number, b: number) => {
    const sa = series[a] as IndexedSeries;
    const sb = series[b] as IndexedSeries;
    const ta = sa.t[cursors[a] as number] as number;
    const tb = sb.t[cursors[b] as number] as number;
    return ta < tb || (ta === tb && sa.i < sb.i);
  };
  const swap = (x: number, y: number) => {
    const tmp = heap[x] as number;
    heap[x] = heap[y] as number;
    heap[y] = tmp;
  };
  const up = (k: number) => {
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!less(heap[k] as number, heap[parent] as number)) break;
      swap(k, parent);
      k = parent;
    }
  };
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < heap.length && less(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && less(heap[r] as number, heap[m] as number)) m = r;
      if (m === k) return;
      swap(k, m);
      k = m;
    }
  };
  series.forEach((s, k) => {
    if ((cursors[k] as number) < s.t.length) {
      heap.push(k);
      up(heap.length - 1);
    }
  });
  const samples: MergedSample[] = [];
  while (samples.length < limit && heap.length > 0) {
    const k = heap[0] as number;
    const s = series[k] as IndexedSeries;
    const at = cursors[k] as number;
    samples.push({ i: s.i, t: s.t[at] as number, v: s.v[at] as number });
    cursors[k] = at + 1;
    if (at + 1 < s.t.length) down(0);
    else {
      const lastItem = heap.pop() as number;
      if (heap.length > 0) {
        heap[0] = lastItem;
        down(0);
      }
    }
  }
  return { samples, exhausted: heap.length === 0 };
}

interface CursorBody {
  v: 1;
  q: string;
  t: number;
  i: number;
}

/** An opaque cursor: the position, bound to the query (`q`) it belongs to. */
export function encodePageCursor(query: string, position: PagePosition): string {
  const body: CursorBody = { v: 1, q: query, t: position.t, i: position.i };
  return btoa(JSON.stringify(body)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The position in a cursor of this query; null when malformed or made for another query. */
export function decodePageCursor(cursor: string, query: string): PagePosition | null {
  try {
    const body: unknown = JSON.parse(atob(cursor.replaceAll('-', '+').replaceAll('_', '/')));
    if (typeof body !== 'object' || body === null) return null;
    const { v, q, t, i } = body as Partial<CursorBody>;
    if (v !== 1 || q !== query || !Number.isSafeInteger(t) || !Number.isSafeInteger(i)) return null;
    return { t: t as number, i: i as number };
  } catch {
    return null;
  }
}
