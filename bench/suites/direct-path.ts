// The direct path end to end, for sizing DIRECT_MAX_SAMPLES (issue 6) and the memory questions of
// issue 8: ACE pages (100k samples each, ACE's shape) → src/ace/parse.ts → day chunks packed (codec
// v3, deflated) for the cache → the response assembled, laid out, encoded and gzipped, as
// src/timeseries/service.ts and the timeseries route do it. Measures CPU per sample (whole path and
// per stage, in process CPU time) and live memory at each stage (full GC, then heap used + ArrayBuffers), for each
// format × layout, at two sizes so the per-sample slope and the fixed part separate. Also the peak
// memory while gzip-streaming a large job result (src/jobs/consumer.ts: Blob → gzipStream → R2).
// Everything here is reported ("info"), never gated: heap figures depend on V8's allocation policy.
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { createSeriesAccumulator, decodeSamplesText, parseSamplesBody } from '../../src/ace/parse.ts';
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import { packChunkV3 } from '../../src/cache/chunk-codec-v3.ts';
import { encode, type Format } from '../../src/encoding/codec.ts';
import { gzip, gzipStream } from '../../src/encoding/gzip.ts';
import { type ColumnSeries, type Layout, layOut } from '../../src/encoding/layout.ts';
import { type Chunk, splitAtDays, splitByChunk } from '../../src/timeseries/chunks.ts';
import { aceEntries, SITE, START_MS } from '../datasets.ts';
import { type Metric, slowed } from '../lib.ts';

const DAY_MS = 86_400_000;
/** ACE's page size in samples. */
export const PAGE = 100_000;
/** The Worker's memory limit per isolate. */
export const WORKER_MEMORY = 128 * 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * CPU time of the whole process (user + system, ms): unlike wall time it does not grow when other
 * processes take the cores, and unlike this thread's time it includes the zlib work Node runs on
 * its thread pool (CompressionStream) and GC helper threads.
 */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Live JS memory: heap used plus ArrayBuffer backing stores, after two full collections. */
