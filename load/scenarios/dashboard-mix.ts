// dashboard-mix: what a fleet of dashboards does, ramping 100 → 500 → 1000 → 100 connections
// (each stage a bounded number of requests): points listings, timeseries GET and POST in JSON and
// MessagePack over small and medium ranges (raw, 5 min and hourly), the ACE drop-in's first and
// second pages, /health, and a share of never-seen windows (cache misses that go to ACE).
// Thresholds per kind of request; the streams of all stages are merged per kind for them.
// Owns this scenario only; helpers are load/lib.
import { bearer, callerTokens, type RequestSpec, rotatingRequest, warmCallers } from '../lib/callers.ts';
import {
  ACCEPT,
  coldAnchorMs,
  DAY_MS,
  dashboards,
  HOUR_MS,
  JSON_BODY,
  paginatedPath,
  pointsPath,
  SITE,
  sitePoints,
  type TimeseriesQuery,
  timeseriesGetPath,
  timeseriesPost,
  WARM_START_MS,
  warmPath,
} from '../lib/dataset.ts';
import { fetchJson, isRecord } from '../lib/http.ts';
import { ResponseTally } from '../lib/response-checks.ts';
import { mergeStreams, runStreams, type StreamOptions, type StreamResult } from '../lib/run-autocannon.ts';
import { ALL_STREAMS, type CheckResult, type Scenario, type ScenarioRun } from '../lib/scenario.ts';

/** The peak's 1000 requests over 50 callers (20 each, under the rate limit; ≤ 64: see cache-storm). */
const CALLERS = 50;

/** The ramp: connections and requests per stage (amount-bounded, so every stage finishes). */
const STAGES = [
  { name: 'ramp-up-100', connections: 100, amount: 200 },
  { name: 'ramp-up-500', connections: 500, amount: 500 },
  { name: 'peak-1000', connections: 1000, amount: 1000 },
  { name: 'ramp-down-100', connections: 100, amount: 200 },
] as const;

/** Each kind of request's share of a stage's connections and requests. */
const MIX = {
  points: 0.1,
  'ts-get-json': 0.2,
  'ts-post-json': 0.1,
  'ts-get-msgpack': 0.15,
  'ts-post-msgpack': 0.1,
  paginated: 0.2,
  health: 0.05,
  'ts-cold': 0.1,
} as const;
type Kind = keyof typeof MIX;

/** A stage's connections and requests per kind (at least one connection, one request each). */
function split(stage: (typeof STAGES)[number]): [Kind, { connections: number; amount: number }][] {
  return (Object.entries(MIX) as [Kind, number][]).map(([kind, share]) => {
    const connections = Math.max(1, Math.round(stage.connections * share));
    return [kind, { connections, amount: Math.max(connections, Math.round(stage.amount * share)) }];
  });
}

const PEAK = Math.max(...STAGES.map((s) => s.connections));
const TOTAL = STAGES.reduce((n, s) => n + split(s).reduce((m, [, k]) => m + k.amount, 0), 0);

/** Hot windows ending at the warm-up day (2026-01-05), at the resolution a chart shows them. */
function hotQueries(boards: readonly string[][]): TimeseriesQuery[] {
  const end = WARM_START_MS;
  const out: TimeseriesQuery[] = [];
  for (const points of boards) {
    out.push({ points, startMs: end + 6 * HOUR_MS, endMs: end + 12 * HOUR_MS });
    out.push({ points, startMs: end - DAY_MS, endMs: end, interval: '5m' });
    out.push({ points, startMs: end - 7 * DAY_MS, endMs: end, interval: '1h' });
  }
  return out;
}

/** 2× the worst stream of 5 runs after the hit-path work (8.3 s p95 and p99): docs/PERFORMANCE.md. */
const latencyLimits = ['p(95)<17000', 'p(99)<17000'];

