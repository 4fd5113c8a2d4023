// Inline SVG charts of one stream's summary for report.html: responses per second over time,
// latency percentiles (p50/p95/p99) over time, and the latency histogram, so a stall, a slope or
// a second mode shows at a glance. Pure functions from the summary to SVG text: no script, no
// external resource (hovering shows native titles). Not the page around them (report.ts).
import type { RoundSummary } from './run-autocannon.ts';
import { HISTOGRAM_STEPS_PER_DECADE, type HistogramBucket, type TimelineBucket } from './timeline.ts';

const WIDTH = 420;
const HEIGHT = 200;
const PLOT = { left: 54, right: WIDTH - 12, top: 24, bottom: HEIGHT - 34 } as const;
const PLOT_W = PLOT.right - PLOT.left;
const PLOT_H = PLOT.bottom - PLOT.top;
const COLORS = { bar: '#4a78b5', p50: '#2b8a3e', p95: '#e67700', p99: '#c92a2a', grid: '#e5e5e5' };

/** What the charts read of a stream summary (older summaries lack the timeline and histogram). */
export interface ChartInput {
  name: string;
  timeline?: readonly TimelineBucket[];
  histogram?: readonly HistogramBucket[];
  rounds?: readonly RoundSummary[];
}

interface Tick {
  at: number;
  label: string;
}

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
const px = (n: number): string => String(Math.round(n * 10) / 10);

/** A round number ≥ `max` / `count` (1, 2, 2.5 or 5 × 10^k), the step between axis ticks. */
export function niceStep(max: number, count = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10;
  return step * magnitude;
}

/** Ticks 0, step, … up to the first at or above `max` (the axis' top); whole steps for counts. */
function linearTicks(
  max: number,
  label: (v: number) => string,
  whole = false,
): { ticks: Tick[]; top: number } {
  const step = whole ? Math.max(1, Math.ceil(niceStep(max))) : niceStep(max);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const ticks: Tick[] = [];
  for (let i = 0; i * step <= top + 1e-9; i++) ticks.push({ at: i * step, label: label(i * step) });
  return { ticks, top };
}

/** A latency for an axis or a title: `0.8 ms`, `250 ms`, `1.5 s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  return `${Number(ms.toPrecision(ms < 1 ? 2 : 3))} ms`;
}

const seconds = (s: number): string => `${Number(s.toPrecision(4))} s`;

/** The frame: title, grid lines with y labels, x tick labels and the axes' names. */
function frame(title: string, x: Tick[], y: Tick[], xName: string, yName: string, body: string): string {
  const grid = y
    .map((t) => {
      const yy = px(t.at);
      return `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${yy}" y2="${yy}" stroke="${COLORS.grid}"/><text x="${PLOT.left - 4}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(t.label)}</text>`;
    })
    .join('');
  const xLabels = x
    .map((t) => `<text x="${px(t.at)}" y="${PLOT.bottom + 12}" text-anchor="middle">${esc(t.label)}</text>`)
    .join('');
  const axes = `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#999"/><line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#999"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(title)}" font-family="system-ui,sans-serif" font-size="10" fill="#333">` +
    `<text x="${PLOT.left}" y="14" font-size="12" font-weight="600">${esc(title)}</text>${grid}${body}${axes}${xLabels}` +
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 6}" text-anchor="middle" fill="#666">${esc(xName)}</text>` +
    `<text transform="translate(12 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#666">${esc(yName)}</text></svg>`
  );
}

/** Time axis over `spanS` seconds: the x of a time and its ticks. */
function timeAxis(spanS: number): { x: (s: number) => number; ticks: Tick[] } {
  const span = Math.max(spanS, 1);
  const x = (s: number) => PLOT.left + (s / span) * PLOT_W;
  const step = niceStep(span, 6);
  const ticks: Tick[] = [];
  for (let s = 0; s <= span + 1e-9; s += step) ticks.push({ at: x(s), label: seconds(s) });
  return { x, ticks };
}

/** Dashed lines where a later round begins (streams merged in turn), labelled r2, r3, …. */
function roundMarks(rounds: readonly RoundSummary[] | undefined, x: (s: number) => number): string {
  return (rounds ?? [])
    .filter((r) => r.offsetS > 0)
    .map((r) => {
      const xx = px(x(r.offsetS));
      return `<line x1="${xx}" x2="${xx}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#888" stroke-dasharray="3 3"/><text x="${xx}" y="${PLOT.top - 3}" text-anchor="middle" fill="#666">r${r.round}</text>`;
    })
    .join('');
}

/** Responses completed in each second, as bars; a stall is a gap, a slope a slope. */
export function rpsChart(timeline: readonly TimelineBucket[], rounds?: readonly RoundSummary[]): string {
  const n = timeline.length;
  const { x, ticks } = timeAxis(n);
  const y = linearTicks(Math.max(1, ...timeline.map((b) => b.count)), String, true);
  const yPx = (v: number) => PLOT.bottom - (v / y.top) * PLOT_H;
  const bars = timeline
    .map((b) => {
      const top = yPx(b.count);
      return `<rect x="${px(x(b.t) + 0.5)}" y="${px(top)}" width="${px(Math.max(0.5, PLOT_W / Math.max(n, 1) - 1))}" height="${px(PLOT.bottom - top)}" fill="${COLORS.bar}"><title>${seconds(b.t)}–${seconds(b.t + 1)}: ${b.count} responses</title></rect>`;
    })
    .join('');
  const yTicks = y.ticks.map((t) => ({ at: yPx(t.at), label: t.label }));
  return frame(
    'responses per second',
    ticks,
    yTicks,
    'seconds since the stream started (the last bar may be a partial second)',
    'responses / s',
    bars + roundMarks(rounds, x),
  );
}

