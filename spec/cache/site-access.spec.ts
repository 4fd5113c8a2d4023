// The shared cache's gate against the real D1, with ACE's answers from the synthetic ACE (msw):
// a fresh proof skips ACE, an old one asks again, refusals are returned and withdraw the proof.
import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_PROOF_MAX_AGE_MS,
  createSiteAccess,
  type VerifySiteAccess,
} from '../../src/cache/site-access.ts';
import type { Clock } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { type AppError, err, ok } from '../../src/errors.ts';
import { createLogger } from '../../src/obs/log.ts';
import { aceFetch, aceMock } from '../support/ace.ts';

let now = Date.UTC(2026, 0, 10);
const clock: Clock = { now: () => now };
const db = createDb({ db: env.DB, clock, log: createLogger({}, () => {}) });

/** Asks the synthetic ACE, as the real client does: GET /sites/{site} with the caller's token. */
const verify: VerifySiteAccess = async (token, site) => {
  const res = await aceFetch(`/sites/${encodeURIComponent(site)}`, { token });
  await res.body?.cancel();
  if (res.ok) return ok(true);
  const kinds: Record<number, AppError['kind']> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };
  return err({ kind: kinds[res.status] ?? 'upstream_error', message: `ACE said ${res.status}` } as AppError);
};
const access = createSiteAccess({ db, clock, verify });
const siteCalls = () => aceMock.stats().requests.site ?? 0;

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM site_access').run();
  now = Date.UTC(2026, 0, 10);
});

describe('site access', () => {
  it('asks ACE once, then trusts the proof for five minutes', async () => {
    expect(await access.ensure('p-a', 'token-a', 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
    now += ACCESS_PROOF_MAX_AGE_MS - 1;
    expect(await access.ensure('p-a', 'token-a', 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'recent' },
    });
    expect(siteCalls()).toBe(1);
  });

  it('asks ACE again once the proof is five minutes old', async () => {
    await access.ensure('p-a', 'token-a', 'demo-small');
    now += ACCESS_PROOF_MAX_AGE_MS;
    expect(await access.ensure('p-a', 'token-a', 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
    expect(siteCalls()).toBe(2);
  });

  it("does not lend one principal's proof to another", async () => {
    await access.ensure('p-a', 'token-a', 'demo-small');
    expect(await access.ensure('p-b', 'forbidden-b', 'demo-small')).toMatchObject({
      ok: false,
      error: { kind: 'forbidden' },
    });
    expect(await access.ensure('p-c', 'invalid-c', 'demo-small')).toMatchObject({
      ok: false,
      error: { kind: 'unauthorized' },
    });
  });

  it('does not lend a proof for one site to another site', async () => {
    await access.ensure('p-a', 'token-a', 'demo-small');
    expect(await access.ensure('p-a', 'token-a', 'no-such-site')).toMatchObject({
      ok: false,
      error: { kind: 'not_found' },
    });
  });

  it('withdraws an old proof when ACE refuses', async () => {
    await access.ensure('p-d', 'token-d', 'demo-small');
    now += ACCESS_PROOF_MAX_AGE_MS;
    const refusing: VerifySiteAccess = async () => err({ kind: 'forbidden', message: 'revoked' });
    const gate = createSiteAccess({ db, clock, verify: refusing });
    expect((await gate.ensure('p-d', 'token-d', 'demo-small')).ok).toBe(false);
    const row = await env.DB.prepare("SELECT * FROM site_access WHERE principal = 'p-d'").first();
    expect(row).toBeNull();
  });

  it('does not trust a proof dated in the future', async () => {
    await env.DB.prepare(
      "INSERT INTO site_access (principal, site, verified_at) VALUES ('p-f', 'demo-small', ?)",
    )
      .bind(now + 3_600_000)
      .run();
    expect(await access.ensure('p-f', 'token-f', 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
  });
});
