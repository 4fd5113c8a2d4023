// `npm run bench:gate`: runs the suites and compares them with the committed bench/baseline.json.
//   - bytes (deterministic): fail when a count grows by more than BYTES_TOLERANCE (1%).
//   - ratios (CPU, both sides measured in the same run): fail when a ratio grows by more than
//     RATIO_TOLERANCE; never an absolute time (CONVENTIONS 20).
//   - a gated metric missing from the run fails too (a suite silently dropped is a regression).
// Flags: --update rewrites the baseline from this run (on purpose, in a reviewed commit);
//        --results <file.json> compares an existing run instead of running the suites.
// Proving it can fail: BENCH_SLOW=msgpack-columns-encode (or transform, see bench/README.md)
// makes one code path do its work twice, and the gate exits 1 naming that ratio (medium dataset).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metric } from './lib.ts';
import type { RunResult } from './report.ts';
import { runAll, writeResults } from './run.ts';

/** Byte counts are deterministic; 1% leaves room for nothing but deliberate format changes. */
export const BYTES_TOLERANCE = 0.01;
/**
 * Same-run CPU ratios on these 2-core machines (docs/PERFORMANCE.md, "Benchmarks"): with a full GC
 * before each iteration and the minimum of 3 rounds' medians, most gated ratios moved 2–13% between
 * runs, json-columns/json-rows 32–38% and large msgpack-rows/json-rows encode 74% (2 runs only;
 * without those measures the spread was 40–500%). 50% is above the typical noise and below the
 * +100% of a path doing twice its work; the noisiest ratio may still flake and needs more runs.
 */
export const RATIO_TOLERANCE = 0.5;

const here = dirname(fileURLToPath(import.meta.url));
const BASELINE = join(here, 'baseline.json');

export interface Baseline {
  note: string;
  date: string;
  node: string;
  metrics: Record<string, { value: number; kind: 'bytes' | 'ratio' }>;
}

export interface Finding {
  id: string;
  baseline: number;
  current: number | undefined;
  message: string;
}

/** Compares a run's metrics with the baseline; returns every regression. */
export function compare(baseline: Baseline, metrics: readonly Metric[]): Finding[] {
  const current = new Map(metrics.map((m) => [m.id, m.value]));
  const out: Finding[] = [];
  for (const [id, b] of Object.entries(baseline.metrics)) {
    const c = current.get(id);
    if (c === undefined) {
      out.push({ id, baseline: b.value, current: c, message: 'missing from this run' });
      continue;
    }
    const tol = b.kind === 'bytes' ? BYTES_TOLERANCE : RATIO_TOLERANCE;
    if (c > b.value * (1 + tol)) {
      const pct = ((c / b.value - 1) * 100).toFixed(1);
      out.push({
        id,
        baseline: b.value,
        current: c,
        message: `${b.kind} grew ${pct}% (limit ${(tol * 100).toFixed(0)}%): ${fmt(b.value)} → ${fmt(c)}`,
      });
    }
  }
  return out;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));

export function toBaseline(result: RunResult): Baseline {
  const metrics: Baseline['metrics'] = {};
  for (const m of result.metrics) {
    if (m.kind === 'bytes' || m.kind === 'ratio') metrics[m.id] = { value: m.value, kind: m.kind };
  }
  return {
    note: 'Written by `npm run bench:gate -- --update`. Bytes: +1% max; ratios: see bench/gate.ts.',
    date: result.date,
    node: result.node,
    metrics,
  };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--results');
  const from = i >= 0 ? args[i + 1] : undefined;
  let result: RunResult;
  if (from) {
    result = JSON.parse(readFileSync(from, 'utf8')) as RunResult;
  } else {
    result = await runAll((l) => console.error(l));
    writeResults(result);
  }
  if (args.includes('--update')) {
    writeFileSync(BASELINE, `${JSON.stringify(toBaseline(result), null, 2)}\n`);
    console.log(`bench:gate: baseline rewritten (${BASELINE})`);
  } else {
    const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline;
    const findings = compare(baseline, result.metrics);
    const gated = Object.keys(baseline.metrics).length;
    if (findings.length > 0) {
      console.error(`bench:gate: ${findings.length} regression(s) of ${gated} gated metrics:`);
      for (const f of findings) console.error(`  ✗ ${f.id}: ${f.message}`);
      process.exitCode = 1;
    } else {
      console.log(`bench:gate: ok (${gated} gated metrics within limits)`);
    }
  }
}
