// Fault matrix, read entry points (docs/RELIABILITY.md): a direct (cold) read and a cached (warm)
// read of GET /api/sites/{site}/timeseries through the real app, with ACE faults from the synthetic
// ACE and R2 / D1 / Queue faults from wrappers around the real bindings. Each row states the
// outcome: the generator's exact data (degraded but correct), or a clean error with its status and
// code; and after every row nothing half-written is readable from the cache.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import type { AceFaultSpec } from '../../fixtures/ace/faults.ts';
import type { ERROR_CODES } from '../../src/http/to-http.ts';
import { type ErrorJson, harness } from '../http/harness.ts';
import { aceMock } from '../support/ace.ts';
import { truth } from '../support/builders.ts';
import { expectCacheConsistent } from '../support/consistency.ts';
import {
  createFaultPlan,
  type D1Op,
  faultyD1,
  faultyQueue,
  faultyR2,
  type QueueOp,
  type R2Op,
} from '../support/faults.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 6, 1);
const small = sitePoints('demo-small').filter((p) => p.point.collect_enabled);
const names = small.slice(0, 3).map((p) => p.point.name);
const DATA_ROUTES: AceFaultSpec['routes'] = ['get_timeseries', 'paginated'];

interface Body {
  series: { point: string; t: number[]; v: number[] }[];
  meta: { samples: number; cache: string };
}

let seq = 0;
/** A fresh token and a fresh two-day window per row: no row sees another's cache or proofs. */
function fresh() {
  seq++;
  return {
    token: `faults-read-${seq}-${crypto.randomUUID()}`,
    start: D0 + seq * 3 * DAY,
    end: D0 + (seq * 3 + 2) * DAY,
  };
}

/** What a row may change: bindings and vars of the faulted request, and ACE's fault plan. */
interface Faults {
  env?: Partial<Env>;
  ace?: AceFaultSpec;
}

type Outcome = { status: 200; cache: string } | { status: number; code: (typeof ERROR_CODES)[number] };

interface Row {
  dependency: 'ACE' | 'R2' | 'D1' | 'Queue';
  fault: string;
  faults: () => Faults;
  outcome: Outcome;
  /** Chunks of the window stored afterwards, when the default (2 for ACE and Queue rows, else 0) differs. */
  stored?: number;
}

// A private breaker per request (the isolate's is shared by every spec of the file): an injected
// clock gives createServices its own upstream state, so a row's failures never open it for the next.
const isolated = { services: { clock: { now: () => Date.now() } } };

