// What one complete upstream fetch saw, told to its observers (density learning, aggregates) by
// the read path and the job consumer. A type only, so code that reports fetches needs no storage.
import type { ColumnSeries } from '../encoding/layout.ts';

/** One upstream fetch, as the read path and the job consumer saw it. */
export interface FetchObservation {
  site: string;
  /** The window ACE was asked for, clamped to the past (the future has no samples yet). */
  startMs: number;
  endMs: number;
  series: readonly ColumnSeries[];
}
