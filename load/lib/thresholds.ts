// Declarative pass/fail limits in k6's notation, evaluated against a stream's measured numbers:
// `{ http_req_failed: 'rate<0.001', http_req_duration: ['p(95)<500'], p95_ms: '<500' }`, and
// relative ones on the ratio of two streams measured in the same run (`hot rps >= 0.5 × floor`).
// Owns the expression grammar and the metric definitions; not how numbers are measured.
import { percentile, type StreamResult } from './run-autocannon.ts';

/** Metric name → one expression or several, each `[aggregation]<op><number>`. */
export type Thresholds = Readonly<Record<string, string | readonly string[]>>;

type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** One evaluated expression, kept for tables and reports. */
export interface ThresholdResult {
  /** The stream (or merged streams) it was evaluated against. */
  target: string;
  metric: string;
  expression: string;
  measured: number;
  limit: number;
  passed: boolean;
  /** Relative thresholds: the two values whose ratio is `measured` (stream ÷ baseline). */
  ratioOf?: { stream: number; baseline: number };
  /** Reported for information only: never fails the run (`passed` says how it would have fared). */
  informational?: true;
}

interface ParsedExpression {
  aggregation: string;
  percentile?: number;
  op: Op;
  limit: number;
}

const EXPRESSION =
  /^\s*(rate|count|value|avg|min|max|med|p\((\d+(?:\.\d+)?)\))?\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/** Metric → the aggregations it accepts (the first is the default when none is written). */
const METRICS: Readonly<Record<string, readonly string[]>> = {
  http_req_failed: ['rate', 'count'],
  http_req_duration: ['p', 'avg', 'min', 'max', 'med'],
  http_reqs: ['count', 'rate'],
  p50_ms: ['value'],
  p90_ms: ['value'],
  p95_ms: ['value'],
  p99_ms: ['value'],
  avg_ms: ['value'],
  max_ms: ['value'],
  rps: ['value'],
  errors: ['count'],
  timeouts: ['count'],
  non2xx: ['count'],
};

/** Parses one expression; throws on a malformed one (a bug in the scenario, caught at load). */
export function parseExpression(metric: string, expression: string): ParsedExpression {
  const allowed = METRICS[metric];
  if (!allowed)
    throw new Error(`unknown threshold metric "${metric}" (known: ${Object.keys(METRICS).join(', ')})`);
  const m = EXPRESSION.exec(expression);
  if (!m) throw new Error(`threshold ${metric}: cannot parse "${expression}"`);
  const [, rawAggregation, rawPercentile, op, rawLimit] = m;
  const aggregation = rawPercentile !== undefined ? 'p' : (rawAggregation ?? allowed[0] ?? 'value');
  if (!allowed.includes(aggregation)) {
    throw new Error(`threshold ${metric}: "${aggregation}" not one of ${allowed.join(', ')}`);
  }
  if (aggregation === 'p' && rawPercentile === undefined) {
    throw new Error(`threshold ${metric}: write a percentile as p(95)`);
  }
  return {
    aggregation,
    ...(rawPercentile !== undefined ? { percentile: Number(rawPercentile) } : {}),
    op: op as Op,
    limit: Number(rawLimit),
  };
}

/** Validates every expression of a threshold set up front; throws on the first bad one. */
export function validateThresholds(thresholds: Thresholds): void {
  for (const [metric, expressions] of Object.entries(thresholds)) {
    for (const e of typeof expressions === 'string' ? [expressions] : expressions) parseExpression(metric, e);
  }
}

/** Requests that failed as k6 counts them: a status of 400 or more, or no response at all. */
export function failedCount(result: StreamResult): number {
  let failed = result.errors;
  for (const [code, n] of Object.entries(result.statuses)) if (Number(code) >= 400) failed += n;
  return failed;
}

function measure(result: StreamResult, metric: string, parsed: ParsedExpression): number {
  const { aggregation } = parsed;
  const sorted = (): Float64Array => Float64Array.from(result.samples).sort();
  switch (metric) {
    case 'http_req_failed': {
      const attempts = result.responses + result.errors;
      if (aggregation === 'count') return failedCount(result);
      return attempts === 0 ? Number.NaN : failedCount(result) / attempts;
    }
    case 'http_req_duration':
      if (aggregation === 'p') return percentile(sorted(), parsed.percentile ?? 95);
      if (aggregation === 'med') return result.latencyMs.p50;
      if (aggregation === 'avg') return result.latencyMs.avg;
      if (aggregation === 'min') return result.latencyMs.min;
      return result.latencyMs.max;
    case 'http_reqs':
      return aggregation === 'rate' ? result.rps : result.responses;
    case 'p50_ms':
      return result.latencyMs.p50;
    case 'p90_ms':
      return result.latencyMs.p90;
    case 'p95_ms':
      return result.latencyMs.p95;
    case 'p99_ms':
      return result.latencyMs.p99;
    case 'avg_ms':
      return result.latencyMs.avg;
    case 'max_ms':
      return result.latencyMs.max;
    case 'rps':
      return result.rps;
    case 'errors':
      return result.errors;
    case 'timeouts':
      return result.timeouts;
    case 'non2xx':
      return result.non2xx;
    default:
      throw new Error(`unknown threshold metric "${metric}"`);
  }
}

