// A cache hit's own CPU: the 4-point × 3-day read dashboards repeat (the hot-reads load scenario's),
// from its three stored day chunks to the JSON bytes of the answer: decode each chunk, assemble the
// series in the order asked, lay them out and encode them (src/cache/chunk-codec-v3.ts,
// src/timeseries/serve.ts, src/timeseries/answer.ts). Gated as a ratio to JSON.stringify of the
// same answer (the floor of any JSON answer, work no change in src/ can slow). gzip is the
// platform's (a byte count would catch a bigger body); a kept answer (answer-memory.ts) skips it all.
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { pointSamples } from '../../fixtures/ace/generator.ts';
import { parseAceValue } from '../../src/ace/parse.ts';
import { canonicalPoints } from '../../src/cache/cache-key.ts';
import { encode } from '../../src/encoding/codec.ts';
import { answerBody } from '../../src/timeseries/answer.ts';
import { splitAtDays, splitByChunk } from '../../src/timeseries/chunks.ts';
import { assembleSeries, type Served } from '../../src/timeseries/served.ts';
import { packChunkSync, unpackChunkSync } from '../chunk-sync.ts';
import { START_MS } from '../datasets.ts';
import { type Metric, medianMs, pairedRatio, slowed } from '../lib.ts';

const DAY_MS = 86_400_000;
const REPEAT = 20;

/** The hot read: demo-small's first 4 collected points over 3 whole days (as the load scenario reads). */
export function hotRead() {
  const points = sitePoints('demo-small')
    .filter((p) => p.point.collect_enabled)
    .slice(0, 4);
  const asked = points.map((p) => p.point.name);
  const startMs = START_MS;
  const endMs = START_MS + 3 * DAY_MS;
  const series = canonicalPoints(asked).map((name) => {
    const p = points.find((q) => q.point.name === name);
    const t: number[] = [];
    const v: number[] = [];
    for (const s of p ? pointSamples(p, startMs, endMs) : []) {
      const value = parseAceValue(s.value);
      if (value === null) continue;
      t.push(s.t);
      v.push(value);
    }
    return { point: name, t, v };
  });
  const days = splitAtDays(startMs, endMs);
  const byDay = splitByChunk(series, days);
  const stored = days.map((d) => packChunkSync(byDay.get(d.startMs) ?? []));
  const chunkPoints = days.map((d) => (byDay.get(d.startMs) ?? []).map((s) => s.point));
  const request = { site: 'demo-small', points: asked, startMs, endMs, interval: 'raw' as const };
  return {
    request,
    canonical: canonicalPoints(asked),
    stored,
    chunkPoints,
    samples: series.reduce((n, s) => n + s.t.length, 0),
  };
}

/** Decode, assemble, lay out and encode: what a hit costs when its answer is not kept. */
function answer(read: ReturnType<typeof hotRead>): Uint8Array {
  if (slowed('hit')) once(read);
  return once(read);
}

function once(read: ReturnType<typeof hotRead>): Uint8Array {
  const chunks = read.stored.map((bytes, i) => unpackChunkSync(bytes, read.chunkPoints[i] ?? []) ?? []);
  const series = assembleSeries(read.canonical, read.request.points, chunks);
  const meta: Served['meta'] = {
    samples: read.samples,
    dropped: 0,
    estimated_samples: 0,
    route: 'cache',
    cache: 'hit',
    chunks: chunks.length,
    upstream_requests: 0,
  };
  return encode(answerBody(read.request, { series, meta, timings: {} }, 'columns'), 'json');
}

export async function runHit(
  { timings }: { timings: boolean } = { timings: true },
): Promise<{ metrics: Metric[] }> {
  const read = hotRead();
  const body = JSON.parse(new TextDecoder().decode(answer(read))) as unknown;
  // One answer is about a millisecond: each measured call repeats it, so thread CPU time (read
  // with coarse ticks on some machines) sees several milliseconds per call.
  const repeat = (fn: () => unknown) => () => {
    for (let i = 0; i < REPEAT; i++) fn();
  };
  const ratio = pairedRatio(
    repeat(() => answer(read)),
    repeat(() => JSON.stringify(body)),
    21,
  );
  const metrics: Metric[] = [
    { id: 'hit.cached_4x3d.answer_over_json_stringify', value: ratio.ratio, unit: '×', kind: 'ratio' },
    { id: 'hit.cached_4x3d.answer_bytes', value: answer(read).byteLength, unit: 'B', kind: 'bytes' },
  ];
  if (timings) {
    const ms = await medianMs([{ name: 'answer', fn: () => answer(read) }], { timeMs: 300, iterations: 50 });
    const us = (ms.get('answer') ?? Number.NaN) * 1000;
    metrics.push(
      { id: 'hit.cached_4x3d.answer_us', value: us, unit: 'µs', kind: 'info' },
      {
        id: 'hit.cached_4x3d.answer_ns_per_sample',
        value: (us * 1000) / read.samples,
        unit: 'ns',
        kind: 'info',
      },
    );
  }
  return { metrics };
}
