// Writes a run's results: JSON (what the gate reads), a Markdown report and an SVG bar chart.

import type { Metric } from './lib.ts';
import type { ChunkRow } from './suites/chunk-codec.ts';
import { type DirectPathRow, type MemoryRow, STAGES, WORKER_MEMORY } from './suites/direct-path.ts';
import type { EncodingRow } from './suites/encoding.ts';
import type { HotPathRow } from './suites/hot-paths.ts';

export interface RunResult {
  date: string;
  node: string;
  cpus: number;
  datasets: { name: string; points: number; days: number; samples: number }[];
  encoding: EncodingRow[];
  /** Chunks at rest (absent from runs before codec v2). */
  chunks?: ChunkRow[];
  hotPaths: HotPathRow[];
  /** Absent from the gate's runs (it skips the suite). */
  directPath?: DirectPathRow[];
  memory?: MemoryRow[];
  metrics: Metric[];
}

const mb = (b: number) => (b / 1e6).toFixed(1);

function directSection(r: RunResult): string[] {
  if (!r.directPath || !r.memory) return [];
  return [
    '## Direct path (ACE pages → parse → day chunks → response) and memory',
    '',
    `Live memory = heap used + ArrayBuffers after a full GC, above the run's start; the Worker's limit is ${mb(WORKER_MEMORY)} MB per isolate. CPU is process CPU time (user + system, all threads; minimum of 2 runs), only at the largest size.`,
    '',
    `| size | variant | samples | ns/sample | ${STAGES.join(' | ')} | peak MB | peak B/sample | peak at | body B/sample |`,
    `|---|---|---:|---:|${STAGES.map(() => '---:').join('|')}|---:|---:|---|---:|`,
    ...r.directPath.map(
      (d) =>
        `| ${d.size} | ${d.variant} | ${d.samples.toLocaleString('en-US')} | ${f(d.nsPerSample, 0)} | ${STAGES.map((s) => f(d.stageNsPerSample[s], 0)).join(' | ')} | ${mb(d.peakBytes)} | ${f(d.peakBytes / d.samples, 0)} | ${d.peakStage} | ${f(d.responseBytesPerSample, 1)} |`,
    ),
    '',
    '| memory | MB | note |',
    '|---|---:|---|',
    ...r.memory.map((m) => `| ${m.name} | ${mb(m.bytes)} | ${m.note} |`),
    '',
  ];
}

function chunkSection(r: RunResult): string[] {
  if (!r.chunks) return [];
  const info = (id: string) => r.metrics.find((m) => m.id === id)?.value ?? Number.NaN;
  return [
    '## Chunks at rest (codec v3 beside v2 and v1 = float64 columns + gzip; one UTC day a chunk)',
    '',
    '| dataset | points a chunk | chunks | samples | v3 B/sample | v2 B/sample | v1 B/sample | v1/v3 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.chunks.map(
      (c) =>
        `| ${c.dataset} | ${c.width} | ${c.chunks} | ${c.samples.toLocaleString('en-US')} | ${f(c.v3BytesPerSample, 3)} | ${f(c.v2BytesPerSample, 3)} | ${f(c.v1BytesPerSample, 3)} | ${f(c.v1BytesPerSample / c.v3BytesPerSample, 1)} |`,
    ),
    '',
    '| CPU (50-point day chunks, same run) | bas | realistic |',
    '|---|---:|---:|',
    ...['encode_over_json_stringify', 'decode_over_json_parse', 'v3_decode_over_v1_decode'].map(
      (m) => `| ${m} | ${f(info(`chunk.bas.${m}`), 3)} | ${f(info(`chunk.realistic.${m}`), 3)} |`,
    ),
    '',
  ];
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

