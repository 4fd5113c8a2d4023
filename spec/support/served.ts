// What the Worker serves of the samples ACE holds for one point (docs/RELIABILITY.md, "Data
// semantics"), built independently of src/ace/parse.ts so specs can compare the two: a value that
// is not a finite number ("NaN", "inf") is dropped and counted; of the samples ACE sends for one
// (point, time), the first finite one in ACE's order is kept and the others are ignored.
import type { AceSample } from '../../fixtures/ace/generator.ts';

/** One point's served series from its samples in ACE's order, and how many were dropped. */
export function servedSeries(samples: readonly AceSample[]): { t: number[]; v: number[]; dropped: number } {
  const t: number[] = [];
  const v: number[] = [];
  let dropped = 0;
  for (const s of samples) {
    const value = Number(s.value);
    if (!Number.isFinite(value)) dropped++;
    else if (t.at(-1) !== s.t) {
      t.push(s.t);
      v.push(value);
    }
  }
  return { t, v, dropped };
}
