// What a served read is: its series (columns, in the order asked), meta and timings; and the
// assembly of day chunks into those series. Pure types and functions, so the benchmarks (Node)
// and the answer encoder use them without the read path's bindings.
import type { ChunkSeries } from '../cache/chunk-codec.ts';
import type { ColumnSeries } from '../encoding/layout.ts';

export type CacheStatus = 'hit' | 'partial' | 'miss' | 'bypass';

export interface ServeMeta {
  samples: number;
  dropped: number;
  estimated_samples: number;
  route: 'cache' | 'upstream';
  cache: CacheStatus;
  chunks: number;
  upstream_requests: number;
}

export interface Served {
  series: ColumnSeries[];
  meta: ServeMeta;
  /** Server-Timing entries (name → ms). */
  timings: Record<string, number>;
}

/** Series of the chunks in time order, concatenated per point, in the order the request asked (pure). */
export function assembleSeries(
  points: readonly string[],
  asked: readonly string[],
  chunks: readonly (readonly ChunkSeries[])[],
) {
  const byPoint = new Map<string, { t: number[]; v: number[] }>(points.map((p) => [p, { t: [], v: [] }]));
  for (const chunk of chunks) {
    for (const s of chunk) {
      const target = byPoint.get(s.point);
      if (!target) continue;
      for (let i = 0; i < s.t.length; i++) {
        target.t.push(s.t[i] as number);
        target.v.push(s.v[i] as number);
      }
    }
  }
  return asked.map((point) => ({ point, ...(byPoint.get(point) ?? { t: [], v: [] }) }));
}
