// hot-reads: what a fully cached read costs, as a ratio to the Worker's own floor measured in the
// same run: `GET /api/__floor` with a valid token (404 through the whole /api middleware chain:
// request id, CORS, analytics, auth, rate limit, error mapping; no route work) against a
// dashboard's 4 points over 3 fixed past days (JSON columns, X-Cache: HIT). The two alternate in
// short rounds (runAlternating): side by side they would share wrangler dev's one queue and
// measure the same. Phase A (10 connections) gates req/s, phase B (herds of 1000) gates p95;
// the bare `/nope` floor is reported for information. Owns this scenario only; helpers load/lib.
import { type AlternatingResult, runAlternating } from '../lib/alternating.ts';
import { bearer, callerTokens, rotatingRequest, warmCallers } from '../lib/callers.ts';
import { ACCEPT, dashboards, HOT_READ_POINTS, hotReadPath, sitePoints } from '../lib/dataset.ts';
import { fetchJson, type IdleWait, isRecord, medianLatencyMs, waitForIdle } from '../lib/http.ts';
import { ResponseTally } from '../lib/response-checks.ts';
import type { StreamOptions } from '../lib/run-autocannon.ts';
import { ALL_STREAMS, type CheckResult, type Scenario, type ScenarioRun } from '../lib/scenario.ts';
import { getMockStats, resetMockStats, timeseriesCalls } from '../lib/synthetic-ace.ts';

/** Callers the reads rotate over: far under each principal's 600 requests a minute. */
const CALLERS = 60;
/** The floor for /api routes: an unknown path under /api, so every /api middleware runs. */
export const FLOOR_PATH = '/api/__floor';
/** The bare floor: an unknown path outside /api (no auth, no rate limiter). Information only. */
export const BARE_PATH = '/nope';
/** Phase A: short duration-bound rounds; at 10 connections each completes hundreds of requests. */
const PHASE_A = { connections: 10, rounds: 3, durationS: 5, timeoutS: 10 } as const;
/**
 * Phase B: each round is a herd of 1000 requests, one per connection, every one answered or timed
 * out. Not duration-bound: the isolate interleaves all 1000, so most answers come after any
 * short bound, and a p95 over the few that came early measured nothing (10 s rounds answered
 * 62 of 1000 hot reads: docs/PERFORMANCE.md, "hot-reads").
 */
const PHASE_B = { connections: 1000, rounds: 2, amount: 1000, timeoutS: 60 } as const;
/** A probe of the bare path slower than max(this, 3 × its idle median) means a backlog remains. */
const QUIET_FLOOR_MS = 50;
const IDLE_TIMEOUT_MS = 60_000;

type Phase = typeof PHASE_A | typeof PHASE_B;

export const hotReads: Scenario = {
  name: 'hot-reads',
  summary:
    'a fully cached 4-point × 3-day read against the /api floor, alternating in rounds: 10 connections (req/s ratio), then herds of 1000 (p95 ratio)',
  // Limits and why: docs/PERFORMANCE.md ("hot-reads").
  thresholds: {
    // Latency: 2× the worst of 5 runs (87 ms, 5.0 s p95); the ratios below are the bars.
    'hot-10': { http_req_failed: 'rate==0', http_req_duration: ['p(95)<500'] },
    'hot-1000': { http_req_failed: 'rate==0', http_req_duration: ['p(95)<10500'] },
    [ALL_STREAMS]: { errors: 'count==0', timeouts: 'count==0' },
  },
  relativeThresholds: [
    { stream: 'hot-10', baseline: 'floor-10', ratios: { rps: '>=0.5' } },
    { stream: 'hot-1000', baseline: 'floor-1000', ratios: { p95_ms: '<=3' } },
    { stream: 'hot-10', baseline: 'bare-10', ratios: { rps: '>=0.5' }, gated: false },
    { stream: 'hot-1000', baseline: 'floor-1000', ratios: { rps: '>=0.5' }, gated: false },
  ],

  async run({ target, log }): Promise<ScenarioRun> {
    const checks: CheckResult[] = [];
    const tokens = callerTokens(target, CALLERS, 'hot');
    const points = await sitePoints(target.baseUrl, tokens[0] as string);
    const [board = []] = dashboards(points, 1, HOT_READ_POINTS);
    const hotPath = hotReadPath(board);
    checks.push(...(await warmHotRead(target.baseUrl, tokens, hotPath)));

    const idleMs = await medianLatencyMs(`${target.baseUrl}${BARE_PATH}`);
    const quietMs = Math.max(QUIET_FLOOR_MS, 3 * idleMs);
    const waits: IdleWait[] = [];
    const settle = async () => {
      waits.push(await waitForIdle(`${target.baseUrl}${BARE_PATH}`, quietMs, IDLE_TIMEOUT_MS));
    };
    if (target.aceUrl) await resetMockStats(target.aceUrl);

    const tallies = new Map<string, ResponseTally>();
    const phases: AlternatingResult[] = [];
    for (const [phase, withBare] of [
      [PHASE_A, true],
      [PHASE_B, false],
    ] as const) {
      await settle();
      const bound = 'amount' in phase ? `${phase.amount} requests` : `${phase.durationS} s`;
      log(`  ${phase.rounds} rounds at ${phase.connections} connections, ${bound} per stream ...`);
      const streams = phaseStreams({ origin: target.baseUrl, tokens, hotPath, phase, withBare, tallies });
      phases.push(await runAlternating(streams, { rounds: phase.rounds, between: settle, log }));
    }
    const streams = phases.flatMap((p) => p.merged);

    for (const [name, tally] of tallies) checks.push(...tally.checks(name));
    for (const s of streams.filter((r) => r.name.startsWith('hot-'))) {
      const hits = tallies.get(s.name)?.xCache.HIT ?? 0;
      checks.push({
        name: `${s.name}-served-from-cache`,
        status: s.responses > 0 && hits === s.responses ? 'pass' : 'fail',
        detail: `${hits} of ${s.responses} answers X-Cache: HIT (${JSON.stringify(tallies.get(s.name)?.xCache ?? {})})`,
      });
    }
    checks.push(settledCheck(waits, quietMs, idleMs));
    checks.push(await aceCheck(target.aceUrl));
    return { streams, checks, skipped: [] };
  },
};

