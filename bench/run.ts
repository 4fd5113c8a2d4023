// `npm run bench`: builds the datasets, runs the suites and writes bench/results/latest.{json,md,svg}.
// Flags: --out <file.json> writes the JSON elsewhere too (the noise measurement uses it);
//        --gated-only runs only the suites the gate compares and writes only --out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset, DATASETS } from './datasets.ts';
import { type RunResult, toMarkdown, toSvg } from './report.ts';
import { runDirectPath } from './suites/direct-path.ts';
import { runEncoding } from './suites/encoding.ts';
import { runHit } from './suites/hit.ts';
import { runHotPaths } from './suites/hot-paths.ts';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs the suites once and returns the result (no files written). `gatedOnly` (the gate's run)
 * measures only what the gate compares: byte counts and the paired CPU ratios, without the
 * tinybench timings (reported only) and without the direct-path and memory suite.
 */
export async function runAll(
  log: (line: string) => void = () => {},
  { gatedOnly }: { gatedOnly: boolean } = { gatedOnly: false },
): Promise<RunResult> {
  const datasets = DATASETS.map((n) => {
    const d = buildDataset(n);
    log(`dataset ${n}: ${d.samples} samples`);
    return d;
  });
  const enc = await runEncoding(datasets, { timings: !gatedOnly });
  log('encoding done');
  const hot = await runHotPaths({ timings: !gatedOnly });
  log('hot paths done');
  const hit = await runHit({ timings: !gatedOnly });
  log('cache hit done');
  const direct = gatedOnly ? null : await runDirectPath();
  if (direct) log('direct path and memory done');
  return {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: availableParallelism(),
    datasets: datasets.map(({ name, points, days, samples }) => ({ name, points, days, samples })),
    encoding: enc.rows,
    hotPaths: hot.rows,
    ...(direct ? { directPath: direct.rows, memory: direct.memory } : {}),
    metrics: [...enc.metrics, ...hot.metrics, ...hit.metrics, ...(direct?.metrics ?? [])],
  };
}

/** Writes latest.json, latest.md and latest.svg under bench/results. */
export function writeResults(result: RunResult): void {
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), toMarkdown(result));
  writeFileSync(join(dir, 'latest.svg'), toSvg(result));
}

if (import.meta.main) {
  const t0 = performance.now();
  // --gated-only: only what the gate compares, as the gate measures it (the noise runs use it).
  const gatedOnly = process.argv.includes('--gated-only');
  const result = await runAll((l) => console.error(l), { gatedOnly });
  if (!gatedOnly) writeResults(result);
  const i = process.argv.indexOf('--out');
  const out = i >= 0 ? process.argv[i + 1] : undefined;
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(toMarkdown(result));
  console.error(`bench took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
