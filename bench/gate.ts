// `npm run bench:gate`: runs the gated suites and compares them with the committed bench/baseline.json.
//   - bytes (deterministic): fail when a count grows by more than BYTES_TOLERANCE (1%); any other
//     change is printed, so the baseline is updated on purpose.
//   - ratios (CPU): every gated CPU figure is a path's thread CPU time over a fixed-work reference
//     measured beside it as interleaved pairs (lib.ts pairedRatio): JSON.stringify / JSON.parse of
//     bytes the bench builds itself, no code of src/ inside. Slowing any measured path raises its
//     own ratio; nothing a change to src/ does can lower a reference and hide a slowdown.
//   - memory: live bytes per sample at the direct path's peak (full GCs), gated like a ratio.
//   - each ratio and memory figure has its own tolerance in the baseline, derived from measured
//     noise (toleranceFor); one whose noise cannot separate a 2× regression is recorded with
//     `gated: false` and only reported. Never an absolute time (CONVENTIONS 20).
//   - a figure over its limit is measured again (a second run of the suites); it fails only when
//     the lower of the two values is still over. Noise rarely strikes twice; a real regression does.
//   - a gated metric missing from the run fails too (a suite silently dropped is a regression).
// Flags: --update rewrites the baseline (on purpose, in a reviewed commit): values are the median
//        of the runs given with --results (or of one fresh run); with ≥ MIN_NOISE_RUNS runs the
//        tolerances are recomputed from their spread, otherwise the baseline's are kept;
//        --results <a.json> [b.json ...] compares (or, with --update, builds from) existing runs;
//        --only <suite> [...] runs and compares only those suites (bench/run.ts SUITES);
//        --out <file.json> writes this run's JSON (default .tmp/bench-gate.json; latest.* are
//        left to `npm run bench`).
// Proving it can fail: BENCH_SLOW=<target> makes one gated path do its work twice (or, for
// direct-memory, keep what it should drop); `npm run bench:prove` runs the gate with each target
// of bench/prove.ts and fails unless every one makes the gate exit 1 naming that path's metric.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metric } from './lib.ts';
import type { RunResult } from './report.ts';
import { onlyFrom, runAll, SUITES, type Suite } from './run.ts';

/** Byte counts are deterministic; 1% leaves room for nothing but deliberate format changes. */
export const BYTES_TOLERANCE = 0.01;
/** Tolerance = NOISE_FACTOR × the largest deviation from the median seen in the noise runs… */
export const NOISE_FACTOR = 2;
/**
 * …but never below MIN_RATIO_TOLERANCE: the baseline is measured on one machine and the gate runs
 * on CI machines that are not it, where a ratio has come out 25–31% over a baseline this machine
 * measured under load (docs/PERFORMANCE.md, The gate). A doubled path moves its ratio ≥ 44%.
 */
export const MIN_RATIO_TOLERANCE = 0.25;
/**
 * …and a ratio whose tolerance would exceed this is not gated: a path doing twice its work raised
 * its ratio by 44–128% in `npm run bench:prove` (less where only part of the call is doubled), so
 * a wider limit could not tell most of them from noise. bench:prove checks each gated path.
 */
export const MAX_RATIO_TOLERANCE = 0.6;
/** Fewer runs than this cannot justify a tolerance (--update keeps the baseline's instead). */
export const MIN_NOISE_RUNS = 5;
/** A ratio new to the baseline, before its noise is measured. */
export const DEFAULT_RATIO_TOLERANCE = MAX_RATIO_TOLERANCE;

const here = dirname(fileURLToPath(import.meta.url));
const BASELINE = join(here, 'baseline.json');

export interface BaselineMetric {
  value: number;
  kind: 'bytes' | 'ratio' | 'memory';
  /** Ratios and memory: allowed growth (0.3 = +30%). */
  tolerance?: number;
  /** Ratios: false when too noisy to gate (reported only). */
  gated?: boolean;
  /** Ratios: how the tolerance was set, e.g. "8 runs, max deviation 6.1%". */
  noise?: string;
}

export interface Baseline {
  note: string;
  date: string;
  node: string;
  metrics: Record<string, BaselineMetric>;
}

/** Measured figures (CPU ratios, memory): noisy, so each has a tolerance from its runs. */
const isMeasured = (kind: string): kind is 'ratio' | 'memory' => kind === 'ratio' || kind === 'memory';

