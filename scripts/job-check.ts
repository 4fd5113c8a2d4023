// Checks a job end to end against a running Worker (`npm start`, or BASE_URL): submits N points of
// a site over D days as a job, follows it to the end (progress, tasks), downloads its NDJSON and
// CSV results as streams and its JSON (columns) and MessagePack (compact) answers, and compares
// each point's samples with a direct read of that point over the same window: same times, same
// values, same order, none missing or twice. Prints the time the job took and the peak resident
// memory of the local workerd processes while it ran.
//
//   npm run job:check -- [--points 200] [--days 7] [--site demo-large] [--start 2026-01-05]
//                       [--compare all|<n>] [--job <id>: check an existing job instead]
// Exits 1 on any difference. Local by default (http://127.0.0.1:8787, any token).
import { parseArgs } from 'node:util';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { type CompactSeries, fromCompact } from '../src/encoding/compact.ts';
import { BASE, headers, json, pointNames, type Series, sameSeries, workerdRss } from './stack-client.ts';

const { values: args } = parseArgs({
  options: {
    points: { type: 'string', default: '200' },
    days: { type: 'string', default: '7' },
    site: { type: 'string', default: 'demo-large' },
    start: { type: 'string', default: '2026-01-05' },
    compare: { type: 'string', default: 'all' },
    job: { type: 'string' },
  },
});
const DAY = 86_400_000;
const startMs = Date.parse(`${args.start}T00:00:00Z`);
const endMs = startMs + Number(args.days) * DAY;

async function submit(points: string[]): Promise<string> {
  const { status, body } = await json<{ job?: { id: string }; error?: unknown }>(
    `/api/sites/${args.site}/timeseries`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({
        points,
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
      }),
    },
  );
  if (status !== 202 || !body.job) throw new Error(`submit: ${status} ${JSON.stringify(body)}`);
  return body.job.id;
}

interface JobStatus {
  status: string;
  attempts: number;
  error: unknown;
  progress: { samples: number; percent: number; tasks_done: number; tasks_total: number };
}

