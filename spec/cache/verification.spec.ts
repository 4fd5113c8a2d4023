// Specifies src/cache/verification.ts over the real Rate Limiting binding (SPEC_VERIFY_LIMITER,
// 20 a minute per key, as deployed): an address gets at most its budget of verifications, other
// addresses theirs, the isolate at most its cap in flight, the Worker's own callers are never
// refused; and the refusal memory answers only with refusals ACE gave, for as long as it should.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRefusalMemory, createVerificationBudget, type Refusal } from '../../src/cache/verification.ts';
import { createLogger } from '../../src/obs/log.ts';
import { withinOneWindow } from '../support/rate-window.ts';

const log = createLogger({}, () => {});
let seq = 0;
const address = () => `198.51.100.${++seq}-${crypto.randomUUID()}`;

function budget(maxInFlight = 100) {
  const inFlight = { count: 0 };
  return {
    inFlight,
    budget: createVerificationBudget({
      limiter: env.SPEC_VERIFY_LIMITER,
      periodS: 60,
      maxInFlight,
      inFlight,
      log,
    }),
  };
}

describe('createVerificationBudget', () => {
  it('admits at most the limiter’s 20 a minute per address, each address its own', async () => {
    await withinOneWindow(60, 5000);
    const { budget: b } = budget();
    const [a1, a2] = [address(), address()];
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await b.admit(a1);
      if (r.ok) r.value();
      outcomes.push(
        r.ok ? 'ok' : `${r.error.kind}:${r.error.kind === 'rate_limited' ? r.error.retryAfterSeconds : ''}`,
      );
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(20);
    expect(outcomes.slice(20)).toEqual(Array(10).fill('rate_limited:60'));
    const other = await b.admit(a2);
    expect(other.ok).toBe(true);
  });

  it('holds the isolate to its cap of verifications in flight, and frees a place on release', async () => {
    const { budget: b, inFlight } = budget(3);
    const held = [];
    for (let i = 0; i < 3; i++) {
      const r = await b.admit(address());
      if (!r.ok) throw new Error('refused under the cap');
      held.push(r.value);
    }
    expect(inFlight.count).toBe(3);
    expect(await b.admit(address())).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', retryAfterSeconds: 1 },
    });
    held[0]?.();
    held[0]?.(); // releasing twice frees one place, not two
    expect(inFlight.count).toBe(2);
    const again = await b.admit(address());
    expect(again.ok).toBe(true);
    expect(inFlight.count).toBe(3);
  });

  it('never refuses the Worker’s own callers (no client address), though they count in flight', async () => {
    const { budget: b, inFlight } = budget(1);
    for (let i = 0; i < 30; i++) expect((await b.admit(undefined)).ok).toBe(true);
    expect(inFlight.count).toBe(30);
  });

  it('admits when the limiter itself fails (logged), as the other rate limits do', async () => {
    const lines: Record<string, unknown>[] = [];
    const failing = { limit: () => Promise.reject(new Error('limiter down')) } as unknown as RateLimit;
    const b = createVerificationBudget({
      limiter: failing,
      periodS: 60,
      maxInFlight: 10,
      inFlight: { count: 0 },
      log: createLogger({}, (_l, line) => lines.push(line)),
    });
    expect((await b.admit(address())).ok).toBe(true);
    expect(lines.some((l) => l.event === 'verify_limiter_failed')).toBe(true);
  });
});

const refusalArb: fc.Arbitrary<Refusal> = fc.oneof(
  fc.constant<Refusal>({ kind: 'unauthorized', message: 'ACE rejected the token' }),
  fc.constant<Refusal>({ kind: 'forbidden', message: 'no' }),
  fc.constant<Refusal>({ kind: 'not_found', message: 'no site' }),
);

describe('createRefusalMemory', () => {
  it('answers only with a refusal it was given, for its principal, until it expires', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            p: fc.constantFrom('p1', 'p2'),
            s: fc.constantFrom('a', 'b'),
            r: refusalArb,
            until: fc.integer({ min: 1, max: 50 }),
          }),
        ),
        fc.constantFrom('p1', 'p2', 'p3'),
        fc.constantFrom('a', 'b', 'c'),
        fc.integer({ min: 0, max: 60 }),
        (given, principal, site, now) => {
          const memory = createRefusalMemory();
          for (const g of given) memory.remember(g.p, g.s, g.r, g.until);
          const got = memory.recall(principal, site, now);
          if (got === undefined) return;
          // A 401 is about the token, whatever the site; 403 and 404 only for theirs.
          const source = given.filter(
            (g) => g.p === principal && g.until > now && (g.r.kind === 'unauthorized' || g.s === site),
          );
          expect(source.map((g) => g.r)).toContainEqual(got);
        },
      ),
    );
  });

  it('keeps a 401 for every site of the token, a 403 for its site only', () => {
    const memory = createRefusalMemory();
    memory.remember('p', 'a', { kind: 'unauthorized', message: 'x' }, 100);
    memory.remember('q', 'a', { kind: 'forbidden', message: 'x' }, 100);
    expect(memory.recall('p', 'b', 0)?.kind).toBe('unauthorized');
    expect(memory.recall('q', 'a', 0)?.kind).toBe('forbidden');
    expect(memory.recall('q', 'b', 0)).toBeUndefined();
    expect(memory.recall('p', 'a', 100)).toBeUndefined();
  });

  it('holds a bounded number of refusals', () => {
    const memory = createRefusalMemory(3);
    for (let i = 0; i < 5; i++) memory.remember(`p${i}`, 's', { kind: 'forbidden', message: 'x' }, 100);
    expect(['p0', 'p1', 'p2', 'p3', 'p4'].map((p) => memory.recall(p, 's', 0) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});
