// Noise of the gated ratios and memory figures across runs: `node bench/noise.ts run1.json run2.json ...` prints, per
// ratio, min, median, max, the spread (max/min − 1), the largest deviation from the median, and the
// tolerance bench/gate.ts would set from these runs (toleranceFor). The runs come from
// `node --expose-gc bench/run.ts --gated-only --out runN.json`; `npm run bench:gate -- --update
// --results run*.json` then writes that baseline.
import { readFileSync } from 'node:fs';
import { median, toleranceFor } from './gate.ts';
import type { RunResult } from './report.ts';

const runs = process.argv.slice(2).map((p) => JSON.parse(readFileSync(p, 'utf8')) as RunResult);
if (runs.length < 2) throw new Error('give at least two result files');
const ids = runs[0]?.metrics.filter((m) => m.kind === 'ratio' || m.kind === 'memory').map((m) => m.id) ?? [];
console.log(
  `| ratio (${runs.length} runs) | min | median | max | spread (max/min − 1) | max deviation from median | tolerance |`,
);
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const id of ids) {
  const vals = runs
    .map((r) => r.metrics.find((m) => m.id === id)?.value)
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  const min = vals[0] ?? Number.NaN;
  const max = vals.at(-1) ?? Number.NaN;
  const med = median(vals);
  const dev = Math.max(...vals.map((v) => Math.abs(v / med - 1)));
  const t = toleranceFor(vals);
  console.log(
    `| ${id} | ${min.toFixed(3)} | ${med.toFixed(3)} | ${max.toFixed(3)} | ${((max / min - 1) * 100).toFixed(1)}% | ${(dev * 100).toFixed(1)}% | ${t.gated ? `+${(t.tolerance * 100).toFixed(0)}%` : 'not gated'} |`,
  );
}
