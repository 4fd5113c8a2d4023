// The short CI scenario: 30 connections for 15 s, a third each on the Worker's GET /health, one
// ACE-backed request (the first page of the Worker's ACE drop-in route for six hours of a site)
// and one fully cached read (hot-reads' 4 points × 3 days), from many callers, with thresholds,
// and checks that the cache served that load: every hot answer X-Cache: HIT, and the synthetic
// ACE saw no timeseries request while it ran. Owns nothing else.
import { bearer, callerTokens, rotatingRequest, warmCallers } from '../lib/callers.ts';
import { ACCEPT, dashboards, HOT_READ_POINTS, hotReadPath, sitePoints } from '../lib/dataset.ts';
import { fetchJson, isRecord, warmUp } from '../lib/http.ts';
import { ResponseTally } from '../lib/response-checks.ts';
import { runStreams, type StreamOptions, type StreamResult } from '../lib/run-autocannon.ts';
import { ALL_STREAMS, type CheckResult, type Scenario, type ScenarioRun } from '../lib/scenario.ts';
import { countRoute, getMockStats, resetMockStats } from '../lib/synthetic-ace.ts';

const CONNECTIONS_PER_STREAM = 10;
const DURATION_S = 15;
const WARM_UP_REQUESTS = 20;

/**
 * Six hours of `demo-small` (about 50 points) so the first 1000-sample page is always full, even
 * when the window touches one of the generator's site-wide outage hours. Fixed, so every run reads
 * the same bytes: the Worker's ACE drop-in, served from its day-chunk cache after the first read.
 */
export const ACE_PAGE_PATH =
  '/api/sites/demo-small/timeseries/paginated?start_time=2026-01-05T00:00:00Z&end_time=2026-01-05T06:00:00Z' +
  '&page_size=1000&raw_data=true';

/** Callers the load is spread over, as dashboards are: each stays far under its rate limit. */
const CALLERS = 64;

export const smoke: Scenario = {
  name: 'smoke',
  summary: `${3 * CONNECTIONS_PER_STREAM} connections for ${DURATION_S} s: GET /health, one ACE-backed paginated read and one cached 4-point × 3-day read`,
  // Limits and the measurements behind them: docs/PERFORMANCE.md ("smoke").
  thresholds: {
    health: {
      http_req_failed: 'rate==0',
      http_reqs: 'count>=300',
      http_req_duration: ['p(95)<1000', 'p(99)<2000'],
    },
    'ace-paginated': {
      http_req_failed: 'rate==0',
      http_reqs: 'count>=300',
      http_req_duration: ['p(95)<1500', 'p(99)<3000'],
    },
    'hot-read': {
      http_req_failed: 'rate==0',
      http_reqs: 'count>=300',
    },
    [ALL_STREAMS]: { errors: 'count==0', timeouts: 'count==0' },
  },

  async run({ target, log }): Promise<ScenarioRun> {
    const checks: CheckResult[] = [];
    const skipped: ScenarioRun['skipped'] = [];

    const health = await fetchJson(`${target.baseUrl}/health`);
    const healthBody = isRecord(health.body) ? health.body : {};
    checks.push({
      name: 'health-body',
      status: health.status === 200 && healthBody.status === 'ok' ? 'pass' : 'fail',
      detail: `GET /health → ${health.status} status=${String(healthBody.status)}`,
    });

    const streams: StreamOptions[] = [
      {
        name: 'health',
        origin: target.baseUrl,
        connections: CONNECTIONS_PER_STREAM,
        durationS: DURATION_S,
        requests: [{ method: 'GET', path: '/health' }],
      },
    ];

    const aceUrl = target.aceUrl;
    const tokens = callerTokens(target, CALLERS, 'caller');
    const page = await fetchJson(`${target.baseUrl}${ACE_PAGE_PATH}`, {
      headers: bearer(tokens[0] as string),
    });
    const samples =
      isRecord(page.body) && Array.isArray(page.body.point_samples) ? page.body.point_samples.length : 0;
    checks.push({
      name: 'ace-page-shape',
      status: page.status === 200 && samples === 1000 ? 'pass' : 'fail',
      detail: `first page → ${page.status} with ${samples} point_samples (want 1000)`,
    });
    streams.push({
      name: 'ace-paginated',
      origin: target.baseUrl,
      connections: CONNECTIONS_PER_STREAM,
      durationS: DURATION_S,
      requests: tokens.map((token) => ({
        method: 'GET' as const,
        path: ACE_PAGE_PATH,
        headers: bearer(token),
      })),
    });

    const hot = await hotReadStream(target.baseUrl, tokens);
    streams.push(hot.stream);
    checks.push(...hot.setupChecks);

    // One-time costs (workerd's first requests, the generator's caches) stay out of the numbers.
    await warmUp(`${target.baseUrl}/health`, {}, WARM_UP_REQUESTS);
    // Each caller proves its access to the site once (ACE GET /sites) and the chunk is cached.
    for (const token of tokens)
      await warmUp(`${target.baseUrl}${ACE_PAGE_PATH}`, { headers: bearer(token) }, 1);
    if (aceUrl) await resetMockStats(aceUrl);

    log(`  ${streams.length} streams × ${CONNECTIONS_PER_STREAM} connections for ${DURATION_S} s ...`);
    const results = await runStreams(streams);

    checks.push(
      ...hotChecks(
        hot.tally,
        results.find((r) => r.name === 'hot-read'),
      ),
    );
    const ace = results.find((r) => r.name === 'ace-paginated');
    if (aceUrl && ace) {
      // The whole load was answered from the Worker's cache: ACE saw no timeseries request.
      const stats = await getMockStats(aceUrl);
      const upstream = countRoute(stats, 'paginated') + countRoute(stats, 'get_timeseries');
      const ok = upstream === 0 && ace.ok > 0;
      checks.push({
        name: 'served-from-cache',
        status: ok ? 'pass' : 'fail',
        detail:
          `${ace.ok} drop-in pages (and every hot read) served; the synthetic ACE saw ${upstream} timeseries requests meanwhile` +
          `${ok ? '' : ` (stats: ${JSON.stringify(stats.requests)}, total ${stats.total})`}`,
      });
    } else {
      checks.push({
        name: 'served-from-cache',
        status: 'skip',
        detail: 'no synthetic ACE on this target (staging)',
      });
    }
    return { streams: results, checks, skipped };
  },
};

