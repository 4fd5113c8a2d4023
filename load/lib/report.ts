// The outputs of a load run: `load/results/<scenario>.json` per scenario, one self-contained
// `load/results/report.html` over every scenario summary in that folder (tables, and each
// stream's charts from charts.ts), and the console tables. Owns the summary format; not the
// measuring, the pass/fail rules or the drawing.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamCharts } from './charts.ts';
import type { StreamResult } from './run-autocannon.ts';
import type { CheckResult } from './scenario.ts';
import type { ThresholdResult } from './thresholds.ts';
import { type HistogramBucket, latencyHistogram, type TimelineBucket, timeline } from './timeline.ts';

/**
 * A stream as reported: the measured numbers without the raw samples, plus its per-second
 * timeline and latency histogram (absent in summaries written before 2026-12-07).
 */
export type StreamSummary = Omit<StreamResult, 'samples' | 'completedMs'> & {
  timeline?: TimelineBucket[];
  histogram?: HistogramBucket[];
};

/** One scenario's summary, as written to `<scenario>.json`. */
export interface ScenarioOutcome {
  scenario: string;
  summary: string;
  target: { kind: 'local' | 'staging'; baseUrl: string; aceUrl: string | null };
  startedAt: string;
  finishedAt: string;
  passed: boolean;
  /** Set when the scenario threw instead of finishing. */
  error: string | null;
  machine: { cpus: number; node: string; platform: string };
  streams: StreamSummary[];
  /** `measured` is null in the file when there was nothing to measure. */
  thresholds: ThresholdResult[];
  checks: CheckResult[];
}

export const RESULTS_DIR = path.resolve(import.meta.dirname, '..', 'results');

/** Turns a stream's raw samples into its timeline and histogram, and drops them, for the report. */
export function toSummary(stream: StreamResult): StreamSummary {
  const { samples, completedMs, ...rest } = stream;
  return { ...rest, timeline: timeline(samples, completedMs), histogram: latencyHistogram(samples) };
}

