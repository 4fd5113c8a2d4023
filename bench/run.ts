// `npm run bench`: builds the datasets, runs the suites and writes bench/results/latest.{json,md,svg}.
// Flags: --out <file.json> writes the JSON elsewhere too (the noise measurement uses it);
//        --gated-only runs only the suites the gate compares and writes only --out;
//        --only <suite> [...] runs only those suites (SUITES: the first part of their metric ids).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset, DATASETS } from './datasets.ts';
import { type RunResult, toMarkdown, toSvg } from './report.ts';
import { runAnswerMemory } from './suites/answer-memory.ts';
import { runCachedAnswer } from './suites/cached-answer.ts';
import { runChunkCodec } from './suites/chunk-codec.ts';
import { runDirectGate } from './suites/direct-gate.ts';
import { runDirectPath } from './suites/direct-path.ts';
import { runEncoding } from './suites/encoding.ts';
import { runExportMemory } from './suites/export-memory.ts';
import { runHit } from './suites/hit.ts';
import { runHotPaths } from './suites/hot-paths.ts';
import { runJobMemory } from './suites/job-memory.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The suites, named by the first part of their metric ids (`--only`, bench:prove). */
export const SUITES = ['encoding', 'chunk', 'hot', 'hit', 'direct'] as const;
export type Suite = (typeof SUITES)[number];

export interface RunOptions {
  /** Only what the gate compares: no tinybench timings (reported only), no direct-path report. */
  gatedOnly: boolean;
  /** Run only these suites (default: all). */
  only?: readonly Suite[];
}

/** Runs the suites once and returns the result (no files written). */
export async function runAll(
  log: (line: string) => void = () => {},
  { gatedOnly, only = SUITES }: RunOptions = { gatedOnly: false },
): Promise<RunResult> {
  const wanted = (s: Suite) => only.includes(s);
  const datasets = DATASETS.map((n) => {
    const d = buildDataset(n);
    log(`dataset ${n}: ${d.samples} samples`);
    return d;
  });
  const enc = wanted('encoding') ? await runEncoding(datasets, { timings: !gatedOnly }) : null;
  if (enc) log('encoding done');
  const chunks = wanted('chunk') ? runChunkCodec(datasets) : null;
  if (chunks) log('chunk codec done');
  const hot = wanted('hot') ? await runHotPaths({ timings: !gatedOnly }) : null;
  if (hot) log('hot paths done');
  const hit = wanted('hit') ? await runHit({ timings: !gatedOnly }) : null;
  if (hit) log('cache hit done');
  const directGate = wanted('direct') ? await runDirectGate() : [];
  const direct = gatedOnly || !wanted('direct') ? null : await runDirectPath();
  if (wanted('direct')) log('direct path done');
  // Job result downloads at 1 M and 10 M samples: minutes, reported only, so not in the gate's runs.
  const exports = direct ? await runExportMemory() : null;
  if (exports) log('export memory done');
  // The same results answered as JSON and MessagePack, series by series: reported only.
  const answers = direct ? await runAnswerMemory() : null;
  if (answers) log('answer memory done');
  // Fully cached reads over the in-memory limit, streamed from their day chunks: reported only.
  const cached = direct ? await runCachedAnswer() : null;
  if (cached) log('cached answer done');
  // Jobs of 1 M and 10 M samples run task by task: minutes too, reported only.
  const jobs = direct ? await runJobMemory() : null;
  if (jobs) log('job memory done');
  return {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: availableParallelism(),
    datasets: datasets.map(({ name, points, days, samples }) => ({ name, points, days, samples })),
    encoding: enc?.rows ?? [],
    chunks: chunks?.rows ?? [],
    hotPaths: hot?.rows ?? [],
    ...(direct
      ? {
          directPath: direct.rows,
          memory: [
            ...direct.memory,
            ...(exports?.memory ?? []),
            ...(answers?.memory ?? []),
            ...(cached?.memory ?? []),
            ...(jobs?.memory ?? []),
          ],
        }
      : {}),
    metrics: [
      ...(enc?.metrics ?? []),
      ...(chunks?.metrics ?? []),
      ...(hot?.metrics ?? []),
      ...(hit?.metrics ?? []),
      ...directGate,
      ...(direct?.metrics ?? []),
      ...(exports?.metrics ?? []),
      ...(answers?.metrics ?? []),
      ...(cached?.metrics ?? []),
      ...(jobs?.metrics ?? []),
    ],
  };
}

/** The suites named after `--only` in argv (all when absent); throws on an unknown name. */
export function onlyFrom(args: readonly string[]): Suite[] {
  const i = args.indexOf('--only');
  if (i < 0) return [...SUITES];
  const names: string[] = [];
  for (let j = i + 1; j < args.length && !(args[j] as string).startsWith('--'); j++)
    names.push(args[j] as string);
  for (const n of names)
    if (!(SUITES as readonly string[]).includes(n))
      throw new Error(`--only: no suite ${n} (${SUITES.join(', ')})`);
  return names as Suite[];
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
  const result = await runAll((l) => console.error(l), { gatedOnly, only: onlyFrom(process.argv) });
  if (!gatedOnly) writeResults(result);
  const i = process.argv.indexOf('--out');
  const out = i >= 0 ? process.argv[i + 1] : undefined;
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(toMarkdown(result));
  console.error(`bench took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