/** A polyline per run of seconds that had responses (a second with none breaks the line). */
function percentileLine(
  timeline: readonly TimelineBucket[],
  pick: (b: TimelineBucket) => number | null,
  x: (s: number) => number,
  y: (ms: number) => number,
  color: string,
): string {
  const runs: [number, number][][] = [[]];
  for (const b of timeline) {
    const v = pick(b);
    if (v === null) runs.push([]);
    else runs.at(-1)?.push([x(b.t + 0.5), y(v)]);
  }
  return runs
    .map((r) => {
      const [only] = r;
      if (r.length === 1 && only)
        return `<circle cx="${px(only[0])}" cy="${px(only[1])}" r="1.5" fill="${color}"/>`;
      if (r.length < 2) return '';
      const points = r.map(([a, b]) => `${px(a)},${px(b)}`).join(' ');
      return `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
    })
    .join('');
}

/** p50, p95 and p99 of the responses completed in each second. */
export function latencyChart(timeline: readonly TimelineBucket[], rounds?: readonly RoundSummary[]): string {
  const { x, ticks } = timeAxis(timeline.length);
  const y = linearTicks(Math.max(1, ...timeline.map((b) => b.p99 ?? 0)), formatMs);
  const yPx = (ms: number) => PLOT.bottom - (ms / y.top) * PLOT_H;
  const lines = (['p50', 'p95', 'p99'] as const)
    .map((p) => percentileLine(timeline, (b) => b[p], x, yPx, COLORS[p]))
    .join('');
  const hover = timeline
    .filter((b) => b.count > 0)
    .map(
      (b) =>
        `<rect x="${px(x(b.t))}" y="${PLOT.top}" width="${px(x(b.t + 1) - x(b.t))}" height="${PLOT_H}" fill="transparent"><title>${seconds(b.t)}–${seconds(b.t + 1)}: ${b.count} responses; p50 ${formatMs(b.p50 ?? 0)}, p95 ${formatMs(b.p95 ?? 0)}, p99 ${formatMs(b.p99 ?? 0)}</title></rect>`,
    )
    .join('');
  const legend = (['p50', 'p95', 'p99'] as const)
    .map(
      (p, i) =>
        `<rect x="${PLOT.right - 118 + i * 40}" y="7" width="10" height="3" fill="${COLORS[p]}"/><text x="${PLOT.right - 105 + i * 40}" y="12">${p}</text>`,
    )
    .join('');
  const yTicks = y.ticks.map((t) => ({ at: yPx(t.at), label: t.label }));
  return frame(
    'latency per second',
    ticks,
    yTicks,
    'seconds since the stream started',
    'latency',
    lines + roundMarks(rounds, x) + legend + hover,
  );
}

/** The 1-2-5 edges among the buckets' (10^(k/10) ms: k ≡ 0, 3, 7 mod 10), powers of ten only when wide. */
function histogramTicks(histogram: readonly HistogramBucket[], w: number): Tick[] {
  const steps = HISTOGRAM_STEPS_PER_DECADE;
  const first = histogram[0];
  if (!first) return [];
  const k0 = Math.round(steps * Math.log10(first.fromMs));
  const marks: Readonly<Record<number, number>> =
    histogram.length > 3 * steps ? { 0: 1 } : { 0: 1, 3: 2, 7: 5 };
  const ticks: Tick[] = [];
  for (let i = 0; i <= histogram.length; i++) {
    const k = k0 + i;
    const mult = marks[((k % steps) + steps) % steps];
    if (mult !== undefined)
      ticks.push({ at: PLOT.left + i * w, label: formatMs(mult * 10 ** Math.floor(k / steps)) });
  }
  return ticks;
}

/** Responses by latency on log-spaced buckets (ticks at each power of ten). */
export function histogramChart(histogram: readonly HistogramBucket[]): string {
  const n = Math.max(histogram.length, 1);
  const w = PLOT_W / n;
  const y = linearTicks(Math.max(1, ...histogram.map((b) => b.count)), String, true);
  const yPx = (v: number) => PLOT.bottom - (v / y.top) * PLOT_H;
  const bars = histogram
    .map((b, i) => {
      const top = yPx(b.count);
      return `<rect x="${px(PLOT.left + i * w + 0.5)}" y="${px(top)}" width="${px(Math.max(0.5, w - 1))}" height="${px(PLOT.bottom - top)}" fill="${COLORS.bar}"><title>${formatMs(b.fromMs)}–${formatMs(b.toMs)}: ${b.count} responses</title></rect>`;
    })
    .join('');
  const xTicks = histogramTicks(histogram, w);
  const yTicks = y.ticks.map((t) => ({ at: yPx(t.at), label: t.label }));
  return frame('latency histogram', xTicks, yTicks, 'latency (log scale)', 'responses', bars);
}

/** The three charts of one stream, or a note when it has nothing to chart. */
export function streamCharts(stream: ChartInput): string {
  const timeline = stream.timeline ?? [];
  if (timeline.length === 0) return `<p class="note">${esc(stream.name)}: no responses to chart.</p>`;
  return `<figure class="charts"><figcaption>${esc(stream.name)}</figcaption>${rpsChart(timeline, stream.rounds)}${latencyChart(timeline, stream.rounds)}${histogramChart(stream.histogram ?? [])}</figure>`;
}
