// `node --expose-gc bench/page-transform.ts [runs] [page,…]`: the gated ACE page ratio of the
// hot-paths suite (transform / JSON.parse of one 100k-sample page, `pairedRatio` in thread CPU
// time), run several times in one process, on the suite's page and on variants of it that take
// other paths through src/ace/parse.ts, so that no one page's shape is what gets tuned:
// - `bench`: the suite's page (time-ordered, whole-ms times, Python-style short decimals);
// - `micro`: the same with naive microsecond times (`…05.123457`, as real ACE answers);
// - `float32`: the same with values as float32 readings print in Python (`72.69999694824219`);
// - `by-point`: the same entries ordered by point, then time (hour and date change often).
import { pairedRatio } from './lib.ts';
import { acePage, transform } from './suites/hot-paths.ts';

type Page = ReturnType<typeof acePage>;
interface Entry {
  name: string;
  value: string;
  time: string;
}

/** A deterministic digit string for entry i (an integer hash, no Math.random). */
const digits = (i: number, width: number) =>
  String((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 10 ** width).padStart(width, '0');

/** The suite's page with its entries changed by `edit` (same points and window). */
function variant(page: Page, edit: (entries: Entry[]) => Entry[]): Page {
  const body = JSON.parse(page.text) as { point_samples: Entry[]; next_cursor: string };
  return { ...page, text: JSON.stringify({ ...body, point_samples: edit(body.point_samples) }) };
}

const float32 = (value: string) => {
  const x = Number(value);
  return Number.isFinite(x) && /\d/.test(value) ? String(Math.fround(x)) : value;
};

const PAGES: Record<string, (bench: Page) => Page> = {
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

const runs = Number(process.argv[2] ?? 5);
const names = (process.argv[3] ?? Object.keys(PAGES).join(',')).split(',');
const bench = acePage();
for (const name of names) {
  const make = PAGES[name];
  if (!make) throw new Error(`unknown page ${name}; pages: ${Object.keys(PAGES).join(', ')}`);
  const page = make(bench);
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = pairedRatio(
      () => transform(page),
      () => JSON.parse(page.text),
    );
    ratios.push(r.ratio);
    console.log(
      `${name} run ${i + 1}: ${r.ratio.toFixed(3)}× (transform ${r.aMs.toFixed(1)} ms, JSON.parse ${r.bMs.toFixed(1)} ms CPU)`,
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `${name}: ${runs} runs, ${(page.text.length / 1e6).toFixed(1)} MB: min ${sorted[0]?.toFixed(3)}, median ${sorted[Math.floor(runs / 2)]?.toFixed(3)}, max ${sorted[runs - 1]?.toFixed(3)}`,
  );
}
