// Variants of the hot-paths suite's 100k-sample ACE page that take other paths through
// src/ace/parse.ts, so that no one page's shape is what the transform gets tuned to:
// - `bench`: the suite's page (time-ordered, whole-ms times, Python-style short decimals);
// - `micro`: the same with naive microsecond times (`…05.123457`, as real ACE answers);
// - `float32`: the same with values as float32 readings print in Python (`72.69999694824219`);
// - `by-point`: the same entries ordered by point, then time (hour and date change often).
// `pageRatio` measures one as the suite measures its page (bench/page-transform.ts runs them).
import { pairedRatio } from './lib.ts';
import { acePage, readInPlace, transform } from './suites/hot-paths.ts';

export type AcePage = ReturnType<typeof acePage>;
interface Entry {
  name: string;
  value: string;
  time: string;
}

/** A deterministic digit string for entry i (an integer hash, no Math.random). */
const digits = (i: number, width: number) =>
  String((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 10 ** width).padStart(width, '0');

/** The suite's page with its entries changed by `edit` (same points and window). */
function variant(page: AcePage, edit: (entries: Entry[]) => Entry[]): AcePage {
  const body = JSON.parse(page.text) as { point_samples: Entry[]; next_cursor: string };
  return { ...page, text: JSON.stringify({ ...body, point_samples: edit(body.point_samples) }) };
}

const float32 = (value: string) => {
  const x = Number(value);
  return Number.isFinite(x) && /\d/.test(value) ? String(Math.fround(x)) : value;
};

/** Each variant, made from the suite's page. */
export const PAGE_VARIANTS: Record<string, (bench: AcePage) => AcePage> = {
  bench: (page) => page,
  micro: (page) =>
    variant(page, (entries) =>
      entries.map((e, i) => ({ ...e, time: `${e.time.slice(0, 23)}${digits(i, 3)}` })),
    ),
  float32: (page) => variant(page, (entries) => entries.map((e) => ({ ...e, value: float32(e.value) }))),
  'by-point': (page) =>
    variant(page, (entries) =>
      entries
        .map((e, i) => ({ e, i }))
        .sort((a, b) => (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : a.i - b.i))
        .map(({ e }) => e),
    ),
};

/** The named variants of the suite's page (all by default), built once. */
export function variantPages(names: readonly string[] = Object.keys(PAGE_VARIANTS)): Map<string, AcePage> {
  const bench = acePage();
  return new Map(
    names.map((name) => {
      const make = PAGE_VARIANTS[name];
      if (!make) throw new Error(`unknown page ${name}; pages: ${Object.keys(PAGE_VARIANTS).join(', ')}`);
      return [name, readInPlace(make(bench))];
    }),
  );
}

/** transform / JSON.parse of one page, as the suite measures its own (`pairedRatio`). */
export function pageRatio(page: AcePage, pairs = 15): number {
  return pairedRatio(
    () => transform(page),
    () => JSON.parse(page.text),
    pairs,
  ).ratio;
}