/** Describes this machine (the numbers mean little without it). */
export function machineInfo(): ScenarioOutcome['machine'] {
  return {
    cpus: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** Writes `<dir>/<scenario>.json`; returns its path. */
export function writeScenarioJson(outcome: ScenarioOutcome, dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${outcome.scenario}.json`);
  writeFileSync(file, `${JSON.stringify(outcome, null, 2)}\n`);
  return file;
}

function isOutcome(value: unknown): value is ScenarioOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ScenarioOutcome>;
  return typeof v.scenario === 'string' && Array.isArray(v.thresholds) && Array.isArray(v.streams);
}

/** Reads every scenario summary in `dir`, sorted by file name. */
export function readOutcomes(dir = RESULTS_DIR): ScenarioOutcome[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: ScenarioOutcome[] = [];
  for (const f of files.sort()) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      if (isOutcome(parsed)) out.push(parsed);
    } catch {
      // not a summary of ours
    }
  }
  return out;
}

const fmt = (n: number | null | undefined): string =>
  n === null || n === undefined || Number.isNaN(n)
    ? 'n/a'
    : Number.isInteger(n)
      ? String(n)
      : n.toFixed(n < 1 ? 4 : 1);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

function statusList(statuses: Record<string, number>): string {
  return (
    Object.entries(statuses)
      .map(([code, n]) => `${code}:${n}`)
      .join(' ') || '-'
  );
}

/** A threshold's measured value; a ratio with the two values it divides. */
function measuredText(t: ThresholdResult): string {
  return t.ratioOf
    ? `${fmt(t.measured)} (${fmt(t.ratioOf.stream)} / ${fmt(t.ratioOf.baseline)})`
    : fmt(t.measured);
}

/** ok / FAIL, or for an informational threshold what it would have been. */
function resultText(t: ThresholdResult): string {
  if (t.informational) return t.passed ? 'info (within)' : 'info (outside)';
  return t.passed ? 'ok' : 'FAIL';
}

const ROUND_HEAD = ['stream', 'round', 'secs', 'responses', 'req/s', 'p50', 'p95', 'p99', 'errors'];

/** One row per round of the streams that ran in turn. */
function roundRows(streams: readonly StreamSummary[]): string[][] {
  return streams.flatMap((s) =>
    (s.rounds ?? []).map((r) => [
      s.name,
      String(r.round),
      fmt(r.durationS),
      String(r.responses),
      fmt(r.rps),
      fmt(r.p50),
      fmt(r.p95),
      fmt(r.p99),
      String(r.errors),
    ]),
  );
}

/** The console view of one scenario: its streams, thresholds (measured vs limit) and checks. */
export function formatOutcome(outcome: ScenarioOutcome): string {
  const parts: string[] = [];
  parts.push(
    `scenario ${outcome.scenario}: ${outcome.passed ? 'PASSED' : 'FAILED'}  (${outcome.target.baseUrl})`,
  );
  if (outcome.error) parts.push(`  error: ${outcome.error}`);
  if (outcome.streams.length > 0) {
    const rows = [
      [
        'stream',
        'conns',
        'secs',
        'responses',
        'req/s',
        'p50',
        'p90',
        'p95',
        'p99',
        'max',
        'statuses',
        'errors',
      ],
    ];
    for (const s of outcome.streams) {
      const l = s.latencyMs;
      rows.push([
        s.name,
        String(s.connections),
        fmt(s.durationS),
        String(s.responses),
        fmt(s.rps),
        fmt(l.p50),
        fmt(l.p90),
        fmt(l.p95),
        fmt(l.p99),
        fmt(l.max),
        statusList(s.statuses),
        s.errors ? `${s.errors} (${s.timeouts} timeouts) ${s.errorSamples.join('; ')}` : '0',
      ]);
    }
    parts.push(table(rows));
    const answers = outcome.streams.flatMap((s) => s.non2xxSamples.map((a) => `  ${s.name}: ${a}`));
    if (answers.length > 0) parts.push(`non-2xx answers (first of each):\n${answers.join('\n')}`);
  }
  const rounds = roundRows(outcome.streams);
  if (rounds.length > 0) parts.push(table([ROUND_HEAD, ...rounds]));
  if (outcome.thresholds.length > 0) {
    const rows = [['threshold', 'on', 'limit', 'measured', 'result']];
    for (const t of outcome.thresholds) {
      rows.push([t.metric, t.target, t.expression, measuredText(t), resultText(t)]);
    }
    parts.push(table(rows));
  }
  if (outcome.checks.length > 0) {
    const rows = [['check', 'result', 'detail']];
    for (const c of outcome.checks) rows.push([c.name, c.status === 'fail' ? 'FAIL' : c.status, c.detail]);
    parts.push(table(rows));
  }
  return parts.join('\n\n');
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A table; `rowClasses` mark rows pass/fail/skip and `resultColumn` the cell that says which. */
function htmlTable(head: string[], rows: string[][], rowClasses: string[] = [], resultColumn = -1): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows
    .map((r, i) => {
      const cls = rowClasses[i] ? ` class="${rowClasses[i]}"` : '';
      const tds = r.map(
        (c, ci) => `<td${ci === resultColumn ? ' class="result"' : ''}>${escapeHtml(c)}</td>`,
      );
      return `<tr${cls}>${tds.join('')}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/** The first table: one row per scenario, pass/fail and the headline numbers. */
function overviewTable(outcomes: readonly ScenarioOutcome[]): string {
  const gated = (o: ScenarioOutcome) => o.thresholds.filter((t) => !t.informational);
  return htmlTable(
    [
      'scenario',
      'result',
      'target',
      'finished',
      'thresholds passed',
      'checks',
      'req/s (all streams)',
      'p95 ms (worst stream)',
    ],
    outcomes.map((o) => [
      o.scenario,
      o.passed ? 'passed' : 'FAILED',
      `${o.target.kind} ${o.target.baseUrl}`,
      o.finishedAt,
      `${gated(o).filter((t) => t.passed).length}/${gated(o).length}`,
      o.checks.map((c) => `${c.name}: ${c.status}`).join(', ') || '-',
      fmt(o.streams.reduce((n, s) => n + s.rps, 0)),
      fmt(Math.max(0, ...o.streams.map((s) => s.latencyMs.p95))),
    ]),
    outcomes.map((o) => (o.passed ? 'pass' : 'fail')),
    1,
  );
}

const STREAM_HEAD = [
  'stream',
  'origin',
  'conns',
  'secs',
  'sent',
  'responses',
  'req/s',
  'KiB/s',
  'p50',
  'p90',
  'p95',
  'p99',
  'max',
  'statuses',
  'errors',
  'non-2xx answers',
];

function streamRow(s: StreamSummary): string[] {
  const l = s.latencyMs;
  return [
    s.name,
    s.origin,
    String(s.connections),
    fmt(s.durationS),
    String(s.sent),
    String(s.responses),
    fmt(s.rps),
    fmt(s.bytesPerSec / 1024),
    ...[l.p50, l.p90, l.p95, l.p99, l.max].map(fmt),
    statusList(s.statuses),
    s.errors ? `${s.errors} (${s.timeouts} timeouts) ${s.errorSamples.join('; ')}` : '0',
    s.non2xxSamples.join(' | ') || '-',
  ];
}

const CHARTS_NOTE =
  'Per stream: responses completed in each second, the p50/p95/p99 of those responses, and all its ' +
  'latencies on log-spaced buckets. Streams run in turn show their rounds end to end (dashed lines: a round begins).';

/** One scenario's section: streams, rounds, thresholds, checks, then each stream's charts. */
function scenarioSection(o: ScenarioOutcome): string {
  const thresholds = htmlTable(
    ['metric', 'on', 'limit', 'measured', 'result'],
    o.thresholds.map((t) => [t.metric, t.target, t.expression, measuredText(t), resultText(t)]),
    o.thresholds.map((t) => (t.informational ? 'skip' : t.passed ? 'pass' : 'fail')),
    4,
  );
  const roundRowsHtml = roundRows(o.streams);
  const rounds = roundRowsHtml.length
    ? `<h3>Rounds (streams run in turn; latency in ms)</h3>${htmlTable(ROUND_HEAD, roundRowsHtml)}`
    : '';
  const checks = htmlTable(
    ['check', 'result', 'detail'],
    o.checks.map((c) => [c.name, c.status, c.detail]),
    o.checks.map((c) => (c.status === 'fail' ? 'fail' : c.status === 'pass' ? 'pass' : 'skip')),
    1,
  );
  const charts = o.streams.length
    ? `<h3>Over time</h3><p class="note">${CHARTS_NOTE}</p>${o.streams.map(streamCharts).join('\n')}`
    : '';
  const error = o.error ? `<p class="fail">error: ${escapeHtml(o.error)}</p>` : '';
  return `<section><h2>${escapeHtml(o.scenario)} <small>${escapeHtml(o.summary)}</small></h2>${error}
<p>${escapeHtml(`${o.startedAt} → ${o.finishedAt}; ${o.machine.cpus} CPUs, Node ${o.machine.node}, ${o.machine.platform}`)}</p>
<h3>Streams (latency in ms)</h3>${htmlTable(STREAM_HEAD, o.streams.map(streamRow))}${rounds}
<h3>Thresholds</h3>${thresholds}<h3>Checks</h3>${checks}
${charts}</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}
tr.pass td.result{color:#176a17;font-weight:600}
tr.fail td{background:#fde8e8}
tr.fail td.result{color:#a00;font-weight:600}
tr.skip td{color:#777}
small{font-weight:normal;color:#666}
.fail{color:#a00}
.note{color:#555}
figure.charts{margin:.5rem 0 1.5rem}
figure.charts figcaption{font-weight:600;margin-bottom:.25rem}
figure.charts svg{margin:0 .75rem .5rem 0;vertical-align:top;border:1px solid #eee}`;

/** Renders every outcome as one HTML page with inline styles and no external resources. */
export function renderHtml(outcomes: readonly ScenarioOutcome[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vitals-edge load tests</title>
<style>
${STYLE}
</style></head><body>
<h1>vitals-edge load tests</h1>
<p>One row per scenario summary in load/results/ (the latest run of each). See docs/PERFORMANCE.md for the thresholds' reasoning.</p>
${overviewTable(outcomes)}
${outcomes.map(scenarioSection).join('\n')}
</body></html>
`;
}

/** Writes `<dir>/report.html` over every summary in `dir`; returns its path. */
export function writeHtmlReport(dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'report.html');
  writeFileSync(file, renderHtml(readOutcomes(dir)));
  return file;
}