/**
 * The hot-read stream: hot-reads' cached read (the site's first 4 points over its 3 fixed days),
 * rotating over the callers, each of whom has read it once first (access proven, cache filled).
 */
async function hotReadStream(
  baseUrl: string,
  tokens: readonly string[],
): Promise<{ stream: StreamOptions; tally: ResponseTally; setupChecks: CheckResult[] }> {
  const points = await sitePoints(baseUrl, tokens[0] as string);
  const [board = []] = dashboards(points, 1, HOT_READ_POINTS);
  const path = hotReadPath(board);
  const first = await fetchJson(`${baseUrl}${path}`, { headers: bearer(tokens[0] as string) }, 60_000);
  const warm = await warmCallers(baseUrl, tokens, path);
  const tally = new ResponseTally([200]);
  return {
    stream: {
      name: 'hot-read',
      origin: baseUrl,
      connections: CONNECTIONS_PER_STREAM,
      durationS: DURATION_S,
      requests: [rotatingRequest([{ method: 'GET', path, headers: ACCEPT.json }], tokens, tally.onResponse)],
    },
    tally,
    setupChecks: [
      {
        name: 'hot-read-warm',
        status: first.status === 200 && Object.keys(warm).every((s) => s === '200') ? 'pass' : 'fail',
        detail: `${board.length} points × 3 days → ${first.status}; ${tokens.length} callers read it once: ${JSON.stringify(warm)}`,
      },
    ],
  };
}

/** The hot reads answered 200 in the contract's shape, and every one from the cache. */
function hotChecks(tally: ResponseTally, result: StreamResult | undefined): CheckResult[] {
  const responses = result?.responses ?? 0;
  const hits = tally.xCache.HIT ?? 0;
  return [
    ...tally.checks('hot-read'),
    {
      name: 'hot-read-served-from-cache',
      status: responses > 0 && hits === responses ? 'pass' : 'fail',
      detail: `${hits} of ${responses} hot reads X-Cache: HIT (${JSON.stringify(tally.xCache)})`,
    },
  ];
}
