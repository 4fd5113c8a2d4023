// The compact column layout (issue 8, "Go beyond MessagePack"), measured by the encoding suite
// next to the other layouts. It won (≥ 2× fewer bytes at lower encode CPU), so it is in the API as
// `layout=compact` (src/encoding/compact.ts, property-specced); this file keeps the bench's check.
//
// Per point: `t0` and the deltas `dt` of the timestamps (regular intervals become one repeated
// small number), and the values as integer deltas `dv` of round(v × 10^e) when every value of the
// point is a decimal with at most MAX_DECIMALS digits that survives the round trip exactly;
// otherwise the values as they are (`v`). Exact for every finite double by construction: a value
// is scaled only when the decoder's arithmetic (integer ÷ 10^e) gives back the same double.

import { fromCompact, toCompact } from '../src/encoding/compact.ts';
import type { ColumnSeries } from '../src/encoding/layout.ts';

// The layout itself now lives in the API (src/encoding/compact.ts); the bench measures that code.
export { type CompactSeries, fromCompact, MAX_DECIMALS, toCompact } from '../src/encoding/compact.ts';

/** Throws unless the layout gives back exactly the same series (values compared with Object.is). */
export function assertRoundTrip(series: readonly ColumnSeries[]): void {
  for (const s of series) {
    const back = fromCompact(toCompact(s));
    const same =
      back.point === s.point &&
      back.t.length === s.t.length &&
      back.v.length === s.v.length &&
      back.t.every((x, i) => Object.is(x, s.t[i])) &&
      back.v.every((x, i) => Object.is(x, s.v[i]));
    if (!same) throw new Error(`compact layout does not round-trip series ${s.point}`);
  }
}
