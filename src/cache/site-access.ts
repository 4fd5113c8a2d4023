// The shared cache's gate: a principal may receive cached data for a site only if ACE accepted
// that principal's token for that site within the last few minutes (site_access); otherwise ACE is
// asked once (`GET /sites/{site}`) and the answer recorded. Authorization is per principal even
// though the cache is shared. Owns the proof, not the ACE call (injected as `verify`).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { stmt } from '../db/sql.ts';
import { ok, type Result } from '../errors.ts';

/** How long ACE's "yes" is trusted. */
export const ACCESS_PROOF_MAX_AGE_MS = 5 * 60_000;

/** Asks ACE whether this token may read this site (any failure is the answer "no", as a value). */
export type VerifySiteAccess = (token: string, site: string) => Promise<Result<unknown>>;

export interface SiteAccess {
  /** ok when the principal may read the site's cached data; else ACE's refusal (401/403/404/...). */
  ensure(principal: string, token: string, site: string): Promise<Result<{ verified: 'recent' | 'now' }>>;
}

export interface SiteAccessOptions {
  db: Db;
  clock: Clock;
  verify: VerifySiteAccess;
  maxAgeMs?: number;
}

/** Creates the gate. A failed record write never denies access ACE just granted. */
export function createSiteAccess(options: SiteAccessOptions): SiteAccess {
  const { db, clock, verify } = options;
  const maxAgeMs = options.maxAgeMs ?? ACCESS_PROOF_MAX_AGE_MS;
  return {
    async ensure(principal, token, site) {
      const now = clock.now();
      const proof = await db.first<{ verified_at: number }>(
        'site_access.get',
        stmt('SELECT verified_at FROM site_access WHERE principal = ? AND site = ?', principal, site),
      );
      if (
        proof.ok &&
        proof.value &&
        proof.value.verified_at > now - maxAgeMs &&
        proof.value.verified_at <= now
      ) {
        return ok({ verified: 'recent' as const });
      }
      const answer = await verify(token, site);
      if (!answer.ok) {
        // A refusal withdraws any older proof, so a revoked token stops reading at once.
        await db.run(
          'site_access.revoke',
          stmt('DELETE FROM site_access WHERE principal = ? AND site = ?', principal, site),
        );
        return answer;
      }
      await db.run(
        'site_access.record',
        stmt(
          `INSERT INTO site_access (principal, site, verified_at) VALUES (?, ?, ?)
           ON CONFLICT (principal, site) DO UPDATE SET verified_at = excluded.verified_at`,
          principal,
          site,
          now,
        ),
      );
      return ok({ verified: 'now' as const });
    },
  };
}