const roundMeasured = (n: number): number => (Number.isNaN(n) ? n : Math.round(n * 10_000) / 10_000);

function compare(measured: number, op: Op, limit: number): boolean {
  if (Number.isNaN(measured)) return false;
  switch (op) {
    case '<':
      return measured < limit;
    case '<=':
      return measured <= limit;
    case '>':
      return measured > limit;
    case '>=':
      return measured >= limit;
    case '==':
      return measured === limit;
    case '!=':
      return measured !== limit;
  }
}

/** A stream's value for a metric and aggregation; NaN when it had no responses to measure. */
function measureOrNaN(result: StreamResult, metric: string, parsed: ParsedExpression): number {
  const noData = result.responses === 0 && metric !== 'errors' && metric !== 'timeouts';
  return noData ? Number.NaN : measure(result, metric, parsed);
}

/** Evaluates every expression against one result; a latency metric with no responses fails. */
export function evaluateThresholds(result: StreamResult, thresholds: Thresholds): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, expressions] of Object.entries(thresholds)) {
    for (const expression of typeof expressions === 'string' ? [expressions] : expressions) {
      const parsed = parseExpression(metric, expression);
      const measured = measureOrNaN(result, metric, parsed);
      const rounded = roundMeasured(measured);
      out.push({
        target: result.name,
        metric,
        expression: expression.trim(),
        measured: rounded,
        limit: parsed.limit,
        passed: compare(measured, parsed.op, parsed.limit),
      });
    }
  }
  return out;
}

/**
 * A limit on the ratio of one stream's metric to another's, both measured in the same run, so
 * the machine's load cancels out: `{ stream: 'hot-10', baseline: 'floor-10', ratios: { rps:
 * '>=0.5' } }` passes when hot's req/s is at least half the floor's. A list of names is those
 * streams merged side by side (as ALL_STREAMS is). `gated: false` reports it without gating.
 */
export interface RelativeThreshold {
  stream: string | readonly string[];
  baseline: string | readonly string[];
  /** Metric → expression(s) on the ratio stream ÷ baseline, in the grammar above. */
  ratios: Thresholds;
  gated?: boolean;
}

/** Metrics whose ratio means something: throughput and latency, not failure counts (baseline 0). */
const RATIO_METRICS: ReadonlySet<string> = new Set([
  'http_reqs',
  'http_req_duration',
  'rps',
  'p50_ms',
  'p90_ms',
  'p95_ms',
  'p99_ms',
  'avg_ms',
  'max_ms',
]);

/** The stream names of one side of a relative threshold. */
export const namesOf = (side: string | readonly string[]): readonly string[] =>
  typeof side === 'string' ? [side] : side;

/** How a side is shown: `hot-10`, or `a+b` for merged streams. */
export const labelOf = (side: string | readonly string[]): string => namesOf(side).join('+');

/** Validates a relative threshold up front; throws on the first problem. */
export function validateRelative(r: RelativeThreshold): void {
  const what = `relative threshold ${labelOf(r.stream)}/${labelOf(r.baseline)}`;
  const stream = namesOf(r.stream);
  const baseline = namesOf(r.baseline);
  if (stream.length === 0 || baseline.length === 0 || [...stream, ...baseline].some((n) => n.trim() === ''))
    throw new Error(`${what}: name a stream and a baseline`);
  if (stream.some((n) => baseline.includes(n)))
    throw new Error(`${what}: a stream cannot be its own baseline`);
  if (Object.keys(r.ratios).length === 0) throw new Error(`${what}: no ratios`);
  for (const metric of Object.keys(r.ratios)) {
    if (!RATIO_METRICS.has(metric))
      throw new Error(
        `${what}: "${metric}" has no meaningful ratio (use one of ${[...RATIO_METRICS].join(', ')})`,
      );
  }
  validateThresholds(r.ratios);
}

/**
 * Evaluates a relative threshold on the two sides' results: measured = stream ÷ baseline,
 * NaN (a failure) when either side had no responses or the baseline measured 0.
 */
export function evaluateRelative(
  r: RelativeThreshold,
  stream: StreamResult,
  baseline: StreamResult,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, expressions] of Object.entries(r.ratios)) {
    for (const expression of typeof expressions === 'string' ? [expressions] : expressions) {
      const parsed = parseExpression(metric, expression);
      const a = measureOrNaN(stream, metric, parsed);
      const b = measureOrNaN(baseline, metric, parsed);
      const ratio = b === 0 ? Number.NaN : a / b;
      out.push({
        target: `${labelOf(r.stream)}/${labelOf(r.baseline)}`,
        metric: `${metric} ratio`,
        expression: expression.trim(),
        measured: roundMeasured(ratio),
        limit: parsed.limit,
        passed: compare(ratio, parsed.op, parsed.limit),
        ratioOf: { stream: roundMeasured(a), baseline: roundMeasured(b) },
        ...(r.gated === false ? { informational: true as const } : {}),
      });
    }
  }
  return out;
}
