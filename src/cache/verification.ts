// Who may make the Worker ask ACE about a token it has no proof for, and what ACE last refused.
// A caller without an access proof is unproven: its verification is admitted only within a budget
// per client address (the VERIFY_RATE_LIMITER binding) and a cap on verifications in flight in
// the isolate; and a token ACE refused is answered from memory for a while. Proven callers never
// come here. Owns the budget and the memory, not the proof (site-access.ts).
import { type AppError, err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { createByteLru } from './byte-lru.ts';

/** ACE's answers that are about the token, not about ACE: what the refusal memory keeps. */
export type Refusal = Extract<AppError, { kind: 'unauthorized' | 'forbidden' | 'not_found' }>;

export function isRefusal(error: AppError): error is Refusal {
  return error.kind === 'unauthorized' || error.kind === 'forbidden' || error.kind === 'not_found';
}

/** ACE's recent refusals, per principal and site (a 401 is about the token: every site). */
export interface RefusalMemory {
  recall(principal: string, site: string, now: number): Refusal | undefined;
  remember(principal: string, site: string, refusal: Refusal, until: number): void;
}

/** Any token, any site: an LRU of this many refusals, each a few hundred bytes at most. */
export const REFUSAL_MEMORY_ENTRIES = 10_000;

/** Creates an empty memory. It only ever answers with a refusal ACE gave. */
export function createRefusalMemory(maxEntries = REFUSAL_MEMORY_ENTRIES): RefusalMemory {
  const lru = createByteLru<{ refusal: Refusal; expiresAt: number }>({
    maxBytes: maxEntries,
    sizeOf: () => 1,
  });
  const keyOf = (principal: string, site: string) => `${principal}\n${site}`;
  return {
    recall: (principal, site, now) =>
      (lru.get(keyOf(principal, '*'), now) ?? lru.get(keyOf(principal, site), now))?.refusal,
    remember(principal, site, refusal, until) {
      const scope = refusal.kind === 'unauthorized' ? '*' : site;
      lru.set(keyOf(principal, scope), { refusal, expiresAt: until });
    },
  };
}

/** Verifications in flight in the isolate (shared by its invocations). */
export interface InFlight {
  count: number;
}

export interface VerificationBudget {
  /**
   * Admits one verification of an unproven caller: ok with a release to call when it is done, or
   * rate_limited. `address` undefined: not a client's request (a cron's or a job's own token).
   */
  admit(address: string | undefined): Promise<Result<() => void>>;
}

export interface VerificationBudgetOptions {
  /** The VERIFY_RATE_LIMITER binding, keyed by client address. */
  limiter: RateLimit;
  /** Its period (seconds): the Retry-After of a caller over its address's budget. */
  periodS: number;
  /** Most verifications in flight in one isolate. */
  maxInFlight: number;
  inFlight: InFlight;
  log: Logger;
}

/** Creates the budget. A limiter that fails admits (logged), like the other rate limits. */
export function createVerificationBudget(options: VerificationBudgetOptions): VerificationBudget {
  const { limiter, inFlight, log } = options;
  const release = () => {
    inFlight.count = Math.max(0, inFlight.count - 1);
  };
  return {
    async admit(address) {
      if (address !== undefined && inFlight.count >= options.maxInFlight) {
        return err({
          kind: 'rate_limited',
          message: 'too many token verifications at once',
          retryAfterSeconds: 1,
        });
      }
      // The place is taken before the limiter is asked, so concurrent callers cannot all pass the
      // check while each waits for its answer.
      inFlight.count++;
      let released = false;
      const done = () => {
        if (!released) release();
        released = true;
      };
      if (address !== undefined) {
        try {
          const { success } = await limiter.limit({ key: `verify:${address}` });
          if (!success) {
            done();
            return err({
              kind: 'rate_limited',
              message: 'too many new tokens from this address',
              retryAfterSeconds: options.periodS,
            });
          }
        } catch (e) {
          log.warn('verify_limiter_failed', describeError(e));
        }
      }
      return ok(done);
    },
  };
}