async function read(token: string, start: number, end: number, faults: Faults = {}) {
  if (faults.ace) aceMock.setFaults(faults.ace);
  const h = harness({ ...isolated, ...(faults.env ? { env: faults.env } : {}) });
  const q = new URLSearchParams({ points: names.join(','), start: String(start), end: String(end) });
  const res = await h.fetch(`/api/sites/demo-small/timeseries?${q}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  aceMock.clearFaults();
  return { res, logs: h.logs };
}

async function expectOutcome(res: Response, outcome: Outcome, start: number, end: number) {
  const text = await res.text();
  expect({ status: res.status, text: res.status === outcome.status ? '' : text }).toEqual({
    status: outcome.status,
    text: '',
  });
  if (outcome.status === 200 && 'cache' in outcome) {
    expect(res.headers.get('x-cache')).toBe(outcome.cache);
    const body = JSON.parse(text) as Body;
    expect(body.series.map((s) => s.point)).toEqual(names);
    for (const s of body.series) {
      const want = truth('demo-small', s.point, start, end);
      expect(s.t).toEqual(want.t);
      expect(s.v).toEqual(want.v);
    }
    return;
  }
  if (!('code' in outcome)) return;
  const body = JSON.parse(text) as ErrorJson;
  expect(body.error.code).toBe(outcome.code);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'request_id']);
  // Generic messages: nothing of ACE's or R2's or D1's own text reaches the client.
  expect(text).not.toMatch(/<html|Service Unavailable|Too Many|injected|SELECT|at .*\.ts/i);
  if (outcome.status === 429 || outcome.status === 503)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
}

const rowsCached = async (start: number, end: number) =>
  (
    await env.DB.prepare(
      "SELECT count(*) AS n FROM cache_entries WHERE site = 'demo-small' AND chunk_start >= ? AND chunk_start < ?",
    )
      .bind(start, end)
      .first<{ n: number }>()
  )?.n ?? 0;

const ace =
  (spec: AceFaultSpec): (() => Faults) =>
  () => ({ ace: spec });
const timeout =
  (spec: Omit<AceFaultSpec, 'delay_ms'> = {}): (() => Faults) =>
  () => ({
    env: { ACE_TIMEOUT_MS: '250' },
    ace: { delay_ms: 1_500, ...spec },
  });
/** R2 failing at `op`; `memory: false` also turns the isolate's memory tier off, so R2 is read. */
function r2(op: R2Op, memory = true): () => Faults {
  return () => {
    const plan = createFaultPlan<R2Op>();
    plan.set(op, { kind: 'error', message: `injected r2 ${op} fault` });
    return { env: { CACHE: faultyR2(env.CACHE, plan), ...(memory ? {} : { CHUNK_MEMORY_MAX_BYTES: '0' }) } };
  };
}
function d1(kind: 'error' | 'hang'): () => Faults {
  return () => {
    const plan = createFaultPlan<D1Op>();
    for (const op of ['first', 'all', 'run', 'raw', 'batch', 'exec'] as const) {
      plan.set(
        op,
        kind === 'error' ? { kind: 'error', message: 'injected d1 fault SELECT 1' } : { kind: 'hang' },
      );
    }
    return { env: { DB: faultyD1(env.DB, plan), D1_TIMEOUT_MS: '150' } };
  };
}
function queue(): () => Faults {
  return () => {
    const plan = createFaultPlan<QueueOp>();
    plan.set('send', { kind: 'error', message: 'injected queue fault' });
    plan.set('sendBatch', { kind: 'error', message: 'injected queue fault' });
    return { env: { JOBS: faultyQueue(env.JOBS, plan), JOBS_HIGH: faultyQueue(env.JOBS_HIGH, plan) } };
  };
}

afterEach(async () => {
  aceMock.clearFaults();
  await expectCacheConsistent();
});

// Direct (cold) read: nothing cached for the window yet.
const direct: Row[] = [
  {
    dependency: 'ACE',
    fault: 'timeout on every data call',
    faults: timeout({ routes: DATA_ROUTES }),
    outcome: { status: 504, code: 'upstream_timeout' },
  },
  {
    dependency: 'ACE',
    fault: 'timeout on the first data call only (never retried: spec/ace/client.spec.ts)',
    faults: timeout({ routes: DATA_ROUTES, count: 1 }),
    outcome: { status: 504, code: 'upstream_timeout' },
  },
  {
    dependency: 'ACE',
    fault: '429 on every data call',
    faults: ace({ status: 429, routes: DATA_ROUTES }),
    outcome: { status: 429, code: 'rate_limited' },
  },
  {
    dependency: 'ACE',
    fault: '429 once, then answers',
    faults: ace({ status: 429, routes: DATA_ROUTES, count: 1 }),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'ACE',
    fault: '503 on every data call',
    faults: ace({ status: 503, routes: DATA_ROUTES }),
    outcome: { status: 502, code: 'upstream_error' },
  },
  {
    dependency: 'ACE',
    fault: '500 once, then answers',
    faults: ace({ status: 500, routes: DATA_ROUTES, count: 1 }),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'ACE',
    fault: 'HTML 502 page on every data call',
    faults: ace({ html: true, routes: DATA_ROUTES }),
    outcome: { status: 502, code: 'upstream_error' },
  },
  {
    dependency: 'ACE',
    fault: 'HTML page once, then answers',
    faults: ace({ html: true, routes: DATA_ROUTES, count: 1 }),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'ACE',
    fault: 'truncated 200 body on every data call',
    faults: ace({ truncate: true, routes: DATA_ROUTES }),
    outcome: { status: 502, code: 'upstream_error' },
  },
  {
    dependency: 'ACE',
    fault: 'truncated body once, then answers',
    faults: ace({ truncate: true, routes: DATA_ROUTES, count: 1 }),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'ACE',
    fault: 'timeout on the access check (site route)',
    faults: timeout({ routes: ['site'] }),
    outcome: { status: 504, code: 'upstream_timeout' },
  },
  {
    dependency: 'ACE',
    fault: '503 on the access check (site route)',
    faults: ace({ status: 503, routes: ['site'] }),
    outcome: { status: 502, code: 'upstream_error' },
  },
  {
    dependency: 'ACE',
    fault: 'every data call 300 ms slow, within ACE_TIMEOUT_MS',
    faults: ace({ delay_ms: 300, routes: DATA_ROUTES }),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'D1',
    fault: 'every statement 40 ms slow, within D1_TIMEOUT_MS',
    faults: () => {
      const plan = createFaultPlan<D1Op>();
      for (const op of ['first', 'all', 'run', 'raw', 'batch'] as const)
        plan.set(op, { kind: 'delay', ms: 40 });
      return { env: { DB: faultyD1(env.DB, plan) } };
    },
    outcome: { status: 200, cache: 'MISS' },
    stored: 2,
  },
  { dependency: 'R2', fault: 'put fails', faults: r2('put'), outcome: { status: 200, cache: 'MISS' } },
  {
    dependency: 'R2',
    fault: 'get and put fail',
    faults: () => {
      const plan = createFaultPlan<R2Op>();
      plan.set('get', { kind: 'error' });
      plan.set('put', { kind: 'error' });
      return { env: { CACHE: faultyR2(env.CACHE, plan) } };
    },
    outcome: { status: 200, cache: 'BYPASS' },
  },
  {
    dependency: 'D1',
    fault: 'every statement errors',
    faults: d1('error'),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'D1',
    fault: 'every statement hangs past D1_TIMEOUT_MS',
    faults: d1('hang'),
    outcome: { status: 200, cache: 'MISS' },
  },
  {
    dependency: 'Queue',
    fault: 'send throws (the read path never sends)',
    faults: queue(),
    outcome: { status: 200, cache: 'MISS' },
  },
];

// Cached (warm) read: the window was served and stored once without faults first.
const cached: Row[] = [
  {
    dependency: 'ACE',
    fault: 'timeout on every call',
    faults: timeout(),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'ACE',
    fault: '429 on every call',
    faults: ace({ status: 429 }),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'ACE',
    fault: '503 on every call',
    faults: ace({ status: 503 }),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'ACE',
    fault: 'HTML page on every call',
    faults: ace({ html: true }),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'ACE',
    fault: 'truncated body on every call',
    faults: ace({ truncate: true }),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'R2',
    fault: 'get fails while the isolate holds the chunks (memory tier)',
    faults: r2('get'),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'R2',
    fault: 'get fails, no memory tier (served from ACE)',
    faults: r2('get', false),
    outcome: { status: 200, cache: 'BYPASS' },
  },
  {
    dependency: 'R2',
    fault: 'get fails, no memory tier, and ACE answers 503',
    faults: () => ({ ...r2('get', false)(), ace: { status: 503, routes: DATA_ROUTES } }),
    outcome: { status: 502, code: 'upstream_error' },
  },
  {
    dependency: 'R2',
    fault: 'put fails (a hit writes nothing)',
    faults: r2('put'),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'D1',
    fault: 'every statement errors',
    faults: d1('error'),
    outcome: { status: 200, cache: 'HIT' },
  },
  {
    dependency: 'D1',
    fault: 'every statement hangs past D1_TIMEOUT_MS',
    faults: d1('hang'),
    outcome: { status: 200, cache: 'HIT' },
  },
  { dependency: 'Queue', fault: 'send throws', faults: queue(), outcome: { status: 200, cache: 'HIT' } },
];

const label = (r: Row) =>
  `${r.dependency}: ${r.fault} → ${r.outcome.status} ${'code' in r.outcome ? r.outcome.code : r.outcome.cache}`;

describe('fault matrix: direct read', () => {
  it.each(direct.map((r) => [label(r), r] as const))('%s', async (_, row) => {
    const { token, start, end } = fresh();
    const { res } = await read(token, start, end, row.faults());
    await expectOutcome(res, row.outcome, start, end);
    // An error stores nothing for the window; a degraded answer stores only what R2 and D1 took.
    const stored =
      row.stored ??
      (row.outcome.status !== 200 || row.dependency === 'R2' || row.dependency === 'D1' ? 0 : 2);
    expect(await rowsCached(start, end)).toBe(stored);
  });
});

describe('fault matrix: cached read', () => {
  it.each(cached.map((r) => [label(r), r] as const))('%s', async (_, row) => {
    const { token, start, end } = fresh();
    const warm = await read(token, start, end);
    expect(warm.res.status).toBe(200);
    expect(await rowsCached(start, end)).toBe(2);
    const { res } = await read(token, start, end, row.faults());
    await expectOutcome(res, row.outcome, start, end);
    // The cached entries survive every fault: nothing is forgotten because a dependency failed.
    expect(await rowsCached(start, end)).toBe(2);
  });
});