export const dashboardMix: Scenario = {
  name: 'dashboard-mix',
  summary: `a realistic mix ramping 100 → 500 → ${PEAK} → 100 connections (${TOTAL} requests): points, timeseries JSON/MessagePack GET/POST, drop-in pages, health, cold windows`,
  // Limits and the measurements behind them: docs/PERFORMANCE.md ("dashboard-mix").
  thresholds: {
    points: { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    'ts-get-json': { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    'ts-post-json': { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    'ts-get-msgpack': { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    'ts-post-msgpack': { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    paginated: { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    health: { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    'ts-cold': { http_req_failed: 'rate<0.001', http_req_duration: latencyLimits },
    [ALL_STREAMS]: { errors: 'count==0', timeouts: 'count==0', http_reqs: `count==${TOTAL}` },
  },

  async run({ target, log }): Promise<ScenarioRun> {
    const checks: CheckResult[] = [];
    const tokens = callerTokens(target, CALLERS, 'mix');
    const points = await sitePoints(target.baseUrl, tokens[0] as string);
    const boards = dashboards(points, 4, 4);
    const hot = hotQueries(boards);
    const anchor = coldAnchorMs();

    // The drop-in's second page needs the first page's cursor (opaque, stable for the query).
    const pageWindow = { startMs: WARM_START_MS, endMs: WARM_START_MS + 6 * HOUR_MS };
    const first = await fetchJson(`${target.baseUrl}${paginatedPath(pageWindow, 1000)}`, {
      headers: bearer(tokens[0] as string),
    });
    const cursor =
      isRecord(first.body) && typeof first.body.next_cursor === 'string' ? first.body.next_cursor : undefined;
    checks.push({
      name: 'drop-in-cursor',
      status: first.status === 200 && cursor ? 'pass' : 'fail',
      detail: `first drop-in page of ${SITE} → ${first.status}, next_cursor ${cursor ? 'present' : 'missing'}`,
    });

    const specs: Record<Kind, RequestSpec[] | ((n: number) => RequestSpec)> = {
      points: [
        { method: 'GET', path: pointsPath(100) },
        { method: 'GET', path: pointsPath(20) },
      ],
      'ts-get-json': hot.map((q) => ({ method: 'GET', path: timeseriesGetPath(q), headers: ACCEPT.json })),
      'ts-post-json': hot.map((q) => ({
        method: 'POST',
        ...timeseriesPost(q),
        headers: { ...JSON_BODY, ...ACCEPT.json },
      })),
      'ts-get-msgpack': hot.map((q) => ({
        method: 'GET',
        path: timeseriesGetPath(q),
        headers: ACCEPT.msgpack,
      })),
      'ts-post-msgpack': hot.map((q) => ({
        method: 'POST',
        ...timeseriesPost(q),
        headers: { ...JSON_BODY, ...ACCEPT.msgpack },
      })),
      paginated: [
        { method: 'GET', path: paginatedPath(pageWindow, 1000) },
        { method: 'GET', path: paginatedPath(pageWindow, 1000, cursor) },
      ],
      health: [{ method: 'GET', path: '/health' }],
      // A window nobody asked for before, per request: one hour of one dashboard's first 2 points.
      'ts-cold': (n) => ({
        method: 'GET',
        path: timeseriesGetPath({
          points: (boards[n % boards.length] as string[]).slice(0, 2),
          startMs: anchor + n * HOUR_MS,
          endMs: anchor + (n + 1) * HOUR_MS,
        }),
      }),
    };

    // Callers prove access; every hot window is read once so it is cached before the ramp.
    const warm = await warmCallers(target.baseUrl, tokens, warmPath(points[0] as string));
    for (const q of hot)
      await fetchJson(
        `${target.baseUrl}${timeseriesGetPath(q)}`,
        { headers: bearer(tokens[0] as string) },
        60_000,
      );
    checks.push({
      name: 'callers-warm',
      status: Object.keys(warm).every((s) => s === '200') ? 'pass' : 'fail',
      detail: `${tokens.length} callers warmed: ${JSON.stringify(warm)}; ${hot.length} hot windows read once`,
    });

    const tallies = new Map<Kind, ResponseTally>();
    const perKind = new Map<Kind, StreamResult[]>();
    const stageLines: string[] = [];
    for (const stage of STAGES) {
      const streams: StreamOptions[] = [];
      for (const [kind, { connections, amount }] of split(stage)) {
        const tally = tallies.get(kind) ?? new ResponseTally([200]);
        tallies.set(kind, tally);
        streams.push({
          name: kind,
          origin: target.baseUrl,
          connections,
          amount,
          timeoutS: 290,
          requests: [rotatingRequest(specs[kind], tokens, tally.onResponse)],
        });
      }
      // A principal's catalogue lives 60 s in the isolate: refresh every caller's before each stage.
      await warmCallers(target.baseUrl, tokens, warmPath(points[0] as string));
      log(`  stage ${stage.name}: ${stage.connections} connections, ${stage.amount} requests ...`);
      const results = await runStreams(streams);
      for (const r of results) perKind.set(r.name as Kind, [...(perKind.get(r.name as Kind) ?? []), r]);
      const all = mergeStreams(stage.name, results);
      stageLines.push(
        `${stage.name}: ${all.responses} answers in ${all.durationS} s, p50 ${all.latencyMs.p50} p95 ${all.latencyMs.p95} ms`,
      );
    }
    checks.push({ name: 'stages', status: 'pass', detail: stageLines.join('; ') });

    const streams: StreamResult[] = [];
    for (const [kind, results] of perKind) {
      // The stages ran one after another: connections are the most at once, durations add up.
      streams.push(mergeStreams(kind, results, 'in-turn'));
      checks.push(...(tallies.get(kind)?.checks(kind) ?? []));
    }
    return { streams, checks, skipped: [] };
  },
};
