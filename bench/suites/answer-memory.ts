// Memory of a job result read as JSON (columns) and MessagePack (compact), written series by series
// (src/jobs/result-series.ts, src/encoding/series-stream.ts): a job of 1 M and of 10 M samples
// (200 points a minute apart) planned as the consumer plans it (src/jobs/tasks.ts: batches of
// points), each task's part written as the task runner writes it (a frame per slice), then the
// answer streamed and read to the end with live memory (full GCs) at every 16th read and every
// read of 64 KiB or more. The stored parts
// are the baseline (R2 holds them, not the isolate). Issue 15: < 64 MB at both sizes, ≤ 1.2× from
// 1 M to 10 M. Reported, not gated: it takes minutes.
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import type { Format } from '../../src/encoding/codec.ts';
import type { Layout } from '../../src/encoding/layout.ts';
import { streamAnswer } from '../../src/encoding/series-stream.ts';
import { encodeFrame, SLICE_MAX_SAMPLES } from '../../src/jobs/result-format.ts';
import { batchesOf, type ResultPart, seriesSources } from '../../src/jobs/result-series.ts';
import { planTask, START, TASK_MAX_SAMPLES, type TaskPosition } from '../../src/jobs/tasks.ts';
import { START_MS } from '../datasets.ts';
import type { Metric } from '../lib.ts';
import { type MemoryRow, printMemoryRows } from './direct-path.ts';
import { drainPeak, live, SERIES_READS } from './export-memory.ts';

const STEP_MS = 60_000;
const POINTS = Array.from({ length: 200 }, (_, p) => `site/ahu-${Math.floor(p / 8)}/point-${p}`);
export const ANSWER_SIZES = [1_000_000, 10_000_000] as const;
const FORMS: ReadonlyArray<[Format, Layout]> = [
  ['json', 'columns'],
  ['msgpack', 'compact'],
];

/** A point's samples over [startMs, endMs): BAS-like quantized values on the minute. */
function pointSeries(p: number, startMs: number, endMs: number): ChunkSeries {
  const t: number[] = [];
  const v: number[] = [];
  for (let at = startMs; at < endMs; at += STEP_MS) {
    t.push(at);
    v.push(Math.round((70 + 5 * Math.sin((at / STEP_MS + p) / 90)) * 10) / 10);
  }
  return { point: POINTS[p] as string, t, v };
}

/** The job's parts as the consumer writes them: one per task, a frame per slice. */
async function storedParts(
  samples: number,
): Promise<{ parts: ResultPart[]; bytes: Map<string, Uint8Array> }> {
  const window = { startMs: START_MS, endMs: START_MS + Math.ceil((samples / POINTS.length) * STEP_MS) };
  const limits = { sliceMaxSamples: SLICE_MAX_SAMPLES, taskMaxSamples: TASK_MAX_SAMPLES };
  const parts: ResultPart[] = [];
  const bytes = new Map<string, Uint8Array>();
  let at: TaskPosition = START;
  for (;;) {
    const plan = planTask(window, POINTS.length, samples, at, limits);
    if (plan === null) break;
    const frames: Uint8Array[] = [];
    let count = 0;
    for (const slice of plan.slices) {
      const series = Array.from({ length: plan.points.count }, (_, i) =>
        pointSeries(plan.points.from + i, slice.startMs, slice.endMs),
      );
      count += series.reduce((n, s) => n + s.t.length, 0);
      frames.push(await encodeFrame(series));
    }
    const key = `part-${parts.length}`;
    bytes.set(key, new Uint8Array(await new Blob(frames as Uint8Array<ArrayBuffer>[]).arrayBuffer()));
    parts.push({ key, points: plan.points, samples: count });
    at = plan.next;
  }
  return { parts, bytes };
}

/** Streams the answer and reads it to the end; peak live bytes above the start. */
async function answerPeak(
  stored: { parts: ResultPart[]; bytes: Map<string, Uint8Array> },
  format: Format,
  layout: Layout,
): Promise<{ peak: number; bytes: number }> {
  const batches = batchesOf(stored.parts, POINTS.length);
  if (!batches) throw new Error('the parts do not tile the points');
  const open = async (key: string) => new Blob([stored.bytes.get(key) as Uint8Array<ArrayBuffer>]).stream();
  const base = live();
  const stream = streamAnswer(
    {
      head: { site: 'bench', start: 0, end: 0, interval: 'raw' },
      count: POINTS.length,
      series: seriesSources(batches, POINTS, open, 'raw'),
      meta: (samples) => ({ samples }),
    },
    layout,
    format,
  );
  const { peak, bytes } = await drainPeak(stream, base, SERIES_READS);
  return { peak, bytes };
}

export async function runAnswerMemory(): Promise<{ memory: MemoryRow[]; metrics: Metric[] }> {
  const memory: MemoryRow[] = [];
  const metrics: Metric[] = [];
  for (const total of ANSWER_SIZES) {
    const stored = await storedParts(total);
    const storedBytes = [...stored.bytes.values()].reduce((n, b) => n + b.byteLength, 0);
    for (const [format, layout] of FORMS) {
      const { peak, bytes } = await answerPeak(stored, format, layout);
      const size = `${total / 1e6}M`;
      memory.push({
        name: `job result ${format} ${layout} answer, ${size} samples: peak above the start`,
        bytes: peak,
        note: `${stored.parts.length} parts of ${stored.parts.map((p) => p.points.count).join('/')} points, ${(storedBytes / 1e6).toFixed(1)} MB stored → ${(bytes / 1e6).toFixed(0)} MB`,
      });
      metrics.push({
        id: `memory.answer.${format}.${size}.peak_bytes`,
        value: peak,
        unit: 'B',
        kind: 'info',
      });
    }
  }
  return { memory, metrics };
}

// `node --expose-gc bench/suites/answer-memory.ts` prints the rows alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { memory } = await runAnswerMemory();
  printMemoryRows(memory);
}