function live(): number {
  if (!gc) throw new Error('the direct-path suite needs node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export interface DirectRequest {
  points: string[];
  startMs: number;
  endMs: number;
  /** ACE's paginated answers, 100k samples each, as the text the Worker receives. */
  pages: string[];
  /** ACE entries over all pages (finite or not). */
  entries: number;
}

/** A direct request over the first `points` of the site for `days` days, paged like ACE. */
export function directRequest(points: number, days: number): DirectRequest {
  const cat = sitePoints(SITE).slice(0, points);
  const endMs = START_MS + days * DAY_MS;
  const all = aceEntries(cat, START_MS, endMs);
  const pages: string[] = [];
  for (let i = 0; i < all.length; i += PAGE) {
    const next = i + PAGE < all.length ? `c-${i + PAGE}` : null;
    pages.push(JSON.stringify({ point_samples: all.slice(i, i + PAGE), next_cursor: next }));
  }
  return { points: cat.map((p) => p.point.name), startMs: START_MS, endMs, pages, entries: all.length };
}

/** Reads and accumulates every page as the ACE client does; `lastPage` runs while the last page's columns are alive. */
export function accumulatePages(req: DirectRequest, lastPage: () => void): ColumnSeries[] {
  const acc = createSeriesAccumulator(req.points, req.startMs, req.endMs);
  for (let i = 0; i < req.pages.length; i++) {
    const parsed = decodeSamplesText(req.pages[i] as string);
    if (!parsed.ok) throw new Error('page did not parse');
    const body = parseSamplesBody(parsed.value);
    if (!body.ok) throw new Error('page is not a samples body');
    acc.add(body.value.samples);
    if (i === req.pages.length - 1) lastPage();
  }
  return acc.finish().series;
}

/** The request's series in its order from the day chunks (src/timeseries/service.ts step 3). */
export function assemble(
  req: DirectRequest,
  days: readonly Chunk[],
  byChunk: ReadonlyMap<number, readonly ColumnSeries[]>,
): ColumnSeries[] {
  const byPoint = new Map<string, { t: number[]; v: number[] }>(req.points.map((p) => [p, { t: [], v: [] }]));
  for (const d of days) {
    for (const s of byChunk.get(d.startMs) ?? []) {
      const target = byPoint.get(s.point);
      if (!target) continue;
      for (let i = 0; i < s.t.length; i++) {
        target.t.push(s.t[i] as number);
        target.v.push(s.v[i] as number);
      }
    }
  }
  return req.points.map((point) => ({ point, ...(byPoint.get(point) ?? { t: [], v: [] }) }));
}

/** One page's memory: its parse tree, then tree + series, each above `base`; returns the series. */
function pageMemory(page: string, req: DirectRequest, base: number) {
  const tree: unknown = JSON.parse(page);
  const treeBytes = live() - base;
  const acc = createSeriesAccumulator(req.points, req.startMs, req.endMs);
  const body = parseSamplesBody(tree);
  if (!body.ok) throw new Error('page is not a samples body');
  acc.add(body.value.samples);
  const series = acc.finish().series;
  return { treeBytes, withSeries: live() - base, series };
}

/** The cache writes: every day chunk packed at once (chunk-tiers.ts's Promise.all of R2 puts). */
async function putChunks(chunks: readonly ChunkSeries[][], whileInFlight: () => void): Promise<number> {
  const packed = await Promise.all(chunks.map((c) => packChunkV3(c)));
  whileInFlight();
  return packed.length;
}

export type Stage = 'parse' | 'chunks' | 'assemble' | 'encode' | 'gzip';
export const STAGES: readonly Stage[] = ['parse', 'chunks', 'assemble', 'encode', 'gzip'];

interface PathResult {
  samples: number;
  responseBytes: number;
  responseGzipBytes: number;
  stageMs: Record<Stage, number>;
  /** Live bytes above the starting point at each probe (only when probing). */
  probes: { name: string; bytes: number }[];
}

/**
 * Runs the direct path once. With `probe`, memory is measured at each point where the most is
 * alive (full GCs: slow, so timed runs pass probe=false). References are dropped where the
 * service drops them, so what a probe sees is what the Worker would hold.
 */
export async function directPath(
  req: DirectRequest,
  format: Format,
  layout: Layout,
  probe: boolean,
): Promise<PathResult> {
  const base = probe ? live() : 0;
  const probes: PathResult['probes'] = [];
  // BENCH_SLOW=direct-memory: every page's parse tree kept to the end (a leak the gate must catch).
  const leak = slowed('direct-memory') ? req.pages.map((p) => JSON.parse(p) as unknown) : null;
  // The page text arrives as a body (bytes) decoded to a string: count both for the largest page,
  // which the bench already holds (so live() cannot see it).
  const pageText = Math.max(...req.pages.map((p) => p.length)) * 2;
  const mark = (name: string, extra = 0) => {
    if (probe) probes.push({ name, bytes: live() - base + extra });
  };
  const stageMs = {} as Record<Stage, number>;
  let t0 = processCpuMs();
  const lap = (s: Stage) => {
    const now = processCpuMs();
    stageMs[s] = now - t0;
    t0 = now;
  };

  // 1. ACE pages → per-point series (one page's text and parse tree alive at a time). In a helper,
  // as the ACE client's page loop is: its frame (and the last parse tree) is gone when it returns.
  let series: ColumnSeries[] | null = accumulatePages(req, () =>
    mark('last page parsed (+ its text)', pageText),
  );
  lap('parse');
  mark('series accumulated');

  // 2. Day chunks for the cache: split, then packed (codec v3, deflated), all days at once.
  const days = splitAtDays(req.startMs, req.endMs);
  const byChunk = splitByChunk(series, days);
  series = null; // the service keeps only byChunk from here on
  const stored = await putChunks(
    days.map((d) => byChunk.get(d.startMs) ?? []),
    () => mark('chunks packed (R2 puts in flight)'),
  );
  lap('chunks');
  // the puts are done: no packed chunk stays reachable
  if (stored !== days.length) throw new Error('lost a chunk');

  // 3. Assemble per point in request order (service.ts step 3), lay out as asked.
  const assembled = assemble(req, days, byChunk);
  const samples = assembled.reduce((n, s) => n + s.t.length, 0);
  let laid: unknown = layOut(assembled, layout);
  lap('assemble');
  mark('laid out');

  // 4. Encode the body (sendEncoded), then gzip it (the middleware streams it; output is small).
  let bytes: Uint8Array | null = encode(
    { site: SITE, start: req.startMs, end: req.endMs, interval: 'raw', series: laid, meta: { samples } },
    format,
  );
  lap('encode');
  // JSON.stringify's string is alive while TextEncoder copies it: count it at this probe.
  mark('body encoded (+ the JSON string while it is copied)', format === 'json' ? bytes.byteLength : 0);
  laid = null;
  const gz = await gzip(bytes);
  lap('gzip');
  const responseBytes = bytes.byteLength;
  bytes = null;
  // byChunk and assembled stay reachable until here, as the service's locals are.
  if (byChunk.size !== days.length || assembled.length !== req.points.length) throw new Error('lost series');
  if (leak && leak.length !== req.pages.length) throw new Error('the leak is held to here');
  return { samples, responseBytes, responseGzipBytes: gz.byteLength, stageMs, probes };
}

/** Peak live memory while gzip-streaming an encoded job result (consumer.ts), sampled per chunk. */
async function streamPeak(payload: Uint8Array): Promise<{ peak: number; out: number }> {
  const base = live();
  let peak = 0;
  let out = 0;
  const reader = gzipStream(new Blob([payload as Uint8Array<ArrayBuffer>]).stream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out += value.byteLength; // the R2 multipart upload sends and drops each part
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base);
  }
  return { peak, out };
}

