// Builders specs share: the Worker's own services over real bindings with the parts a spec sets
// (clock, ACE verdicts, limits), so no spec re-implements one. Owns construction only.
import { env } from 'cloudflare:test';
import {
  createProofMemory,
  createSiteAccess,
  type SiteAccess,
  type VerifySiteAccess,
} from '../../src/cache/site-access.ts';
import { createRefusalMemory, createVerificationBudget } from '../../src/cache/verification.ts';
import type { Clock } from '../../src/clock.ts';
import { createDb, type Db } from '../../src/db/d1.ts';
import { createLogger, type Logger } from '../../src/obs/log.ts';

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
