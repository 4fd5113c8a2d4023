// amplification (local only): can made-up tokens make the Worker hammer ACE? From one client
// address each: 100 distinct invented tokens, 60 distinct tokens ACE refuses, one refused token
// 100 times; a proven caller keeps reading its cached window meanwhile. Counted from outside at
// the synthetic ACE (`/_mock/stats`): at most the configured budget of verifications per address
// (VERIFY_RATE_LIMITER, 20 a minute), at most one catalogue listing, one call for the repeated
// token; the rest answered 429 with Retry-After. Skipped against staging (no /_mock there).
import { bearer, callerTokens } from '../lib/callers.ts';
import { dashboards, hotReadPath, SITE, sitePoints } from '../lib/dataset.ts';
import { isRecord } from '../lib/http.ts';
import { FetchRecorder, forEachLimited } from '../lib/recorder.ts';
import { ResponseTally } from '../lib/response-checks.ts';
import { ALL_STREAMS, type CheckResult, type Scenario, type ScenarioRun } from '../lib/scenario.ts';
import { countRoute, getMockStats, resetMockStats } from '../lib/synthetic-ace.ts';

/** The Worker's budget of verifications per address and minute (wrangler.toml VERIFY_RATE_LIMITER). */
const BUDGET = Number(process.env.LOAD_VERIFY_BUDGET ?? 20);
const CONCURRENCY = 10;
const POINTS_PATH = `/api/sites/${encodeURIComponent(SITE)}/points?limit=1`;

/** An attacker's headers: an invented token from a fixed address (TEST-NET-3, one per phase). */
const attacker = (token: string, phase: number) => ({
  authorization: `Bearer ${token}`,
  'cf-connecting-ip': `203.0.113.${phase}`,
});

interface Phase {
  name: string;
  tokens: string[];
  allowed: number[];
  /** Most ACE `GET /sites/{site}` calls the phase may cause. */
  maxVerifications: number;
}

function phases(run: string): Phase[] {
  const n = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) => `${prefix}-${run}-${i}`);
  return [
    { name: 'made-up', tokens: n(100, 'made-up'), allowed: [200, 429], maxVerifications: BUDGET },
    { name: 'refused', tokens: n(60, 'invalid'), allowed: [401, 429], maxVerifications: BUDGET },
    {
      name: 'repeated',
      tokens: Array(100).fill(`invalid-repeated-${run}`),
      allowed: [401, 429],
      maxVerifications: 1,
    },
  ];
}

export const amplification: Scenario = {
  name: 'amplification',
  summary:
    'made-up tokens from one address each: ACE sees at most the budget of verifications, a proven caller is unaffected (local only)',
  // Limits and why: docs/PERFORMANCE.md ("amplification").
  thresholds: {
    reader: { http_req_failed: 'rate==0' },
    [ALL_STREAMS]: { errors: 'count==0', timeouts: 'count==0' },
  },

  async run({ target, log }): Promise<ScenarioRun> {
    const aceUrl = target.aceUrl;
    if (!aceUrl) {
      const reason = 'needs the synthetic ACE (/_mock/stats): local only';
      return {
        streams: [],
        checks: [{ name: 'amplification', status: 'skip', detail: reason }],
        skipped: ['made-up', 'refused', 'repeated', 'reader'].map((stream) => ({ stream, reason })),
      };
    }
    const checks: CheckResult[] = [];
    const [readerToken] = callerTokens(target, 1, 'amplification-reader');
    const reader = readerToken as string;
    const board = dashboards(await sitePoints(target.baseUrl, reader), 1, 4)[0] ?? [];
    const readPath = hotReadPath(board);
    const first = await fetch(`${target.baseUrl}${readPath}`, { headers: bearer(reader) });
    await first.arrayBuffer();
    checks.push({
      name: 'reader-warm',
      status: first.status === 200 ? 'pass' : 'fail',
      detail: `first read ${first.status}`,
    });

    const run = `${Date.now()}`;
    const streams = [];
    const readerRec = new FetchRecorder('reader', target.baseUrl, 1);
    for (const [i, phase] of phases(run).entries()) {
      await resetMockStats(aceUrl);
      log(
        `  ${phase.name}: ${phase.tokens.length} requests from 203.0.113.${i + 1}, ${CONCURRENCY} at a time ...`,
      );
      const rec = new FetchRecorder(phase.name, target.baseUrl, CONCURRENCY);
      const tally = new ResponseTally(phase.allowed);
      const retryAfter = { missing: 0 };
      await forEachLimited(phase.tokens, CONCURRENCY, async (token) => {
        const r = await rec.fetch(POINTS_PATH, { headers: attacker(token, i + 1) });
        const count = tally.onResponse as (
          status: number,
          body: string,
          context: object,
          headers: object,
        ) => void;
        count(r.status, isRecord(r.body) ? JSON.stringify(r.body) : '', {}, {});
        if (r.status === 429 && !/^\d+$/.test(r.headers.get('retry-after') ?? '')) retryAfter.missing++;
        await readerRec.fetch(readPath, { headers: bearer(reader) });
      });
      const stats = await getMockStats(aceUrl);
      const verifications = countRoute(stats, 'site');
      const listings = countRoute(stats, 'configured_points');
      const timeseries = countRoute(stats, 'get_timeseries') + countRoute(stats, 'paginated');
      streams.push(rec.result());
      checks.push(...tally.checks(phase.name));
      checks.push({
        name: `${phase.name}-ace-calls`,
        status:
          verifications <= phase.maxVerifications && listings <= 1 && timeseries === 0 ? 'pass' : 'fail',
        detail: `ACE saw ${verifications} verifications (at most ${phase.maxVerifications}), ${listings} listings (at most 1), ${timeseries} timeseries calls (the reader's data is cached: 0) for ${phase.tokens.length} requests`,
      });
      checks.push({
        name: `${phase.name}-retry-after`,
        status: retryAfter.missing === 0 ? 'pass' : 'fail',
        detail: `${retryAfter.missing} answers 429 without a Retry-After in seconds; statuses ${JSON.stringify(tally.statuses)}`,
      });
    }
    streams.push(readerRec.result());
    return { streams, checks, skipped: [] };
  },
};
