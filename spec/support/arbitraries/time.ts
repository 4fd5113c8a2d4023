// fast-check arbitraries for times and requests (CONVENTIONS 15): epoch times, windows, page sizes
// and ISO spellings for the synthetic ACE, and point names; most request specs build on these.
// Owns generation of inputs only; the properties live in the specs.
import fc from 'fast-check';
import { CATALOGUE } from '../../../fixtures/ace/catalogue.ts';
import { PAGE_SIZES } from '../../../fixtures/ace/pages.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../fixtures/ace/time.ts';

/** The span windows are drawn from: a year of synthetic history. */
export const ARB_EPOCH_START = Date.UTC(2025, 5, 1);
export const ARB_EPOCH_END = Date.UTC(2026, 5, 1);

/** An epoch ms in the synthetic history: any ms, or aligned to a minute or an hour as clients ask. */
export const epochMsArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: ARB_EPOCH_START, max: ARB_EPOCH_END }),
  fc.integer({ min: ARB_EPOCH_START / MINUTE_MS, max: ARB_EPOCH_END / MINUTE_MS }).map((m) => m * MINUTE_MS),
  fc.integer({ min: ARB_EPOCH_START / HOUR_MS, max: ARB_EPOCH_END / HOUR_MS }).map((h) => h * HOUR_MS),
);

/** A time window [startMs, endMs) lasting between minMs and maxMs. */
export function windowArb(minMs: number, maxMs: number): fc.Arbitrary<{ startMs: number; endMs: number }> {
  return fc
    .record({ startMs: epochMsArb, duration: fc.integer({ min: minMs, max: maxMs }) })
    .map(({ startMs, duration }) => ({ startMs, endMs: startMs + duration }));
}

/** A window and a sorted list of cut times inside it, splitting it into consecutive sub-windows. */
export function splitWindowArb(
  minMs: number,
  maxMs: number,
): fc.Arbitrary<{ startMs: number; endMs: number; cuts: number[] }> {
  return windowArb(minMs, maxMs).chain(({ startMs, endMs }) => {
    const cuts =
      endMs - startMs < 2
        ? fc.constant([])
        : fc.uniqueArray(fc.integer({ min: startMs + 1, max: endMs - 1 }), { maxLength: 6 });
    return cuts.map((c) => ({ startMs, endMs, cuts: [...c].sort((a, b) => a - b) }));
  });
}

/** A page size the paginated endpoint accepts. */
export const pageSizeArb: fc.Arbitrary<number> = fc.constantFrom(...PAGE_SIZES);

/** A page_size query value the paginated endpoint must refuse: near misses of the enum included. */
export const invalidPageSizeArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .integer({ min: 0, max: 1_000_000 })
    .filter((n) => !PAGE_SIZES.some((s) => s === n))
    .map(String),
  fc
    .constantFrom(
      ...PAGE_SIZES.flatMap((s) => [s - 1, s + 1, s * 3]).filter((n) => !PAGE_SIZES.some((s) => s === n)),
      30_000,
    )
    .map(String),
  fc.constantFrom('', '-3', '10.0', '1e3', ' 100', '100abc', 'all', '0x64'),
);

/**
 * A page size and a window of 1 h to 3 days, shorter for small pages so one run stays within a
 * few hundred pages of demo-small (about 1,400 samples an hour); most windows are under 6 h so
 * a run of properties stays quick, some reach the full span.
 */
export const pagedWindowArb: fc.Arbitrary<{ startMs: number; endMs: number; pageSize: number }> =
  pageSizeArb.chain((pageSize) => {
    const maxMs = Math.min(3 * DAY_MS, Math.max(HOUR_MS, Math.floor((pageSize * 300 * HOUR_MS) / 1400)));
    const window = fc.oneof(
      { weight: 3, arbitrary: windowArb(HOUR_MS, Math.min(maxMs, 6 * HOUR_MS)) },
      { weight: 1, arbitrary: windowArb(HOUR_MS, maxMs) },
    );
    return window.map((w) => ({ ...w, pageSize }));
  });

/** How a time is written in a query: with `Z`, with an offset, or naive (UTC). */
export type IsoStyle = { kind: 'z' } | { kind: 'naive' } | { kind: 'offset'; minutes: number };

/** An ISO style for query times. */
export const isoStyleArb: fc.Arbitrary<IsoStyle> = fc.oneof(
  fc.constant({ kind: 'z' as const }),
  fc.constant({ kind: 'naive' as const }),
  fc
    .integer({ min: -12 * 4, max: 14 * 4 })
    .map((quarters) => ({ kind: 'offset' as const, minutes: quarters * 15 })),
);

/** Writes epoch ms in an ISO style (the same instant whatever the style). */
export function formatIso(ms: number, style: IsoStyle): string {
  if (style.kind === 'z') return new Date(ms).toISOString();
  if (style.kind === 'naive') return new Date(ms).toISOString().slice(0, -1);
  const local = new Date(ms + style.minutes * MINUTE_MS).toISOString().slice(0, -1);
  const abs = Math.abs(style.minutes);
  const sign = style.minutes < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const ALL_POINT_NAMES = [...CATALOGUE.values()].flatMap((c) => c.points.map((p) => p.point.name));

/** Up to `max` distinct catalogue point names, from either site, mixed with unknown names. */
export function pointNamesArb(max: number): fc.Arbitrary<string[]> {
  const known = fc.constantFrom(...ALL_POINT_NAMES);
  const unknown = fc.constantFrom(
    'no-such-point',
    'AHU-99-ZoneTemp',
    'ses/demo_small/10.0.0.5/n4/Plant/Nope',
  );
  return fc.uniqueArray(fc.oneof({ weight: 9, arbitrary: known }, { weight: 1, arbitrary: unknown }), {
    minLength: 1,
    maxLength: max,
  });
}
