// job-backlog: a few hundred jobs submitted quickly (`Prefer: respond-async` on the timeseries
// POST → 202 and a job, API.md), each a distinct week of several points, then every job polled at
// GET /api/jobs/{id} until it is terminal. Every job must end `succeeded`; none may be lost (a
// poll answering 404) or duplicated (two submissions of different requests sharing an id, or an
// identical resubmission while its job is active getting a new one). Reports the time to drain
// the backlog. Written against the contract: if the Worker answers the async request with
// anything but 202 the run fails saying so. Owns this scenario only; helpers are load/lib.
import { bearer, callerTokens, warmCallers } from '../lib/callers.ts';
import {
  coldAnchorMs,
  DAY_MS,
  dashboards,
  JSON_BODY,
  sitePoints,
  type TimeseriesQuery,
  timeseriesPost,
  warmPath,
} from '../lib/dataset.ts';
import { isRecord } from '../lib/http.ts';
import { FetchRecorder, forEachLimited, sleep } from '../lib/recorder.ts';
import type { CheckResult, Scenario, ScenarioRun } from '../lib/scenario.ts';

const JOBS = 200;
/** Job submissions are limited to 30 a minute per principal: 5 jobs per caller stays well under. */
const CALLERS = 40;
const SUBMIT_CONCURRENCY = 20;
const POLL_CONCURRENCY = 20;
const POLL_INTERVAL_MS = 1000;
/** Resubmissions of an identical request right after its first submission. */
const RESUBMITS = 10;
/**
 * The backlog must drain within this, about twice the 208 s measured (the local queue consumer
 * takes batches of 4): docs/PERFORMANCE.md. Also the scenario's bound.
 */
const DRAIN_LIMIT_S = 420;
const RESULTS_FETCHED = 10;

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'dead']);
const STATUSES = new Set(['queued', 'running', 'retrying', ...TERMINAL]);

interface Job {
  index: number;
  token: string;
  query: TimeseriesQuery;
  id?: string;
  submitStatus?: number;
  status?: string;
  lost?: boolean;
  doneAtMs?: number;
}

/** The job of a 202 body (`{job: {id, status, status_url, result_url}}`), if it is one. */
function jobOf(body: unknown): { id: string; status: string } | undefined {
  const job = isRecord(body) && isRecord(body.job) ? body.job : undefined;
  return job && typeof job.id === 'string' && typeof job.status === 'string'
    ? { id: job.id, status: job.status }
    : undefined;
}