export interface DirectPathRow {
  size: string;
  variant: string;
  samples: number;
  nsPerSample: number;
  stageNsPerSample: Record<Stage, number>;
  peakBytes: number;
  peakStage: string;
  responseBytesPerSample: number;
}

export interface MemoryRow {
  name: string;
  bytes: number;
  note: string;
}

/** Prints memory rows as the suites run alone print them (`node --expose-gc bench/suites/<suite>.ts`). */
export function printMemoryRows(rows: readonly MemoryRow[]): void {
  for (const row of rows) console.log(`${(row.bytes / 2 ** 20).toFixed(1)} MiB  ${row.name}  (${row.note})`);
}

const VARIANTS: readonly { format: Format; layout: Layout }[] = [
  { format: 'json', layout: 'columns' },
  { format: 'json', layout: 'rows' },
  { format: 'msgpack', layout: 'columns' },
  { format: 'msgpack', layout: 'rows' },
];

/** Sizes: 200 points × 2 and × 4 days of demo-large (~0.25 M and ~0.5 M samples, 3 and 6 pages). */
export const DIRECT_SIZES = [
  { name: '200x2d', points: 200, days: 2 },
  { name: '200x4d', points: 200, days: 4 },
] as const;

export async function runDirectPath(): Promise<{
  rows: DirectPathRow[];
  memory: MemoryRow[];
  metrics: Metric[];
}> {
  const rows: DirectPathRow[] = [];
  const metrics: Metric[] = [];
  const memory: MemoryRow[] = [];
  for (const size of DIRECT_SIZES) {
    const req = directRequest(size.points, size.days);
    const timed = size === DIRECT_SIZES[DIRECT_SIZES.length - 1];
    for (const { format, layout } of VARIANTS) {
      const variant = `${format}-${layout}`;
      // Memory: one probed run per size. CPU (largest size only): the minimum of 2 unprobed runs
      // per stage (GC before each run), so the rate is per sample at the size that matters.
      const probed = await directPath(req, format, layout, true);
      const peak = probed.probes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const n = probed.samples;
      const stageBest = {} as Record<Stage, number>;
      if (timed) {
        for (let r = 0; r < 2; r++) {
          gc?.();
          const res = await directPath(req, format, layout, false);
          for (const st of STAGES) stageBest[st] = Math.min(stageBest[st] ?? Infinity, res.stageMs[st]);
        }
      }
      const totalMs = timed ? STAGES.reduce((ms, st) => ms + stageBest[st], 0) : Number.NaN;
      const row: DirectPathRow = {
        size: size.name,
        variant,
        samples: n,
        nsPerSample: (totalMs * 1e6) / n,
        stageNsPerSample: Object.fromEntries(
          STAGES.map((st) => [st, timed ? (stageBest[st] * 1e6) / n : Number.NaN]),
        ) as Record<Stage, number>,
        peakBytes: peak.bytes,
        peakStage: peak.name,
        responseBytesPerSample: probed.responseBytes / n,
      };
      rows.push(row);
      const id = `direct.${size.name}.${variant}`;
      if (timed)
        metrics.push({ id: `${id}.ns_per_sample`, value: row.nsPerSample, unit: 'ns', kind: 'info' });
      metrics.push(
        { id: `${id}.peak_bytes`, value: row.peakBytes, unit: 'B', kind: 'info' },
        { id: `${id}.peak_bytes_per_sample`, value: row.peakBytes / n, unit: 'B', kind: 'info' },
      );
      if (variant === 'json-rows' || variant === 'json-columns') {
        for (const p of probed.probes)
          memory.push({
            name: `direct ${size.name} ${variant}: ${p.name}`,
            bytes: p.bytes,
            note: `${n} samples`,
          });
      }
    }
    if (size === DIRECT_SIZES[0]) {
      // One 100k-sample page: text (bytes + string), parse tree, and the series it yields.
      const page = req.pages[0] as string;
      const base = live();
      const { treeBytes, withSeries, series } = pageMemory(page, req, base);
      const seriesBytes = live() - base; // pageMemory's frame, and the tree with it, is gone
      const kept = series.reduce((k, s) => k + s.t.length, 0);
      memory.push(
        { name: 'one ACE page: text (body bytes + string)', bytes: page.length * 2, note: `${PAGE} samples` },
        { name: 'one ACE page: JSON.parse tree', bytes: treeBytes, note: '' },
        {
          name: 'one ACE page: peak of transform (text + tree + series)',
          bytes: page.length * 2 + withSeries,
          note: '',
        },
        {
          name: 'one ACE page: series kept after the tree is dropped',
          bytes: seriesBytes,
          note: `${kept} samples`,
        },
      );
      metrics.push(
        { id: 'memory.page.text_bytes', value: page.length, unit: 'B', kind: 'info' },
        { id: 'memory.page.tree_bytes', value: treeBytes, unit: 'B', kind: 'info' },
        {
          id: 'memory.page.transform_peak_bytes',
          value: page.length * 2 + withSeries,
          unit: 'B',
          kind: 'info',
        },
        { id: 'memory.page.series_bytes_per_sample', value: seriesBytes / kept, unit: 'B', kind: 'info' },
      );
    }
    if (size === DIRECT_SIZES[DIRECT_SIZES.length - 1]) {
      // A large job result streamed through gzip: rows JSON (the largest body) of this request.
      const acc = createSeriesAccumulator(req.points, req.startMs, req.endMs);
      for (const p of req.pages) {
        const b = parseSamplesBody(JSON.parse(p));
        if (b.ok) acc.add(b.value.samples);
      }
      const payload = encode({ series: layOut(acc.finish().series, 'rows') }, 'json');
      const s = await streamPeak(payload);
      memory.push({
        name: 'job result gzip stream: peak above the payload',
        bytes: s.peak,
        note: `payload ${(payload.byteLength / 1e6).toFixed(1)} MB → ${(s.out / 1e6).toFixed(2)} MB gzip`,
      });
      metrics.push(
        { id: 'memory.job_stream.payload_bytes', value: payload.byteLength, unit: 'B', kind: 'info' },
        { id: 'memory.job_stream.peak_above_payload_bytes', value: s.peak, unit: 'B', kind: 'info' },
      );
    }
  }
  return { rows, memory, metrics };
}
