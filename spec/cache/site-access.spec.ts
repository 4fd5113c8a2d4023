// The shared cache's gate against the real D1, with ACE's answers from the synthetic ACE (msw):
// a fresh proof skips ACE (from the isolate's memory, or from D1 in another isolate), an old one
// asks again, refusals are returned and withdraw the proof from memory and D1 at once, and the
// isolate never remembers a proof longer than the proof itself holds.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_PROOF_MAX_AGE_MS,
  createProofMemory,
  createSiteAccess,
  type ProofMemory,
  type VerifySiteAccess,
} from '../../src/cache/site-access.ts';
import { createRefusalMemory } from '../../src/cache/verification.ts';
import type { Clock } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { type AppError, err, ok } from '../../src/errors.ts';
import { createLogger } from '../../src/obs/log.ts';
import { aceFetch, aceMock } from '../support/ace.ts';

let now = Date.UTC(2026, 0, 10);
const clock: Clock = { now: () => now };
const log = createLogger({}, () => {});
const db = createDb({ db: env.DB, clock, log });

/** Asks the synthetic ACE, as the real client does: GET /sites/{site} with the caller's token. */
const verify: VerifySiteAccess = async (token, site) => {
  const res = await aceFetch(`/sites/${encodeURIComponent(site)}`, { token });
  await res.body?.cancel();
  if (res.ok) return ok(true);
  const kinds: Record<number, AppError['kind']> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };
  return err({ kind: kinds[res.status] ?? 'upstream_error', message: `ACE said ${res.status}` } as AppError);
};

/** A gate as one isolate has it: its own proof memory and refusals; proof records deferred. */
function isolate(options: { verify?: VerifySiteAccess; memory?: ProofMemory } = {}) {
  const deferred: Promise<unknown>[] = [];
  const gate = createSiteAccess({
    db,
    clock,
    log,
    verify: options.verify ?? verify,
    memory: options.memory ?? createProofMemory({ maxEntries: 100 }),
    defer: (work) => deferred.push(work),
    refusals: createRefusalMemory(),
    refusalTtlMs: 60_000,
    budget: unlimited,
  });
  return { gate, settle: () => Promise.all(deferred) };
}

const caller = (principal: string, token: string) => ({ principal, token });
/** Verifications are budgeted elsewhere (spec/cache/verification.spec.ts); here every one is admitted. */
const unlimited = { admit: async () => ok(() => {}) };
const siteCalls = () => aceMock.stats().requests.site ?? 0;

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM site_access').run();
  now = Date.UTC(2026, 0, 10);
});

