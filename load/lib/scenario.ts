// The shape every load scenario has: a name, thresholds per stream, and a run that returns what it
// measured plus named checks (e.g. the synthetic ACE's request counts). Owns the types and the
// evaluation of one scenario's thresholds; not the CLI (run.ts) or the report files (report.ts).
import type { LoadTarget } from './env.ts';
import { mergeStreams, type StreamResult } from './run-autocannon.ts';
import {
  evaluateThresholds,
  type ThresholdResult,
  type Thresholds,
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
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}

/** Throws if any of a scenario's threshold expressions is malformed (checked before any load). */
export function validateScenario(scenario: Scenario): void {
  for (const thresholds of Object.values(scenario.thresholds)) validateThresholds(thresholds);
}

/**
 * Evaluates a scenario's thresholds against its run. A stream the run skipped has its thresholds
 * left out (its skip is reported as a check); one that is neither run nor skipped is a failure.
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
      out.push({
        target: key,
        metric: 'stream',
        expression: 'ran',
        measured: Number.NaN,
        limit: 1,
        passed: false,
      });
    }
  }
  return out;
}
