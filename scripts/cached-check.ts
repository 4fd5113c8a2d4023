// Checks a fully cached read over JOB_MAX_SAMPLES end to end against a running Worker (`npm start`,
// or BASE_URL): warms N points of a site over D days with one direct read a day (each under
// DIRECT_MAX_SAMPLES once two hours of them have taught the Worker their densities: the cache then
// holds the window's day chunks for exactly these points), then
// reads the whole window at once in JSON columns, gzipped, which the Worker streams from the
// cache (200, X-Cache: HIT), and compares every point with the day reads put end to end: same
// times, same values, same order. Prints the streamed read's time and size and the peak resident
// memory of the local workerd processes while it ran.
//
//   npm run cached:check -- [--points 200] [--days 7] [--site demo-large] [--start 2026-02-02]
// Exits 1 on any difference. Local by default (http://127.0.0.1:8787, any token).
import { parseArgs } from 'node:util';
import { BASE, headers, pointNames, type Series, sameSeries, workerdRss } from './stack-client.ts';

const { values: args } = parseArgs({
  options: {
    points: { type: 'string', default: '200' },
    days: { type: 'string', default: '7' },
    site: { type: 'string', default: 'demo-large' },
    start: { type: 'string', default: '2026-02-02' },
  },
});
const DAY = 86_400_000;
const startMs = Date.parse(`${args.start}T00:00:00Z`);
const days = Number(args.days);

interface Answer {
  series: Array<{ point: string } & Series>;
  meta: { samples: number; cache: string };
}

/** One read of every point over [from, to); its answer, status, cache header and bytes. */
async function read(points: string[], from: number, to: number) {
  const res = await fetch(`${BASE}/api/sites/${args.site}/timeseries`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'accept-encoding': 'gzip' },
    body: JSON.stringify({ points, start: from, end: to }),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`read ${new Date(from).toISOString()}: ${res.status} ${text.slice(0, 200)}`);
  return { answer: JSON.parse(text) as Answer, cache: res.headers.get('x-cache'), chars: text.length };
}

async function main() {
  const points = await pointNames(args.site, Number(args.points));
  console.log(`${points.length} points of ${args.site}, ${days} days from ${args.start}, against ${BASE}`);
  // Two hours of every point the day before: the Worker learns each point's density from them,
  // so each day's read below is estimated as what it is and served directly.
  await read(points, startMs - DAY, startMs - DAY + 2 * 3_600_000);
  const truth = new Map<string, Series>(points.map((p) => [p, { t: [], v: [] }]));
  for (let d = 0; d < days; d++) {
    const { answer } = await read(points, startMs + d * DAY, startMs + (d + 1) * DAY);
    for (const s of answer.series) {
      const whole = truth.get(s.point) as Series;
      whole.t.push(...s.t);
      whole.v.push(...s.v);
    }
  }
  const samples = [...truth.values()].reduce((n, s) => n + s.t.length, 0);
  console.log(`warmed ${days} days, ${samples} samples`);

  let peakRss = workerdRss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, workerdRss());
  }, 200);
  const t0 = performance.now();
  const whole = await read(points, startMs, startMs + days * DAY);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  console.log(
    `whole window: X-Cache ${whole.cache}, ${whole.answer.meta.samples} samples, ${(whole.chars / 1e6).toFixed(0)} MB of JSON in ${(ms / 1000).toFixed(1)} s; peak workerd RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
  );
  const differing = points.filter((p, i) => {
    const got = whole.answer.series[i];
    return got?.point !== p || !sameSeries(got, truth.get(p) as Series);
  });
  console.log(
    differing.length === 0
      ? `every point identical to the day reads end to end`
      : `${differing.length} points differ: ${differing.slice(0, 10).join(', ')}`,
  );
  if (differing.length > 0 || whole.cache !== 'HIT' || whole.answer.meta.samples !== samples) process.exit(1);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