describe('site access', () => {
  it('asks ACE once, then trusts the proof from memory for five minutes', async () => {
    const { gate } = isolate();
    expect(await gate.ensure(caller('p-a', 'token-a'), 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
    now += ACCESS_PROOF_MAX_AGE_MS - 1;
    expect(gate.remembered('p-a', 'demo-small')).toBe(true);
    expect(await gate.ensure(caller('p-a', 'token-a'), 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'memory' },
    });
    expect(siteCalls()).toBe(1);
  });

  it("lets another isolate use the stored proof, and remembers it only for the proof's remaining life", async () => {
    const first = isolate();
    await first.gate.ensure(caller('p-a', 'token-a'), 'demo-small');
    await first.settle();
    now += 60_000;
    const second = isolate();
    expect(second.gate.remembered('p-a', 'demo-small')).toBe(false);
    expect(await second.gate.ensure(caller('p-a', 'token-a'), 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'stored' },
    });
    expect(second.gate.remembered('p-a', 'demo-small')).toBe(true);
    // Verified a minute before the second isolate learnt of it: it expires for both at once.
    now += ACCESS_PROOF_MAX_AGE_MS - 60_000;
    expect(second.gate.remembered('p-a', 'demo-small')).toBe(false);
    expect(siteCalls()).toBe(1);
  });

  it('takes the stored proof its caller read in its own batch, reading nothing itself', async () => {
    const { gate } = isolate({ verify: async () => err({ kind: 'forbidden', message: 'no' }) });
    const fresh = await gate.ensure(caller('p-s', 't'), 'demo-small', { verified_at: now - 1_000 });
    expect(fresh).toEqual({ ok: true, value: { verified: 'stored' } });
    // None stored (null): ACE decides, and here it refuses.
    const none = await isolate({ verify: async () => err({ kind: 'forbidden', message: 'no' }) }).gate.ensure(
      caller('p-s', 't'),
      'demo-small',
      null,
    );
    expect(none).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
  });

  it('asks ACE again once the proof is five minutes old', async () => {
    const { gate } = isolate();
    await gate.ensure(caller('p-a', 'token-a'), 'demo-small');
    now += ACCESS_PROOF_MAX_AGE_MS;
    expect(await gate.ensure(caller('p-a', 'token-a'), 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
    expect(siteCalls()).toBe(2);
  });

  it("does not lend one principal's proof to another", async () => {
    const { gate } = isolate();
    await gate.ensure(caller('p-a', 'token-a'), 'demo-small');
    expect(await gate.ensure(caller('p-b', 'forbidden-b'), 'demo-small')).toMatchObject({
      ok: false,
      error: { kind: 'forbidden' },
    });
    expect(await gate.ensure(caller('p-c', 'invalid-c'), 'demo-small')).toMatchObject({
      ok: false,
      error: { kind: 'unauthorized' },
    });
  });

  it('does not lend a proof for one site to another site', async () => {
    const { gate } = isolate();
    await gate.ensure(caller('p-a', 'token-a'), 'demo-small');
    expect(await gate.ensure(caller('p-a', 'token-a'), 'no-such-site')).toMatchObject({
      ok: false,
      error: { kind: 'not_found' },
    });
  });

  it('withdraws an old proof from memory and D1 when ACE refuses', async () => {
    const memory = createProofMemory({ maxEntries: 100 });
    const granting = isolate({ memory });
    await granting.gate.ensure(caller('p-d', 'token-d'), 'demo-small');
    await granting.settle();
    now += ACCESS_PROOF_MAX_AGE_MS;
    const refusing = isolate({ memory, verify: async () => err({ kind: 'forbidden', message: 'revoked' }) });
    expect((await refusing.gate.ensure(caller('p-d', 'token-d'), 'demo-small')).ok).toBe(false);
    expect(refusing.gate.remembered('p-d', 'demo-small')).toBe(false);
    const row = await env.DB.prepare("SELECT * FROM site_access WHERE principal = 'p-d'").first();
    expect(row).toBeNull();
  });

  it('does not trust a proof dated in the future, stored or remembered', async () => {
    await env.DB.prepare(
      "INSERT INTO site_access (principal, site, verified_at) VALUES ('p-f', 'demo-small', ?)",
    )
      .bind(now + 3_600_000)
      .run();
    const { gate } = isolate();
    expect(await gate.ensure(caller('p-f', 'token-f'), 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
    const memory = createProofMemory({ maxEntries: 10 });
    memory.set('p-g', 'demo-small', now + 1);
    expect(memory.get('p-g', 'demo-small', now)).toBeUndefined();
  });

  it('goes to ACE, not to a refusal, when D1 cannot say', async () => {
    const broken = createDb({
      db: {
        prepare: () => {
          throw new Error('D1 down');
        },
        batch: () => Promise.reject(new Error('D1 down')),
      },
      clock,
      log,
    });
    const gate = createSiteAccess({
      db: broken,
      clock,
      log,
      verify,
      memory: createProofMemory({ maxEntries: 10 }),
      defer: () => {},
      refusals: createRefusalMemory(),
      refusalTtlMs: 60_000,
      budget: unlimited,
    });
    expect(await gate.ensure(caller('p-h', 'token-h'), 'demo-small')).toEqual({
      ok: true,
      value: { verified: 'now' },
    });
  });
});

describe('createProofMemory', () => {
  it('holds at most maxEntries proofs, dropping the least recently used', () => {
    const memory = createProofMemory({ maxEntries: 2 });
    memory.set('a', 's', now);
    memory.set('b', 's', now);
    expect(memory.get('a', 's', now)).toBe(now); // a is now the most recent
    memory.set('c', 's', now);
    expect(memory.get('b', 's', now)).toBeUndefined();
    expect([memory.get('a', 's', now), memory.get('c', 's', now)]).toEqual([now, now]);
  });
});