export const jobBacklog: Scenario = {
  name: 'job-backlog',
  summary: `${JOBS} async timeseries jobs submitted at once and polled until terminal: all succeed, none lost or duplicated; time to drain`,
  // Limits and the measurements behind them: docs/PERFORMANCE.md ("job-backlog").
  thresholds: {
    submit: { http_req_failed: 'rate==0', http_req_duration: ['p(95)<10000'] },
    poll: { http_req_failed: 'rate==0', http_req_duration: ['p(95)<10000'] },
    result: { http_req_failed: 'rate==0' },
  },

  async run({ target, log }): Promise<ScenarioRun> {
    const checks: CheckResult[] = [];
    const tokens = callerTokens(target, CALLERS, 'jobs');
    const points = await sitePoints(target.baseUrl, tokens[0] as string);
    const boards = dashboards(points, 4, 8);
    const anchor = coldAnchorMs();
    // Distinct requests: a week of 8 points, each job a day later than the one before.
    const jobs: Job[] = Array.from({ length: JOBS }, (_, i) => ({
      index: i,
      token: tokens[i % tokens.length] as string,
      query: {
        points: boards[i % boards.length] as string[],
        startMs: anchor + i * DAY_MS,
        endMs: anchor + (i + 7) * DAY_MS,
      },
    }));
    const submitOne = (job: Job, recorder: FetchRecorder) => {
      const { path, body } = timeseriesPost(job.query);
      return recorder.fetch(
        path,
        {
          method: 'POST',
          headers: { ...JSON_BODY, ...bearer(job.token), prefer: 'respond-async' },
          body,
        },
        30_000,
      );
    };
    const submit = new FetchRecorder('submit', target.baseUrl, SUBMIT_CONCURRENCY);
    const poll = new FetchRecorder('poll', target.baseUrl, POLL_CONCURRENCY);
    const result = new FetchRecorder('result', target.baseUrl, 1);
    const skipAll = (reason: string): ScenarioRun => ({
      streams: [],
      checks,
      skipped: ['submit', 'poll', 'result'].map((stream) => ({ stream, reason })),
    });

    await warmCallers(target.baseUrl, tokens, warmPath(points[0] as string));

    // The contract first: one submission must be accepted as a job.
    const probe = await submitOne(jobs[0] as Job, submit);
    const probeJob = jobOf(probe.body);
    if (probe.status !== 202 || !probeJob) {
      checks.push({
        name: 'job-routes',
        status: 'fail',
        detail:
          `POST timeseries with Prefer: respond-async answered ${probe.status}` +
          `${probe.status === 200 ? ' (served synchronously)' : ''} without {job: {id, status}}: ` +
          'the job routes of API.md (202 + GET /api/jobs/{id}) are not in this Worker',
      });
      return skipAll('the Worker has no job routes');
    }
    const location = probe.headers.get('location');
    checks.push({
      name: 'job-routes',
      status:
        location === `/api/jobs/${probeJob.id}` || location?.endsWith(`/api/jobs/${probeJob.id}`)
          ? 'pass'
          : 'fail',
      detail: `202 with job ${probeJob.id} (${probeJob.status}), Location ${location}, Retry-After ${probe.headers.get('retry-after')}`,
    });
    (jobs[0] as Job).id = probeJob.id;
    (jobs[0] as Job).submitStatus = 202;

    log(`  submitting ${JOBS} jobs (${SUBMIT_CONCURRENCY} at a time) ...`);
    const started = Date.now();
    let resubmitMismatches = 0;
    const mismatchDetails: string[] = [];
    await forEachLimited(jobs.slice(1), SUBMIT_CONCURRENCY, async (job) => {
      const res = await submitOne(job, submit);
      job.submitStatus = res.status;
      job.id = jobOf(res.body)?.id;
      if (job.index <= RESUBMITS && job.id) {
        // An identical request while its job is active must get that job back.
        const again = await submitOne(job, submit);
        const againId = jobOf(again.body)?.id;
        if (againId !== job.id) {
          const now = await poll.fetch(`/api/jobs/${job.id}`, { headers: bearer(job.token) });
          const state = isRecord(now.body) ? String(now.body.status) : `HTTP ${now.status}`;
          // A job that already finished may be started afresh; an active one may not.
          if (!TERMINAL.has(state)) {
            resubmitMismatches++;
            if (mismatchDetails.length < 3) mismatchDetails.push(`${job.id} (${state}) → ${againId}`);
          }
        }
      }
    });
    const submittedS = (Date.now() - started) / 1000;
    const accepted = jobs.filter((j) => j.submitStatus === 202 && j.id);
    const ids = new Set(accepted.map((j) => j.id));
    checks.push({
      name: 'all-accepted',
      status: accepted.length === JOBS ? 'pass' : 'fail',
      detail: `${accepted.length} of ${JOBS} submissions answered 202 with a job in ${submittedS.toFixed(1)} s`,
    });
    checks.push({
      name: 'none-duplicated',
      status: ids.size === accepted.length && resubmitMismatches === 0 ? 'pass' : 'fail',
      detail:
        `${ids.size} distinct ids for ${accepted.length} distinct requests; ${RESUBMITS} identical resubmissions ` +
        `while active: ${resubmitMismatches} got another job${mismatchDetails.length ? ` (${mismatchDetails.join(', ')})` : ''}`,
    });

    log(`  polling until every job is terminal (at most ${DRAIN_LIMIT_S} s) ...`);
    const deadline = started + DRAIN_LIMIT_S * 1000;
    let pending = accepted;
    while (pending.length > 0 && Date.now() < deadline) {
      await forEachLimited(pending, POLL_CONCURRENCY, async (job) => {
        const res = await poll.fetch(`/api/jobs/${job.id}`, { headers: bearer(job.token) });
        if (res.status === 404) job.lost = true;
        const status =
          isRecord(res.body) && typeof res.body.status === 'string' ? res.body.status : undefined;
        if (status && STATUSES.has(status)) job.status = status;
        if (status && TERMINAL.has(status)) job.doneAtMs = Date.now();
      });
      pending = pending.filter((j) => !j.lost && !(j.status && TERMINAL.has(j.status)));
      if (pending.length > 0) await sleep(POLL_INTERVAL_MS);
    }
    const drainS = (Math.max(...accepted.map((j) => j.doneAtMs ?? Date.now())) - started) / 1000;
    const byStatus: Record<string, number> = {};
    for (const j of accepted) byStatus[j.status ?? 'unknown'] = (byStatus[j.status ?? 'unknown'] ?? 0) + 1;
    const succeeded = byStatus.succeeded ?? 0;
    const lost = accepted.filter((j) => j.lost).length;
    checks.push({
      name: 'all-succeeded',
      status: succeeded === JOBS ? 'pass' : 'fail',
      detail: `final statuses ${JSON.stringify(byStatus)}${pending.length ? `; ${pending.length} still pending at the ${DRAIN_LIMIT_S} s bound` : ''}`,
    });
    checks.push({
      name: 'none-lost',
      status: lost === 0 ? 'pass' : 'fail',
      detail: `${lost} jobs answered 404 when polled by their own caller`,
    });
    checks.push({
      name: 'drain-time',
      status: pending.length === 0 ? 'pass' : 'fail',
      detail: `${JOBS} jobs drained in ${drainS.toFixed(1)} s (${(JOBS / drainS).toFixed(2)} jobs/s; submission took ${submittedS.toFixed(1)} s; limit ${DRAIN_LIMIT_S} s)`,
    });

    // A few results, to prove "succeeded" means a readable result.
    const done = accepted.filter((j) => j.status === 'succeeded').slice(0, RESULTS_FETCHED);
    for (const job of done)
      await result.fetch(`/api/jobs/${job.id}/result`, { headers: bearer(job.token) }, 30_000);

    return {
      streams: [submit.result(), poll.result(), ...(done.length ? [result.result()] : [])],
      checks,
      skipped: done.length ? [] : [{ stream: 'result', reason: 'no job succeeded' }],
    };
  },
};
