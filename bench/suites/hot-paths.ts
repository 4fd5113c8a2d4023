// Hot paths: one 100k-sample ACE page read as the ACE client reads it (src/ace/samples-text.ts and
// parse.ts, as a ratio to bare JSON.parse of the same text), cache-key derivation, the estimator, display names,
// and HMAC sign + verify of queue messages.

import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import {
  createSeriesAccumulator,
  decodeSamplesText,
  parseSamplesBody,
  type SamplesPage,
} from '../../src/ace/parse.ts';
import { scanSamplesText } from '../../src/ace/samples-text.ts';
import { chunkObjectKey } from '../../src/cache/cache-key.ts';
import { signMessage, verifyMessage } from '../../src/jobs/messages.ts';
import { displayName } from '../../src/points/display-name.ts';
import { estimate, type PointKnowledge } from '../../src/timeseries/estimator.ts';
import { aceEntries, SITE, START_MS } from '../datasets.ts';
import { get, type Metric, medianMs, pairedRatio, slowed } from '../lib.ts';

export interface HotPathRow {
  name: string;
  /** Median time of one call. */
  us: number;
  note: string;
}

/** Samples in the ACE page (ACE's page limit; ~15 MB in ACE's shape). */
export const PAGE_SAMPLES = 100_000;

/** A 100k-sample page of ACE's paginated endpoint: 200 points from the start of the window. */
export function acePage(): { text: string; points: string[]; startMs: number; endMs: number } {
  const points = sitePoints(SITE).slice(0, 200);
  const endMs = START_MS + 3 * 86_400_000;
  const entries = aceEntries(points, START_MS, endMs).slice(0, PAGE_SAMPLES);
  return readInPlace({
    text: JSON.stringify({ point_samples: entries, next_cursor: 'c-100000' }),
    points: points.map((p) => p.point.name),
    startMs: START_MS,
    endMs,
  });
}

/** The page, checked to be one the in-place reader takes (not JSON.parse's fallback). */
export function readInPlace<P extends { text: string }>(page: P): P {
  if (!scanSamplesText(page.text)) throw new Error('the bench page falls back to JSON.parse');
  return page;
}

/** A page's samples as the ACE client reads them (src/ace/samples-text.ts, else JSON.parse). */
function readPage(text: string): SamplesPage['samples'] {
  const decoded = decodeSamplesText(text);
  const body = decoded.ok ? parseSamplesBody(decoded.value) : decoded;
  if (!body.ok) throw new Error('page did not parse');
  return body.value.samples;
}

/** The measured path: the page's text read, the body check, one accumulator over the page, finish. */
export function transform(page: ReturnType<typeof acePage>): number {
  const acc = createSeriesAccumulator(page.points, page.startMs, page.endMs);
  acc.add(readPage(page.text));
  if (slowed('transform')) acc.add(readPage(page.text));
  return acc.finish().series.length;
}

/** `timings: false` (the gate) measures only the gated ratio and the page's size. */
export async function runHotPaths(
  { timings }: { timings: boolean } = { timings: true },
): Promise<{ rows: HotPathRow[]; metrics: Metric[] }> {
  const page = acePage();
  const measure: typeof medianMs = (tasks, opts) =>
    timings ? medianMs(tasks, opts) : Promise.resolve(new Map(tasks.map((t) => [t.name, Number.NaN])));
  const pageMs = await measure(
    [
      { name: 'json-parse', fn: () => JSON.parse(page.text) },
      { name: 'parse-transform', fn: () => transform(page) },
    ],
    { timeMs: 300, iterations: 5, gcEachIteration: true },
  );
  const knowledge: PointKnowledge[] = sitePoints(SITE)
    .slice(0, 200)
    .map((p, i) => ({
      point: p.point.name,
      collectIntervalS: p.point.collect_interval,
      collectEnabled: true,
      learned: i % 3 === 0 ? { samplesPerSecond: 1 / p.point.collect_interval, observations: 3 } : null,
    }));
  const catalogue = sitePoints(SITE);
  const keyInput = {
    site: SITE,
    points: catalogue.slice(0, 20).map((p) => p.point.name),
    startMs: START_MS,
    endMs: START_MS + 86_400_000,
    interval: 'raw' as const,
  };
  const secret = 'bench-secret-0123456789abcdef';
  const small = await measure(
    [
      { name: 'cache-key', fn: () => chunkObjectKey(keyInput) },
      {
        name: 'estimator',
        fn: () =>
          estimate({ points: knowledge, uncachedMs: 7 * 86_400_000, defaultSamplesPerSecond: 1 / 300 }),
      },
      {
        name: 'display-names',
        fn: () => {
          let n = 0;
          for (const p of catalogue) n += displayName(p.point).length;
          return n;
        },
      },
      {
        name: 'hmac',
        fn: async () => {
          const m = await signMessage('job-0123456789', START_MS, secret);
          return verifyMessage(m, secret, START_MS + 1000);
        },
      },
    ],
    { timeMs: 150, iterations: 20, rounds: 1 },
  );
  const parse = get(pageMs, 'json-parse');
  const pt = get(pageMs, 'parse-transform');
  const rows: HotPathRow[] = [
    {
      name: 'JSON.parse of a 100k-sample ACE page',
      us: parse * 1000,
      note: `${(page.text.length / 1e6).toFixed(1)} MB`,
    },
    {
      name: 'read in place (samples-text.ts) + parseSamplesBody + accumulate + finish',
      us: pt * 1000,
      note: `${(pt / parse).toFixed(2)}× JSON.parse`,
    },
    { name: 'cache key (chunkObjectKey, 20 points)', us: get(small, 'cache-key') * 1000, note: 'SHA-256' },
    { name: 'estimate (200 points)', us: get(small, 'estimator') * 1000, note: '' },
    {
      name: `displayName × ${catalogue.length} points`,
      us: get(small, 'display-names') * 1000,
      note: `${((get(small, 'display-names') * 1e6) / catalogue.length).toFixed(0)} ns/point`,
    },
    { name: 'HMAC sign + verify (one message)', us: get(small, 'hmac') * 1000, note: 'key import each call' },
  ];
  const metrics: Metric[] = [
    {
      id: 'hot.page.transform_over_json_parse',
      value: pairedRatio(
        () => transform(page),
        () => JSON.parse(page.text),
      ).ratio,
      unit: '×',
      kind: 'ratio',
    },
    {
      id: 'hot.page.json_parse_ns_per_sample',
      value: (parse * 1e6) / PAGE_SAMPLES,
      unit: 'ns',
      kind: 'info',
    },
    { id: 'hot.page.bytes', value: page.text.length, unit: 'B', kind: 'bytes' },
    ...rows.slice(2).map((r, i) => ({
      id: `hot.${['cache_key', 'estimator', 'display_names', 'hmac'][i]}_us`,
      value: r.us,
      unit: 'µs',
      kind: 'info' as const,
    })),
  ];
  return { rows, metrics };
}
