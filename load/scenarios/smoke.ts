// The short CI scenario: 20 connections for 15 s, half on the Worker's GET /health and half on one
// ACE-backed request (the first page of a paginated site read from the synthetic ACE), with
// thresholds, and a check that the synthetic ACE counted those requests. Owns nothing else.
import { fetchJson, isRecord, warmUp } from '../lib/http.ts';
import { runStreams, type StreamOptions } from '../lib/run-autocannon.ts';
import { ALL_STREAMS, type CheckResult, type Scenario, type ScenarioRun } from '../lib/scenario.ts';
import { countRoute, getMockStats, resetMockStats } from '../lib/synthetic-ace.ts';

const CONNECTIONS_PER_STREAM = 10;
const DURATION_S = 15;
const WARM_UP_REQUESTS = 20;

/**
 * Six hours of `demo-small` (about 50 points) so the first 1000-sample page is always full, even
 * when the window touches one of the generator's site-wide outage hours. Fixed, so every run reads
 * the same bytes. The synthetic ACE serves it directly until the Worker's own paginated route
 * (`/api/sites/{site}/timeseries/paginated`, issue 4) exists; then this stream moves to the Worker.
 */
export const ACE_PAGE_PATH =
  '/sites/demo-small/timeseries/paginated?start_time=2026-01-05T00:00:00Z&end_time=2026-01-05T06:00:00Z' +
  '&page_size=1000&raw_data=true';

export const smoke: Scenario = {
  name: 'smoke',
  summary: `${2 * CONNECTIONS_PER_STREAM} connections for ${DURATION_S} s: GET /health and one ACE-backed paginated read`,
  // Limits and the measurements behind them: docs/PERFORMANCE.md ("smoke").
  thresholds: {
    health: {
      http_req_failed: 'rate==0',
      http_reqs: 'count>=300',
      http_req_duration: ['p(95)<1000', 'p(99)<2000'],
    },
    'ace-paginated': {
      http_req_failed: 'rate==0',
      http_reqs: 'count>=1000',
      http_req_duration: ['p(95)<400', 'p(99)<1000'],
    },
    [ALL_STREAMS]: { errors: 'count==0', timeouts: 'count==0' },
  },

  async run({ target, log }): Promise<ScenarioRun> {
    const checks: CheckResult[] = [];
    const skipped: ScenarioRun['skipped'] = [];
    const auth = { authorization: `Bearer ${target.token ?? ''}` };

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
    if (aceUrl) {
      const page = await fetchJson(`${aceUrl}${ACE_PAGE_PATH}`, { headers: auth });
      const samples =
        isRecord(page.body) && Array.isArray(page.body.point_samples) ? page.body.point_samples.length : 0;
      checks.push({
        name: 'ace-page-shape',
        status: page.status === 200 && samples === 1000 ? 'pass' : 'fail',
        detail: `first page → ${page.status} with ${samples} point_samples (want 1000)`,
      });
      streams.push({
        name: 'ace-paginated',
        origin: aceUrl,
        connections: CONNECTIONS_PER_STREAM,
        durationS: DURATION_S,
        headers: auth,
        requests: [{ method: 'GET', path: ACE_PAGE_PATH }],
      });
    } else {
      skipped.push({ stream: 'ace-paginated', reason: 'no synthetic ACE on this target' });
      checks.push({
        name: 'ace-page-shape',
        status: 'skip',
        detail: 'no synthetic ACE on this target (staging)',
      });
    }

    // One-time costs (workerd's first requests, the generator's caches) stay out of the numbers.
    await warmUp(`${target.baseUrl}/health`, {}, WARM_UP_REQUESTS);
    if (aceUrl) await warmUp(`${aceUrl}${ACE_PAGE_PATH}`, { headers: auth }, WARM_UP_REQUESTS);
    if (aceUrl) await resetMockStats(aceUrl);

    log(`  ${streams.length} streams × ${CONNECTIONS_PER_STREAM} connections for ${DURATION_S} s ...`);
    const results = await runStreams(streams);

    const ace = results.find((r) => r.name === 'ace-paginated');
    if (aceUrl && ace) {
      // Every response the load generator got was counted upstream; requests still in flight when
      // the run stopped may be counted too, so the count lies between responses and requests sent.
      const stats = await getMockStats(aceUrl);
      const counted = countRoute(stats, 'paginated');
      const ok = counted >= ace.responses && counted <= ace.sent && ace.responses > 0;
      checks.push({
        name: 'ace-requests-counted',
        status: ok ? 'pass' : 'fail',
        detail:
          `/_mock/stats counted ${counted} paginated requests; load generator got ${ace.responses} responses ` +
          `of ${ace.sent} sent${ok ? '' : ` (stats: ${JSON.stringify(stats.requests)}, total ${stats.total})`}`,
      });
    } else {
      checks.push({
        name: 'ace-requests-counted',
        status: 'skip',
        detail: 'no synthetic ACE on this target (staging)',
      });
    }
    return { streams: results, checks, skipped };
  },
};
