// The shape every load scenario has: a name, thresholds per stream (and relative ones between
// streams), and a run that returns what it measured plus named checks (e.g. the synthetic ACE's
// request counts). Owns the types and the evaluation of one scenario's thresholds; not the CLI
// (run.ts) or the report files (report.ts).
import type { LoadTarget } from './env.ts';
import { mergeStreams, type StreamResult } from './run-autocannon.ts';
import {
  evaluateRelative,
  evaluateThresholds,
  labelOf,
  namesOf,
  type RelativeThreshold,
  type ThresholdResult,
  type Thresholds,
  validateRelative,
  validateThresholds,
} from './thresholds.ts';

/** The key in `Scenario.thresholds` that applies to all of a run's streams merged. */
export const ALL_STREAMS = 'all';

/** A named assertion beyond latency and errors; `skip` when it cannot apply to this target. */
export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

/** What a scenario's run hands back. A stream it did not run is listed in `skipped`. */
export interface ScenarioRun {
  streams: StreamResult[];
  checks: CheckResult[];
  skipped: { stream: string; reason: string }[];
}

export interface ScenarioContext {
  target: LoadTarget;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  /** One line for `--list` and the report. */
  summary: string;
  /** Stream name (or ALL_STREAMS) → thresholds. */
  thresholds: Readonly<Record<string, Thresholds>>;
  /** Limits on ratios between streams of the same run (e.g. a hot read against a floor). */
  relativeThresholds?: readonly RelativeThreshold[];
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}

/** Throws if any of a scenario's threshold expressions is malformed (checked before any load). */
export function validateScenario(scenario: Scenario): void {
  for (const thresholds of Object.values(scenario.thresholds)) validateThresholds(thresholds);
  for (const relative of scenario.relativeThresholds ?? []) validateRelative(relative);
}

/** One side of a relative threshold: its stream, its streams merged, or why there is none. */
function resolveSide(
  side: string | readonly string[],
  run: ScenarioRun,
): StreamResult | { missing: string } | 'skipped' {
  const names = namesOf(side);
  if (names.some((n) => run.skipped.some((s) => s.stream === n))) return 'skipped';
  const found = names.map((n) => run.streams.find((s) => s.name === n));
  const missing = names.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) return { missing: missing.join('+') };
  const streams = found.filter((s): s is StreamResult => s !== undefined);
  return streams.length === 1 && streams[0] ? streams[0] : mergeStreams(labelOf(side), streams);
}

const notRun = (target: string): ThresholdResult => ({
  target,
  metric: 'stream',
  expression: 'ran',
  measured: Number.NaN,
  limit: 1,
  passed: false,
});

/**
 * Evaluates a scenario's relative thresholds: left out when a side was skipped, a failure when a
 * side was neither run nor skipped (a gated one; an informational one is only reported missing).
 */
function evaluateRelatives(scenario: Scenario, run: ScenarioRun): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const relative of scenario.relativeThresholds ?? []) {
    const stream = resolveSide(relative.stream, run);
    const baseline = resolveSide(relative.baseline, run);
    if (stream === 'skipped' || baseline === 'skipped') continue;
    if ('missing' in stream || 'missing' in baseline) {
      const missing = [stream, baseline].flatMap((s) => ('missing' in s ? [s.missing] : []));
      const result = notRun(missing.join(', '));
      out.push(relative.gated === false ? { ...result, informational: true } : result);
      continue;
    }
    out.push(...evaluateRelative(relative, stream, baseline));
  }
  return out;
}

/**
 * Evaluates a scenario's thresholds, absolute then relative, against its run. A stream the run
 * skipped has its thresholds left out (its skip is reported as a check); one that is neither run
 * nor skipped is a failure.
 */
export function evaluateScenario(scenario: Scenario, run: ScenarioRun): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [key, thresholds] of Object.entries(scenario.thresholds)) {
    if (key === ALL_STREAMS) {
      if (run.streams.length > 0)
        out.push(...evaluateThresholds(mergeStreams(ALL_STREAMS, run.streams), thresholds));
      continue;
    }
    const stream = run.streams.find((s) => s.name === key);
    if (stream) {
      out.push(...evaluateThresholds(stream, thresholds));
    } else if (!run.skipped.some((s) => s.stream === key)) {
      out.push(notRun(key));
    }
  }
  return [...out, ...evaluateRelatives(scenario, run)];
}

/** Whether a scenario's thresholds pass: every one that gates (informational ones never fail). */
export const thresholdsPass = (results: readonly ThresholdResult[]): boolean =>
  results.every((t) => t.passed || t.informational === true);