interface PhaseSpec {
  origin: string;
  tokens: readonly string[];
  hotPath: string;
  phase: Phase;
  withBare: boolean;
  /** Receives each stream's tally by stream name. */
  tallies: Map<string, ResponseTally>;
}

/** A phase's streams, in the order they alternate: floor, hot (and the bare floor). */
function phaseStreams(spec: PhaseSpec): StreamOptions[] {
  const { phase } = spec;
  const { connections, timeoutS } = phase;
  const bound = 'amount' in phase ? { amount: phase.amount } : { durationS: phase.durationS };
  const stream = (
    kind: string,
    allowed: number,
    request: (tally: ResponseTally) => StreamOptions['requests'][number],
  ) => {
    const name = `${kind}-${connections}`;
    const tally = new ResponseTally([allowed]);
    spec.tallies.set(name, tally);
    return { name, origin: spec.origin, connections, ...bound, timeoutS, requests: [request(tally)] };
  };
  const out = [
    stream('floor', 404, (t) =>
      rotatingRequest([{ method: 'GET', path: FLOOR_PATH }], spec.tokens, t.onResponse),
    ),
    stream('hot', 200, (t) =>
      rotatingRequest(
        [{ method: 'GET', path: spec.hotPath, headers: ACCEPT.json }],
        spec.tokens,
        t.onResponse,
      ),
    ),
  ];
  if (spec.withBare)
    out.push(stream('bare', 404, (t) => ({ method: 'GET', path: BARE_PATH, onResponse: t.onResponse })));
  return out;
}

/**
 * One read fills the cache, then every caller reads once (proves its access, which the Worker
 * keeps 5 minutes), then one more read must be a hit: the hot phases measure a warm path only.
 */
async function warmHotRead(baseUrl: string, tokens: readonly string[], path: string): Promise<CheckResult[]> {
  const first = await fetchJson(`${baseUrl}${path}`, { headers: bearer(tokens[0] as string) }, 60_000);
  const warm = await warmCallers(baseUrl, tokens, path);
  const again = await fetchJson(`${baseUrl}${path}`, { headers: bearer(tokens[1] ?? (tokens[0] as string)) });
  const xCache = again.headers.get('x-cache');
  const meta = isRecord(again.body) && isRecord(again.body.meta) ? again.body.meta : {};
  return [
    {
      name: 'callers-warm',
      status: first.status === 200 && Object.keys(warm).every((s) => s === '200') ? 'pass' : 'fail',
      detail: `first read ${first.status} (X-Cache ${first.headers.get('x-cache')}); ${tokens.length} callers read it once: ${JSON.stringify(warm)}`,
    },
    {
      name: 'hot-read-cached',
      status: again.status === 200 && xCache === 'HIT' ? 'pass' : 'fail',
      detail: `a read after the warm-up → ${again.status}, X-Cache ${xCache}, ${String(meta.samples)} samples`,
    },
  ];
}

/** Every run after the first started on an idle server (the previous run's backlog drained). */
function settledCheck(waits: readonly IdleWait[], quietMs: number, idleMs: number): CheckResult {
  const unsettled = waits.filter((w) => !w.settled).length;
  const longest = Math.max(0, ...waits.map((w) => w.waitedMs));
  return {
    name: 'rounds-start-idle',
    status: unsettled === 0 && waits.length > 0 ? 'pass' : 'fail',
    detail:
      `${waits.length} waits for a ${BARE_PATH} probe under ${Math.round(quietMs)} ms (idle median ${Math.round(idleMs)} ms): ` +
      `longest ${longest} ms, ${unsettled} gave up after ${IDLE_TIMEOUT_MS / 1000} s`,
  };
}

/** The hot phases cost ACE nothing: no timeseries request since the reset after the warm-up. */
async function aceCheck(aceUrl: string | undefined): Promise<CheckResult> {
  if (!aceUrl)
    return { name: 'hot-no-ace', status: 'skip', detail: 'no synthetic ACE on this target (staging)' };
  const stats = await getMockStats(aceUrl);
  const calls = timeseriesCalls(stats);
  return {
    name: 'hot-no-ace',
    status: calls === 0 ? 'pass' : 'fail',
    detail: `ACE timeseries requests (get_timeseries, paginated) during the hot phases: ${calls} (all ACE requests ${stats.total}: ${JSON.stringify(stats.requests)})`,
  };
}
