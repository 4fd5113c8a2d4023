// Builders specs share, so no spec re-implements one: the Worker's own services over real bindings
// with the parts a spec sets (clock, ACE verdicts, limits), a job request any store accepts, a
// real queue binding that records what is sent through it, and the truth a read must serve. Owns
// construction only. Imports the Workers runtime's env, so its users run in workerd.
import { env } from 'cloudflare:workers';
import { samplesFor } from '../../fixtures/ace/generator.ts';
import {
  createProofMemory,
  createSiteAccess,
  type SiteAccess,
  type VerifySiteAccess,
} from '../../src/cache/site-access.ts';
import { createRefusalMemory, createVerificationBudget } from '../../src/cache/verification.ts';
import { type Clock, randomId } from '../../src/clock.ts';
import { createDb, type Db } from '../../src/db/d1.ts';
import type { NewJob } from '../../src/jobs/store.ts';
import { createLogger, type Logger } from '../../src/obs/log.ts';
import { servedSeries } from './served.ts';

export interface SiteAccessParts {
  clock: Clock;
  verify: VerifySiteAccess;
  db?: Db;
  log?: Logger;
  /** The budget's limiter (default the suite's VERIFY_RATE_LIMITER, which never refuses). */
  limiter?: RateLimit;
  maxInFlight?: number;
  refusalTtlMs?: number;
  /** Proof writes deferred after the response; default: written at once. */
  defer?: (work: Promise<unknown>) => void;
}

/** A site-access gate as one isolate has it: its own proofs, refusals and budget. */
export function siteAccessFor(parts: SiteAccessParts): SiteAccess {
  const log = parts.log ?? createLogger({}, () => {});
  return createSiteAccess({
    db: parts.db ?? createDb({ db: env.DB, clock: parts.clock, log }),
    clock: parts.clock,
    log,
    verify: parts.verify,
    memory: createProofMemory({ maxEntries: 1_000 }),
    defer: parts.defer ?? (() => {}),
    refusals: createRefusalMemory(),
    refusalTtlMs: parts.refusalTtlMs ?? 60_000,
    budget: createVerificationBudget({
      limiter: parts.limiter ?? env.VERIFY_RATE_LIMITER,
      periodS: 60,
      maxInFlight: parts.maxInFlight ?? 16,
      inFlight: { count: 0 },
      log,
    }),
  });
}

/**
 * A job request any store accepts, for a principal and request key of its own: one point over one
 * hour of demo-small, normal priority, 3 attempts, no estimate. A spec overrides what it is about.
 */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    principal: `p-${randomId()}`,
    site: 'demo-small',
    requestKey: randomId().replace(/-/g, ''),
    request: { points: ['a/b'], start: 0, end: 3_600_000, interval: 'raw', layout: 'columns' },
    priority: 'normal',
    maxAttempts: 3,
    estimatedSamples: null,
    ...overrides,
  };
}

/** A real queue binding behind a wrapper that records each body sent and can be made to throw. */
export interface RecordingQueue {
  /** What the code under test is given in place of the binding. */
  queue: Queue;
  /** Every body the real binding accepted, in order. */
  sent: unknown[];
  /** While true, send() throws an injected fault and sends nothing. */
  failing: boolean;
}

/** Wraps `real`; `onSent` also hears of each body the binding accepted (a file-wide tally). */
export function recordingQueue(real: Queue, onSent?: (body: unknown) => void): RecordingQueue {
  const state: RecordingQueue = { queue: real, sent: [], failing: false };
  state.queue = new Proxy(real, {
    get(target, prop) {
      if (prop === 'send') {
        return async (body: unknown, options?: QueueSendOptions) => {
          if (state.failing) throw new Error('injected queue fault');
          const response = await target.send(body, options);
          state.sent.push(body);
          onSent?.(body);
          return response;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return state;
}

/**
 * Messages a spec signs with its own key still reach the Worker's queue() handler through the real
 * local queues, which refuses each and records a rejection. Waits until `sent()` rejections are
 * recorded (or 15 s pass), so no delivery is still running when vitest tears the runtime down:
 * call it from the file's afterAll.
 */
export async function drainRejections(sent: () => number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const row = await env.DB.prepare('SELECT count(*) AS n FROM queue_rejections').first<{ n: number }>();
    if ((row?.n ?? 0) >= sent()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What a read of one point must serve over [startMs, endMs): the synthetic ACE's samples for it,
 * as spec/support/served.ts serves them (built independently of src/ace/parse.ts).
 */
export function truth(
  site: string,
  point: string,
  startMs: number,
  endMs: number,
): { t: number[]; v: number[] } {
  const { t, v } = servedSeries(samplesFor(site, point, startMs, endMs));
  return { t, v };
}