export function toMarkdown(r: RunResult): string {
  const lines: string[] = [
    `# Benchmark report`,
    '',
    `${r.date} · Node ${r.node} · ${r.cpus} CPUs · CPU times are medians of tinybench samples; only ratios are gated.`,
    '',
    '## Datasets',
    '',
    '| dataset | points × days | finite samples |',
    '|---|---|---:|',
    ...r.datasets.map(
      (d) => `| ${d.name} | ${d.points} × ${d.days} | ${d.samples.toLocaleString('en-US')} |`,
    ),
    '',
    '## Encodings (per sample; sizes also as a ratio to ACE’s own row JSON)',
    '',
    '| dataset | variant | encode ns | decode ns | gzip ns | raw B | gzip B | brotli B | raw/ACE | gzip/ACE | brotli/ACE |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.encoding.map(
      (e) =>
        `| ${e.dataset} | ${e.variant} | ${f(e.encodeNsPerSample, 0)} | ${f(e.decodeNsPerSample, 0)} | ${f(e.gzipNsPerSample, 0)} | ${f(e.rawBytesPerSample)} | ${f(e.gzipBytesPerSample)} | ${f(e.brotliBytesPerSample)} | ${f(e.rawVsAce, 3)} | ${f(e.gzipVsAce, 3)} | ${f(e.brotliVsAce, 3)} |`,
    ),
    '',
    ...chunkSection(r),
    '## Hot paths',
    '',
    '| path | median µs | note |',
    '|---|---:|---|',
    ...r.hotPaths.map((h) => `| ${h.name} | ${f(h.us, 1)} | ${h.note} |`),
    '',
    ...directSection(r),
    '## Gated CPU ratios (to a fixed-work reference, same run) and memory',
    '',
    '| id | value |',
    '|---|---:|',
    ...r.metrics
      .filter((m) => m.kind === 'ratio' || m.kind === 'memory')
      .map((m) => `| ${m.id} | ${f(m.value, 3)}${m.kind === 'memory' ? ' B' : '×'} |`),
    '',
    '![bytes and CPU per sample](latest.svg)',
    '',
  ];
  return lines.join('\n');
}

/** Two horizontal bar charts for the large dataset: gzip bytes/sample and encode ns/sample. */
export function toSvg(r: RunResult): string {
  const ds = r.datasets.some((d) => d.name === 'large') ? 'large' : (r.datasets.at(-1)?.name ?? 'large');
  const rows = r.encoding.filter((e) => e.dataset === ds);
  const width = 760;
  const barH = 18;
  const labelW = 170;
  const chartW = (width - labelW - 80) / 2;
  const panel = (x0: number, title: string, pick: (e: EncodingRow) => number, unit: string) => {
    const vals = rows.map(pick).map((v) => (Number.isFinite(v) ? v : 0));
    const max = Math.max(...vals, 1e-9);
    const parts = [`<text x="${x0}" y="20" font-weight="bold">${title}</text>`];
    vals.forEach((_v, i) => {
      const y = 34 + i * (barH + 6);
      const w = ((vals[i] ?? 0) / max) * (chartW - 60);
      parts.push(
        `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${i % 2 ? '#4a7bd0' : '#2d5aa8'}"/>`,
        `<text x="${(x0 + w + 4).toFixed(1)}" y="${y + 13}">${f(vals[i] ?? 0, unit === 'B' ? 2 : 0)} ${unit}</text>`,
      );
    });
    return parts.join('');
  };
  const labels = rows
    .map(
      (e, i) =>
        `<text x="${labelW - 6}" y="${34 + i * (barH + 6) + 13}" text-anchor="end">${e.variant}</text>`,
    )
    .join('');
  const height = 44 + rows.length * (barH + 6);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    labels,
    panel(labelW, `gzip bytes / sample (${ds})`, (e) => e.gzipBytesPerSample, 'B'),
    panel(labelW + chartW + 40, `encode ns / sample (${ds})`, (e) => e.encodeNsPerSample, 'ns'),
    '</svg>',
    '',
  ].join('\n');
}
