// Memory of a job result downloaded as an export (src/jobs/result-export.ts over
// result-format.ts readFrames): the stored frames of 1 M and 10 M samples streamed to NDJSON, CSV
// and Parquet and read to the end, as the route does it, with live memory (full GCs) sampled at
// every read. The stored bytes are the baseline (R2 holds them, not the isolate); what is measured is
// what the streaming adds on top, which must not grow with the result (issue 15: < 64 MB at both
// sizes, ≤ 1.2× from 1 M to 10 M). Reported, not gated: it takes minutes and GBs of frames.
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import type { ExportFormat } from '../../src/encoding/exports.ts';
import { exportStream } from '../../src/jobs/result-export.ts';
import { encodeFrame, readFrames } from '../../src/jobs/result-format.ts';
import { createLogger } from '../../src/obs/log.ts';
import { START_MS } from '../datasets.ts';
import { type Metric, threadCpuMs } from '../lib.ts';
import { type MemoryRow, printMemoryRows } from './direct-path.ts';

const DAY_MS = 86_400_000;
/** 200 points a minute apart: 288,000 samples a day, one frame a day (a job's slice). */
const POINTS = 200;
const STEP_MS = 60_000;
export const EXPORT_SIZES = [1_000_000, 10_000_000] as const;

const gc = (globalThis as { gc?: () => void }).gc;
export function live(): number {
  if (!gc) throw new Error('the export-memory suite needs node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Which reads of a stream take a live-memory sample: all of them by default. */
export type SampleWhen = (reads: number, piece: Uint8Array) => boolean;

/**
 * Series-by-series answers: a sample at every read (two full GCs) took 8 minutes for four answers;
 * a batch held across a series' reads shows at every 16th read, a series' text at its own read.
 */
export const SERIES_READS: SampleWhen = (reads, piece) => reads % 16 === 0 || piece.byteLength >= 65_536;

/**
 * Reads a stream to the end as a client does (each piece taken and dropped), with live memory
 * above `base` at the reads `when` picks: the peak, the bytes, and the thread CPU the samples'
 * full GCs took (to leave out of a CPU figure).
 */
export async function drainPeak(
  stream: ReadableStream<Uint8Array>,
  base: number,
  when: SampleWhen = () => true,
): Promise<{ peak: number; bytes: number; gcMs: number }> {
  const reader = stream.getReader();
  let peak = 0;
  let bytes = 0;
  let reads = 0;
  let gcMs = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (when(++reads, value)) {
      const g0 = threadCpuMs();
      peak = Math.max(peak, live() - base);
      gcMs += threadCpuMs() - g0;
    }
  }
  return { peak, bytes, gcMs };
}

/** One day's frame series: BAS-like quantized values, every point on the minute. */
function daySeries(day: number, samples: number): ChunkSeries[] {
  const perPoint = Math.ceil(samples / POINTS);
  return Array.from({ length: POINTS }, (_, p) => {
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < perPoint && p * perPoint + i < samples; i++) {
      t.push(START_MS + day * DAY_MS + i * STEP_MS);
      v.push(Math.round((70 + 5 * Math.sin((i + p) / 90)) * 10) / 10);
    }
    return { point: `site/ahu-${Math.floor(p / 8)}/point-${p}`, t, v };
  });
}

/** The stored frames of a result of `total` samples, one per day. */
async function frames(total: number): Promise<Uint8Array[]> {
  const perDay = (POINTS * DAY_MS) / STEP_MS;
  const out: Uint8Array[] = [];
  for (let day = 0, left = total; left > 0; day++, left -= perDay)
    out.push(await encodeFrame(daySeries(day, Math.min(perDay, left))));
  return out;
}

/** Streams the frames as the route does and reads the download to the end; peak live bytes above the start. */
async function downloadPeak(
  stored: Uint8Array[],
  format: ExportFormat,
): Promise<{ peak: number; bytes: number }> {
  const body = new Blob(stored as Uint8Array<ArrayBuffer>[]).stream();
  const base = live();
  const stream = exportStream(
    readFrames(body),
    format,
    'raw',
    createLogger({}, () => {}),
  );
  const { peak, bytes } = await drainPeak(stream, base);
  return { peak, bytes };
}

export async function runExportMemory(): Promise<{ memory: MemoryRow[]; metrics: Metric[] }> {
  const memory: MemoryRow[] = [];
  const metrics: Metric[] = [];
  for (const total of EXPORT_SIZES) {
    const stored = await frames(total);
    const storedBytes = stored.reduce((n, f) => n + f.byteLength, 0);
    for (const format of ['ndjson', 'csv', 'parquet'] as const) {
      const { peak, bytes } = await downloadPeak(stored, format);
      const size = `${total / 1e6}M`;
      memory.push({
        name: `job result ${format} download, ${size} samples: peak above the start`,
        bytes: peak,
        note: `${stored.length} frames, ${(storedBytes / 1e6).toFixed(1)} MB stored → ${(bytes / 1e6).toFixed(0)} MB ${format}`,
      });
      metrics.push({
        id: `memory.export.${format}.${size}.peak_bytes`,
        value: peak,
        unit: 'B',
        kind: 'info',
      });
    }
  }
  return { memory, metrics };
}

// `node --expose-gc bench/suites/export-memory.ts` prints the rows alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { memory } = await runExportMemory();
  printMemoryRows(memory);
}