async function follow(id: string): Promise<{ job: JobStatus; ms: number; peakRss: number }> {
  const began = Date.now();
  let peakRss = workerdRss();
  let last = '';
  for (;;) {
    const { body: job } = await json<JobStatus>(`/api/jobs/${id}`);
    peakRss = Math.max(peakRss, workerdRss());
    const line = `${job.status} tasks ${job.progress.tasks_done}/${job.progress.tasks_total} ${job.progress.percent.toFixed(1)}% ${job.progress.samples} samples`;
    if (line !== last) console.log(`  ${((Date.now() - began) / 1000).toFixed(0)} s: ${line}`);
    last = line;
    if (['succeeded', 'failed', 'cancelled', 'dead'].includes(job.status)) {
      return { job, ms: Date.now() - began, peakRss };
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** Streams a download line by line into per-point series. */
async function download(id: string, format: 'ndjson' | 'csv'): Promise<Map<string, Series>> {
  const res = await fetch(`${BASE}/api/jobs/${id}/result?format=${format}`, { headers });
  if (res.status !== 200 || !res.body) throw new Error(`${format}: ${res.status} ${await res.text()}`);
  const out = new Map<string, Series>();
  const add = (point: string, t: number, v: number) => {
    let s = out.get(point);
    if (!s) {
      s = { t: [], v: [] };
      out.set(point, s);
    }
    s.t.push(t);
    s.v.push(v);
  };
  let rest = '';
  let header = format === 'csv';
  const decoder = new TextDecoder();
  const take = (line: string) => {
    if (line === '') return;
    if (header) {
      header = false;
      return;
    }
    if (format === 'ndjson') {
      const o = JSON.parse(line) as { point: string; t: number; v: number };
      add(o.point, o.t, o.v);
      return;
    }
    // point,time,value — the point may be quoted (with "" inside); time and value never are.
    const valueAt = line.lastIndexOf(',');
    const timeAt = line.lastIndexOf(',', valueAt - 1);
    let point = line.slice(0, timeAt);
    if (point.startsWith('"')) point = point.slice(1, -1).replaceAll('""', '"');
    add(point, Date.parse(line.slice(timeAt + 1, valueAt)), Number(line.slice(valueAt + 1)));
  };
  const reader = res.body.getReader();
  for (;;) {
    const { done, value: chunk } = await reader.read();
    if (done) break;
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) take(line.replace(/\r$/, ''));
  }
  take(rest);
  return out;
}

/** The JSON (columns) or MessagePack (compact) answer, each point's series. */
async function answer(id: string, format: 'json' | 'msgpack'): Promise<Map<string, Series>> {
  const q = format === 'json' ? 'format=json&layout=columns' : 'format=msgpack&layout=compact';
  const res = await fetch(`${BASE}/api/jobs/${id}/result?${q}`, { headers });
  if (res.status !== 200) throw new Error(`${format}: ${res.status} ${await res.text()}`);
  const body = (
    format === 'json' ? await res.json() : decodeMsgpack(new Uint8Array(await res.arrayBuffer()))
  ) as { series: Array<{ point: string; t: number[]; v: number[] } | CompactSeries> };
  const out = new Map<string, Series>();
  for (const s of body.series) {
    const columns = format === 'json' ? (s as Series & { point: string }) : fromCompact(s as CompactSeries);
    out.set(columns.point, { t: columns.t, v: columns.v });
  }
  return out;
}

async function directRead(point: string): Promise<Series> {
  const q = new URLSearchParams({
    points: point,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
  });
  const { status, body } = await json<{ series: Array<{ point: string; t: number[]; v: number[] }> }>(
    `/api/sites/${args.site}/timeseries?${q}`,
  );
  if (status !== 200) throw new Error(`direct read of ${point}: ${status}`);
  const s = body.series[0];
  return { t: s?.t ?? [], v: s?.v ?? [] };
}

async function main() {
  const points = await pointNames(args.site, Number(args.points));
  console.log(
    `${points.length} points of ${args.site}, ${args.days} days from ${args.start}, against ${BASE}`,
  );
  const id = args.job ?? (await submit(points));
  console.log(`job ${id}`);
  const { job, ms, peakRss } = await follow(id);
  console.log(
    `job ${job.status} in ${(ms / 1000).toFixed(0)} s; peak workerd RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
  );
  if (job.status !== 'succeeded') throw new Error(`job ended ${job.status}: ${JSON.stringify(job.error)}`);
  const ndjson = await download(id, 'ndjson');
  const csv = await download(id, 'csv');
  const answers = { json: await answer(id, 'json'), msgpack: await answer(id, 'msgpack') };
  const compare = args.compare === 'all' ? points : points.slice(0, Number(args.compare));
  let samples = 0;
  const differing: string[] = [];
  for (const point of compare) {
    const truth = await directRead(point);
    samples += truth.t.length;
    const empty = { t: [], v: [] };
    if (!sameSeries(ndjson.get(point) ?? empty, truth)) differing.push(`${point} (ndjson)`);
    if (!sameSeries(csv.get(point) ?? empty, truth)) differing.push(`${point} (csv)`);
    for (const [format, got] of Object.entries(answers)) {
      if (!sameSeries(got.get(point) ?? empty, truth)) differing.push(`${point} (${format})`);
    }
  }
  const downloaded = [...ndjson.values()].reduce((n, s) => n + s.t.length, 0);
  console.log(
    `downloaded ${downloaded} samples (job says ${job.progress.samples}); compared ${compare.length} points, ${samples} samples: ${differing.length === 0 ? 'identical to direct reads' : `${differing.length} differ: ${differing.slice(0, 10).join(', ')}`}`,
  );
  if (differing.length > 0 || (compare.length === points.length && downloaded !== samples)) process.exit(1);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
