// The ACE sample transform exactly as it was before its fast paths (src/ace/parse.ts at 0b0792b):
// values by regex and Number, times by regex with a per-date cache, a Map of requested names, and
// the sort and de-duplication of each series. The oracle of spec/ace/parse-oracle.spec.ts; never
// shipped, never optimised: change it only if the Worker's data semantics change on purpose.
import type { AddCounts, PointSeries } from '../../src/ace/parse.ts';

/** The accumulator as it was: JSON.parse's entries in, sorted and de-duplicated series out. */
export interface ReferenceAccumulator {
  add(samples: readonly unknown[]): AddCounts;
  finish(): { series: PointSeries[]; dropped: number };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const NUMBER_PATTERN = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** The reference reading of ACE's value. */
export function referenceAceValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string' || !NUMBER_PATTERN.test(value)) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

const TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const dayCache = new Map<string, number | null>();

function dayStartMs(y: string, mo: string, d: string): number | null {
  const key = `${y}${mo}${d}`;
  const hit = dayCache.get(key);
  if (hit !== undefined) return hit;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  let ms: number | null = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (month < 1 || month > 12 || check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) ms = null;
  if (dayCache.size > 4096) dayCache.clear();
  dayCache.set(key, ms);
  return ms;
}

/** The reference reading of ACE's sample time. */
export function referenceAceTime(text: unknown): number | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const m = TIME_PATTERN.exec(text);
  if (!m) return null;
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '', frac = '', zone = ''] = m;
  const day = dayStartMs(y, mo, d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (day === null || hour > 23 || minute > 59 || second > 59) return null;
  let ms = day + hour * 3_600_000 + minute * 60_000 + second * 1000;
  if (frac) ms += Number(frac.slice(0, 3).padEnd(3, '0'));
  if (zone && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    ms -= (zone.startsWith('-') ? -1 : 1) * offset * 60_000;
  }
  return ms;
}

/** The reference accumulator. */
export function referenceAccumulator(
  points: readonly string[],
  startMs: number,
  endMs: number,
): ReferenceAccumulator {
  const order: PointSeries[] = [];
  const byName = new Map<string, PointSeries>();
  for (const point of points) {
    if (byName.has(point)) continue;
    const s: PointSeries = { point, t: [], v: [] };
    byName.set(point, s);
    order.push(s);
  }
  let dropped = 0;
  return {
    add(samples): AddCounts {
      let kept = 0;
      let pageDropped = 0;
      for (const entry of samples) {
        if (!isRecord(entry) || typeof entry.name !== 'string') {
          pageDropped++;
          continue;
        }
        const series = byName.get(entry.name);
        if (!series) continue;
        const t = referenceAceTime(entry.time);
        if (t === null) {
          pageDropped++;
          continue;
        }
        if (t < startMs || t >= endMs) continue;
        const v = referenceAceValue(entry.value);
        if (v === null) {
          pageDropped++;
          continue;
        }
        series.t.push(t);
        series.v.push(v);
        kept++;
      }
      dropped += pageDropped;
      return { kept, dropped: pageDropped };
    },
    finish() {
      return { series: order.map(referenceSortUnique), dropped };
    },
  };
}

/** The reference sort and de-duplication of one series. */
export function referenceSortUnique(series: PointSeries): PointSeries {
  const { t, v } = series;
  let ascending = true;
  for (let i = 1; i < t.length; i++) {
    if ((t[i] ?? 0) <= (t[i - 1] ?? 0)) {
      ascending = false;
      break;
    }
  }
  if (ascending) return series;
  const idx = t.map((_, i) => i);
  idx.sort((a, b) => (t[a] ?? 0) - (t[b] ?? 0));
  const outT: number[] = [];
  const outV: number[] = [];
  for (const i of idx) {
    const ti = t[i] ?? 0;
    if (outT.length > 0 && outT[outT.length - 1] === ti) continue;
    outT.push(ti);
    outV.push(v[i] ?? 0);
  }
  return { point: series.point, t: outT, v: outV };
}