export interface Finding {
  id: string;
  baseline: number;
  current: number | undefined;
  message: string;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The tolerance a ratio's runs justify, and whether it can be gated at all. */
export function toleranceFor(values: readonly number[]): {
  tolerance: number;
  gated: boolean;
  noise: string;
} {
  const m = median(values);
  const dev = Math.max(...values.map((v) => Math.abs(v / m - 1)));
  const tolerance = Math.max(MIN_RATIO_TOLERANCE, NOISE_FACTOR * dev);
  return {
    tolerance: Math.min(tolerance, MAX_RATIO_TOLERANCE),
    gated: tolerance <= MAX_RATIO_TOLERANCE,
    noise: `${values.length} runs, max deviation from median ${pct(dev)}`,
  };
}

/** Compares a run's metrics with the baseline; returns every regression. */
export function compare(
  baseline: Baseline,
  metrics: readonly Metric[],
  only: (id: string) => boolean = () => true,
): Finding[] {
  const current = new Map(metrics.map((m) => [m.id, m.value]));
  const out: Finding[] = [];
  for (const [id, b] of Object.entries(baseline.metrics)) {
    if (!only(id) || (isMeasured(b.kind) && b.gated === false)) continue;
    const c = current.get(id);
    if (c === undefined) {
      out.push({ id, baseline: b.value, current: c, message: 'missing from this run' });
      continue;
    }
    const tol = b.kind === 'bytes' ? BYTES_TOLERANCE : (b.tolerance ?? DEFAULT_RATIO_TOLERANCE);
    if (c > b.value * (1 + tol)) {
      out.push({
        id,
        baseline: b.value,
        current: c,
        message: `${b.kind} grew ${pct(c / b.value - 1)} (limit ${pct(tol)}): ${fmt(b.value)} → ${fmt(c)}`,
      });
    }
  }
  return out;
}

/**
 * The gated ratios nearest their limits (growth over the limit allowed, largest first): printed by
 * every gate run so a CI log shows the margins on its machine, not only the failures — the
 * evidence for re-deriving tolerances on machines other than the one that measured them.
 */
export function nearestLimits(
  baseline: Baseline,
  metrics: readonly Metric[],
  count: number,
): { id: string; growth: number; limit: number }[] {
  const out: { id: string; growth: number; limit: number }[] = [];
  for (const m of metrics) {
    const b = baseline.metrics[m.id];
    if (!b || !isMeasured(b.kind) || b.gated === false) continue;
    out.push({ id: m.id, growth: m.value / b.value - 1, limit: b.tolerance ?? DEFAULT_RATIO_TOLERANCE });
  }
  return out.sort((x, y) => y.growth / y.limit - x.growth / x.limit).slice(0, count);
}

/** Byte counts that changed without failing (shrank, or grew ≤ 1%): worth a deliberate --update. */
export function bytesChanged(baseline: Baseline, metrics: readonly Metric[]): string[] {
  const out: string[] = [];
  for (const m of metrics) {
    const b = baseline.metrics[m.id];
    if (b?.kind === 'bytes' && m.value !== b.value && m.value <= b.value * (1 + BYTES_TOLERANCE))
      out.push(`${m.id}: ${b.value} → ${m.value}`);
  }
  return out;
}

/** A baseline from one or more runs: medians; tolerances from the runs' spread when there are enough. */
export function toBaseline(runs: readonly RunResult[], previous: Baseline | null): Baseline {
  const last = runs[runs.length - 1];
  if (!last) throw new Error('no runs');
  const metrics: Baseline['metrics'] = {};
  for (const m of last.metrics) {
    if (m.kind !== 'bytes' && !isMeasured(m.kind)) continue;
    const values = runs
      .map((r) => r.metrics.find((x) => x.id === m.id)?.value)
      .filter((v) => v !== undefined);
    if (m.kind === 'bytes') {
      metrics[m.id] = { value: m.value, kind: 'bytes' };
      continue;
    }
    const prev = previous?.metrics[m.id];
    const noise =
      values.length >= MIN_NOISE_RUNS
        ? toleranceFor(values)
        : {
            tolerance: prev?.tolerance ?? DEFAULT_RATIO_TOLERANCE,
            gated: prev?.gated ?? true,
            noise: prev?.noise ?? 'not measured yet',
          };
    metrics[m.id] = { value: median(values), kind: m.kind, ...noise };
  }
  return {
    note: 'Written by `npm run bench:gate -- --update [--results runs...]`. Bytes: +1% max; ratios: median of the runs, per-ratio tolerance from their noise (bench/gate.ts).',
    date: last.date,
    node: last.node,
    metrics,
  };
}

function argList(args: readonly string[], flag: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0) return [];
  const out: string[] = [];
  for (let j = i + 1; j < args.length && !(args[j] as string).startsWith('--'); j++)
    out.push(args[j] as string);
  return out;
}

