// `node --expose-gc bench/page-transform.ts [runs]`: only the gated ACE page ratio of the hot-paths
// suite (transform / JSON.parse of one 100k-sample page, `pairedRatio` in thread CPU time), run
// several times in one process: quicker than `npm run bench` when working on src/ace/parse.ts.
import { pairedRatio } from './lib.ts';
import { acePage, transform } from './suites/hot-paths.ts';

const runs = Number(process.argv[2] ?? 5);
const page = acePage();
const ratios: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = pairedRatio(
    () => transform(page),
    () => JSON.parse(page.text),
  );
  ratios.push(r.ratio);
  console.log(
    `run ${i + 1}: ${r.ratio.toFixed(3)}× (transform ${r.aMs.toFixed(1)} ms, JSON.parse ${r.bMs.toFixed(1)} ms CPU)`,
  );
}
const sorted = [...ratios].sort((a, b) => a - b);
console.log(
  `${runs} runs: min ${sorted[0]?.toFixed(3)}, median ${sorted[Math.floor(runs / 2)]?.toFixed(3)}, max ${sorted[runs - 1]?.toFixed(3)}`,
);
