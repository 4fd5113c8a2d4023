// The direct path, gated (REVIEW-FINDINGS R1): its CPU per sample as a ratio to bare JSON.parse of
// the same ACE pages (fixed work no change in src/ can slow), and its peak live memory per sample.
// The CPU side runs the path synchronously — src/ace/parse.ts, splitByChunk and the chunk codec
// v3, assembly, layOut and encode as the Worker runs them, with node:zlib's synchronous deflate
// and gzip in place of the platform's streams (bench/chunk-sync.ts) — so all of a call's work is
// on this thread, where pairedRatio reads CPU time. The memory side is direct-path.ts's probed run.

import { gzipSync } from 'node:zlib';
import { encode } from '../../src/encoding/codec.ts';
import { layOut } from '../../src/encoding/layout.ts';
import { splitAtDays, splitByChunk } from '../../src/timeseries/chunks.ts';
import { packChunkSync } from '../chunk-sync.ts';
import { SITE } from '../datasets.ts';
import { type Metric, pairedRatio, slowed } from '../lib.ts';
import { accumulatePages, assemble, type DirectRequest, directPath, directRequest } from './direct-path.ts';

/** The gated case: 200 points × 2 days of demo-large (~0.26 M samples, 3 ACE pages), JSON columns. */
export const GATED_DIRECT = { name: '200x2d', points: 200, days: 2 } as const;
/** Pairs of the CPU ratio: each side takes about a second here, so fewer than the default 15. */
const PAIRS = 7;

/** The direct path once, synchronously; returns the gzip bytes. BENCH_SLOW=direct: twice. */
function directOnce(req: DirectRequest): Uint8Array {
  const series = accumulatePages(req, () => {});
  const days = splitAtDays(req.startMs, req.endMs);
  const byChunk = splitByChunk(series, days);
  for (const d of days) packChunkSync(byChunk.get(d.startMs) ?? []);
  const assembled = assemble(req, days, byChunk);
  const samples = assembled.reduce((n, s) => n + s.t.length, 0);
  const body = { site: SITE, start: req.startMs, end: req.endMs, interval: 'raw', meta: { samples } };
  return gzipSync(encode({ ...body, series: layOut(assembled, 'columns') }, 'json'));
}

export async function runDirectGate(): Promise<Metric[]> {
  const req = directRequest(GATED_DIRECT.points, GATED_DIRECT.days);
  const path = () => {
    if (slowed('direct')) directOnce(req);
    return directOnce(req);
  };
  const parse = () => req.pages.map((p) => JSON.parse(p) as unknown);
  const cpu = pairedRatio(path, parse, PAIRS);
  const probed = await directPath(req, 'json', 'columns', true);
  const peak = Math.max(...probed.probes.map((p) => p.bytes));
  const id = `direct.${GATED_DIRECT.name}.json-columns`;
  return [
    { id: `${id}.path_over_json_parse`, value: cpu.ratio, unit: '×', kind: 'ratio' },
    { id: `${id}.gated_peak_bytes_per_sample`, value: peak / probed.samples, unit: 'B', kind: 'memory' },
  ];
}
