// The shared cache's gate: a principal may receive cached data for a site only if ACE accepted
// that principal's token for that site within the last few minutes. The proof is remembered in
// the isolate (a bounded LRU, never past the proof's own age limit) and stored in D1
// (site_access) for other isolates; ACE is asked (`GET /sites/{site}`) only when neither has one,
// ACE has not refused the token lately, and the unproven caller's budget allows (verification.ts).
// A refusal withdraws the proof from both at once. Owns the proof, not the ACE call (`verify`).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { type Statement, stmt } from '../db/sql.ts';
import { err, ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { Caller } from '../requests.ts';
import { isRefusal, type RefusalMemory, type VerificationBudget } from './verification.ts';

/** How long ACE's "yes" is trusted. */
export const ACCESS_PROOF_MAX_AGE_MS = 5 * 60_000;

/** Asks ACE whether this token may read this site (any failure is the answer "no", as a value). */
export type VerifySiteAccess = (token: string, site: string) => Promise<Result<unknown>>;

/** Where a granted access came from. */
export type AccessSource = 'memory' | 'stored' | 'now';

/** The isolate's memory of proofs: when ACE said yes, per (principal, site). */
export interface ProofMemory {
  /** verified_at of a remembered proof younger than maxAgeMs, else undefined. */
  get(principal: string, site: string, now: number): number | undefined;
  set(principal: string, site: string, verifiedAt: number): void;
  delete(principal: string, site: string): void;
}

/** Creates a bounded memory: the least recently used proof goes first. */
export function createProofMemory(options: { maxEntries: number; maxAgeMs?: number }): ProofMemory {
  const maxAgeMs = options.maxAgeMs ?? ACCESS_PROOF_MAX_AGE_MS;
  const proofs = new Map<string, number>();
  // The principal is a fixed-length hex hash, so this key cannot collide across (principal, site).
  const keyOf = (principal: string, site: string) => `${principal}\n${site}`;
  return {
    get(principal, site, now) {
      const key = keyOf(principal, site);
      const at = proofs.get(key);
      if (at === undefined) return undefined;
      if (!isFresh(at, now, maxAgeMs)) {
        proofs.delete(key);
        return undefined;
      }
      proofs.delete(key);
      proofs.set(key, at);
      return at;
    },
    set(principal, site, verifiedAt) {
      const key = keyOf(principal, site);
      proofs.delete(key);
      proofs.set(key, verifiedAt);
      for (const oldest of proofs.keys()) {
        if (proofs.size <= options.maxEntries) break;
        proofs.delete(oldest);
      }
    },
    delete(principal, site) {
      proofs.delete(keyOf(principal, site));
    },
  };
}

/** A proof verified at `at` still holds at `now` (a proof from the future is no proof). */
function isFresh(at: number, now: number, maxAgeMs: number): boolean {
  return at > now - maxAgeMs && at <= now;
}

export interface SiteAccess {
  /** Whether the isolate remembers a fresh proof: then ensure() needs no I/O at all. */
  remembered(principal: string, site: string): boolean;
  /** Reads the stored proof; run it in the caller's own D1 batch and pass the row to ensure(). */
  proofStatement(principal: string, site: string): Statement;
  /**
   * ok when the principal may read the site's cached data; else ACE's refusal (401/403/404/...).
   * `stored`: the row proofStatement read (null when none), so the caller's batch is the only
   * D1 round trip; omitted, ensure reads it itself when the isolate has no proof.
   */
  ensure(
    caller: Caller,
    site: string,
    stored?: { verified_at: number } | null,
  ): Promise<Result<{ verified: AccessSource }>>;
}

export interface SiteAccessOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  verify: VerifySiteAccess;
  /** The isolate's proofs (isolate.ts); shared by every invocation of the isolate. */
  memory: ProofMemory;
  /** Runs writes after the response (ctx.waitUntil): recording a proof is not on the read path. */
  defer: (work: Promise<unknown>) => void;
  maxAgeMs?: number;
  /** ACE's recent refusals (isolate.ts), and how long one is answered without asking again. */
  refusals: RefusalMemory;
  refusalTtlMs: number;
  /** The budget an unproven caller's verification draws on. */
  budget: VerificationBudget;
}

/** Creates the gate. A failed record write never denies access ACE just granted. */
export function createSiteAccess(options: SiteAccessOptions): SiteAccess {
  const { db, clock, log, verify, memory } = options;
  const maxAgeMs = options.maxAgeMs ?? ACCESS_PROOF_MAX_AGE_MS;
  const proofStatement = (principal: string, site: string) =>
    stmt('SELECT verified_at FROM site_access WHERE principal = ? AND site = ?', principal, site);

  const readStored = async (principal: string, site: string) => {
    const row = await db.first<{ verified_at: number }>('site_access.get', proofStatement(principal, site));
    // D1 failing is no refusal: ACE, the proof's source, is asked instead.
    if (!row.ok) log.warn('site_access.read_failed', { kind: row.error.kind });
    return row.ok ? row.value : null;
  };

  return {
    remembered: (principal, site) => memory.get(principal, site, clock.now()) !== undefined,
    proofStatement,
    async ensure(caller, site, stored) {
      const { principal, token } = caller;
      const now = clock.now();
      if (memory.get(principal, site, now) !== undefined) return ok({ verified: 'memory' as const });
      const row = stored === undefined ? await readStored(principal, site) : stored;
      if (row && isFresh(row.verified_at, now, maxAgeMs)) {
        // Remembered for the rest of the stored proof's life, never longer.
        memory.set(principal, site, row.verified_at);
        return ok({ verified: 'stored' as const });
      }
      const refused = options.refusals.recall(principal, site, now);
      if (refused) return err(refused);
      const admitted = await options.budget.admit(caller.address);
      if (!admitted.ok) return admitted;
      let answer: Result<unknown>;
      try {
        answer = await verify(token, site);
      } finally {
        admitted.value();
      }
      if (!answer.ok) {
        if (isRefusal(answer.error))
          options.refusals.remember(principal, site, answer.error, now + options.refusalTtlMs);
        // A refusal withdraws any older proof at once, here and for every isolate.
        memory.delete(principal, site);
        await db.run(
          'site_access.revoke',
          stmt('DELETE FROM site_access WHERE principal = ? AND site = ?', principal, site),
        );
        return answer;
      }
      memory.set(principal, site, now);
      options.defer(
        db.run(
          'site_access.record',
          stmt(
            `INSERT INTO site_access (principal, site, verified_at) VALUES (?, ?, ?)
             ON CONFLICT (principal, site) DO UPDATE SET verified_at = excluded.verified_at`,
            principal,
            site,
            now,
          ),
        ),
      );
      return ok({ verified: 'now' as const });
    },
  };
}
