// thundering-herd: 1000 connections open at once and each sends the same request. First on a
// cold window (nothing cached: every request arrives before the first answer, so the Worker must
// coalesce them into one upstream fetch per day chunk), then once more on the same, now hot,
// window (served from cache alone). Checks, on a local stack: the synthetic ACE was asked for
// every (point, day chunk) of the window exactly once, and for nothing during the hot rounds.
// Owns this scenario only; helpers are load/lib.
import { callerTokens, rotatingRequest, warmCallers } from '../lib/callers.ts';
import {
  coldAnchorMs,
  DAY_MS,
  dashboards,
  dayChunks,
  HOUR_MS,
  sitePoints,
  timeseriesGetPath,
  type Window,
  warmPath,
} from '../lib/dataset.ts';
import { ResponseTally } from '../lib/response-checks.ts';
import { runStream } from '../lib/run-autocannon.ts';
import { ALL_STREAMS, type CheckResult, type Scenario, type ScenarioRun } from '../lib/scenario.ts';
import { getMockStats, resetMockStats, timeseriesCalls, upstreamCoverage } from '../lib/synthetic-ace.ts';

const CONNECTIONS = 1000;
const HOT_ROUNDS = 1;
/** ≤ 64 callers: the Worker's per-isolate catalogue cache holds 64 (see cache-storm). */
const CALLERS = 50;
const POINTS = 4;

export const thunderingHerd: Scenario = {
  name: 'thundering-herd',
  summary: `${CONNECTIONS} connections at once on one cold request (one ACE fetch per chunk), then again on it hot`,
  // Limits and the measurements behind them: docs/PERFORMANCE.md ("thundering-herd").
  thresholds: {
    // 2× the worst of 5 runs after the hit-path work (cold 6.6 s, hot 4.7 s): docs/PERFORMANCE.md.
    'cold-herd': {
      http_req_failed: 'rate==0',
      http_reqs: [`count==${CONNECTIONS}`, 'rate>=4'],
      http_req_duration: ['p(95)<13500', 'max<13500'],
    },
    'hot-herd': {
      http_req_failed: 'rate==0',
      http_reqs: [`count==${CONNECTIONS * HOT_ROUNDS}`, 'rate>=4'],
      http_req_duration: ['p(95)<9500', 'max<9500'],
    },
    [ALL_STREAMS]: { errors: 'count==0', timeouts: 'count==0' },
  },

  async run({ target, log }): Promise<ScenarioRun> {
    const checks: CheckResult[] = [];
    const tokens = callerTokens(target, CALLERS, 'herd');
    const points = await sitePoints(target.baseUrl, tokens[0] as string);
    const [board = []] = dashboards(points, 1, POINTS);
    // Two days from noon to noon: three day chunks (a half, a whole and a half day).
    const anchor = coldAnchorMs() + 10 * DAY_MS;
    const window: Window = { startMs: anchor + 12 * HOUR_MS, endMs: anchor + 2 * DAY_MS + 12 * HOUR_MS };
    const path = timeseriesGetPath({ points: board, ...window, interval: '5m' });

    const warm = await warmCallers(target.baseUrl, tokens, warmPath(points[0] as string));
    checks.push({
      name: 'callers-warm',
      status: Object.keys(warm).every((s) => s === '200') ? 'pass' : 'fail',
      detail: `${tokens.length} callers warmed: ${JSON.stringify(warm)}`,
    });
    if (target.aceUrl) await resetMockStats(target.aceUrl);

    log(`  cold herd: ${CONNECTIONS} connections, one request each ...`);
    const coldTally = new ResponseTally([200]);
    const cold = await runStream({
      name: 'cold-herd',
      origin: target.baseUrl,
      connections: CONNECTIONS,
      amount: CONNECTIONS,
      timeoutS: 290,
      requests: [rotatingRequest([{ method: 'GET', path }], tokens, coldTally.onResponse)],
    });
    checks.push(...coldTally.checks('cold-herd'));
    const aceAfterCold = target.aceUrl ? await getMockStats(target.aceUrl) : undefined;
    // The catalogue a principal's requests share lives 60 s in the isolate: warm it again.
    const rewarm = await warmCallers(target.baseUrl, tokens, warmPath(points[0] as string));
    checks.push({
      name: 'callers-rewarm',
      status: Object.keys(rewarm).every((s) => s === '200') ? 'pass' : 'fail',
      detail: `${tokens.length} callers warmed again before the hot herd: ${JSON.stringify(rewarm)}`,
    });
    if (target.aceUrl) await resetMockStats(target.aceUrl);

    log(`  hot herd: ${CONNECTIONS} connections, ${HOT_ROUNDS} requests each ...`);
    const hotTally = new ResponseTally([200]);
    const hot = await runStream({
      name: 'hot-herd',
      origin: target.baseUrl,
      connections: CONNECTIONS,
      amount: CONNECTIONS * HOT_ROUNDS,
      timeoutS: 290,
      requests: [rotatingRequest([{ method: 'GET', path }], tokens, hotTally.onResponse)],
    });
    checks.push(...hotTally.checks('hot-herd'));
    checks.push({
      name: 'hot-served-from-cache',
      status: (hotTally.xCache.HIT ?? 0) === hot.responses && hot.responses > 0 ? 'pass' : 'fail',
      detail: `X-Cache of the hot rounds: ${JSON.stringify(hotTally.xCache)}`,
    });

    if (target.aceUrl && aceAfterCold) {
      const chunks = dayChunks(window);
      const c = upstreamCoverage(aceAfterCold, board, chunks);
      checks.push({
        name: 'ace-once-per-chunk',
        status: c.once === c.cells ? 'pass' : 'fail',
        detail:
          `${c.cells} point×chunk cells (${board.length} points × ${chunks.length} chunks): ${c.once} fetched once, ` +
          `${c.repeated} more (max ${c.maxTimes}×), ${c.never} never; ACE timeseries calls ${timeseriesCalls(aceAfterCold)} ` +
          `for ${cold.responses} answers (${JSON.stringify(aceAfterCold.requests)})`,
      });
      const afterHot = await getMockStats(target.aceUrl);
      checks.push({
        name: 'hot-no-ace',
        status: timeseriesCalls(afterHot) === 0 ? 'pass' : 'fail',
        detail: `ACE timeseries calls during the hot rounds: ${timeseriesCalls(afterHot)} (all ACE calls ${afterHot.total})`,
      });
    } else {
      for (const name of ['ace-once-per-chunk', 'hot-no-ace'])
        checks.push({ name, status: 'skip', detail: 'no synthetic ACE on this target' });
    }
    return { streams: [cold, hot], checks, skipped: [] };
  },
};