async function freshRun(out: string, only: readonly Suite[]): Promise<RunResult> {
  const result = await runAll((l) => console.error(l), { gatedOnly: true, only });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (import.meta.main) {
  const t0 = performance.now();
  const args = process.argv.slice(2);
  const from = argList(args, '--results');
  const out = argList(args, '--out')[0] ?? join(here, '..', '.tmp', 'bench-gate.json');
  const only = onlyFrom(args);
  // With --only, the baseline's metrics of the other suites are not expected in this run.
  const inRun = (id: string) => only.some((s) => id.startsWith(`${s}.`));
  const runs: RunResult[] =
    from.length > 0
      ? from.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunResult)
      : [await freshRun(out, only)];
  const previous = (() => {
    try {
      return JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline;
    } catch {
      return null;
    }
  })();
  if (args.includes('--update')) {
    if (only.length !== SUITES.length)
      throw new Error('--update rewrites the whole baseline: not with --only');
    const next = toBaseline(runs, previous);
    writeFileSync(BASELINE, `${JSON.stringify(next, null, 2)}\n`);
    const ratios = Object.entries(next.metrics).filter(([, m]) => isMeasured(m.kind));
    console.log(`bench:gate: baseline rewritten from ${runs.length} run(s) (${BASELINE})`);
    for (const [id, m] of ratios)
      console.log(
        `  ${id}: ${fmt(m.value)}, ${m.gated ? `limit +${pct(m.tolerance ?? 0)}` : 'not gated'} (${m.noise})`,
      );
  } else {
    if (!previous) throw new Error(`no baseline at ${BASELINE}: run with --update first`);
    const run = runs[runs.length - 1] as RunResult;
    let findings = compare(previous, run.metrics, inRun);
    const ratioIds = findings
      .filter((f) => isMeasured(previous.metrics[f.id]?.kind ?? 'bytes'))
      .map((f) => f.id);
    if (ratioIds.length > 0 && from.length === 0) {
      // Confirm: measure again; a ratio fails only if the lower of its two values is still over.
      console.error(`bench:gate: ${ratioIds.length} ratio(s) over the limit; measuring again to confirm`);
      for (const f of findings) console.error(`  ? ${f.id}: ${f.message}`);
      const again = await freshRun(out.replace(/\.json$/, '.confirm.json'), only);
      const second = new Map(again.metrics.map((m) => [m.id, m.value]));
      const lower = run.metrics.map((m) =>
        ratioIds.includes(m.id) ? { ...m, value: Math.min(m.value, second.get(m.id) ?? m.value) } : m,
      );
      findings = compare(previous, lower, inRun).map((f) =>
        ratioIds.includes(f.id) ? { ...f, message: `${f.message} (lower of two runs)` } : f,
      );
    }
    const gated = Object.entries(previous.metrics).filter(
      ([id, m]) => inRun(id) && (m.kind === 'bytes' || m.gated !== false),
    ).length;
    console.log('bench:gate: the measured figures nearest their limits (growth, limit):');
    for (const n of nearestLimits(previous, run.metrics, 8))
      console.log(`  ${n.id}: ${n.growth >= 0 ? '+' : ''}${pct(n.growth)} (limit ${pct(n.limit)})`);
    for (const line of bytesChanged(previous, run.metrics))
      console.log(`  note: bytes changed within the limit, update the baseline on purpose: ${line}`);
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    if (findings.length > 0) {
      console.error(`bench:gate: ${findings.length} regression(s) of ${gated} gated metrics (${secs} s):`);
      for (const f of findings) console.error(`  ✗ ${f.id}: ${f.message}`);
      process.exitCode = 1;
    } else {
      console.log(`bench:gate: ok (${gated} gated metrics within limits, ${secs} s)`);
    }
  }
}
