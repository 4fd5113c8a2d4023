// Noise of the gated ratios across runs: `node bench/noise.ts run1.json run2.json ...` prints, per
// ratio, min, median, max and the spread (max/min − 1). Used to justify RATIO_TOLERANCE.
import { readFileSync } from 'node:fs';
import type { RunResult } from './report.ts';

const runs = process.argv.slice(2).map((p) => JSON.parse(readFileSync(p, 'utf8')) as RunResult);
if (runs.length < 2) throw new Error('give at least two result files');
const ids = runs[0]?.metrics.filter((m) => m.kind === 'ratio').map((m) => m.id) ?? [];
console.log(`| ratio (${runs.length} runs) | min | median | max | spread (max/min − 1) | max vs median |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const id of ids) {
  const vals = runs
    .map((r) => r.metrics.find((m) => m.id === id)?.value)
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  const min = vals[0] ?? Number.NaN;
  const max = vals.at(-1) ?? Number.NaN;
  const med = vals[Math.floor(vals.length / 2)] ?? Number.NaN;
  console.log(
    `| ${id} | ${min.toFixed(3)} | ${med.toFixed(3)} | ${max.toFixed(3)} | ${((max / min - 1) * 100).toFixed(1)}% | +${((max / med - 1) * 100).toFixed(1)}% |`,
  );
}
