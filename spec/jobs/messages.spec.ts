// Signed queue messages: round trip, and every tampering, wrong key, staleness or malformation
// is refused with its reason; messages stay tiny and carry no token.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  signMessage,
  verifyMessage,
} from '../../src/jobs/messages.ts';

const KEY = 'spec-queue-signing-key';
const NOW = Date.UTC(2026, 0, 10);
const jobIdArb = fc.uuid();

describe('the signed text, worked by hand', () => {
  // A signature covers ["vitals-edge/job-message", v, job_id, issued_at]: HMAC-SHA-256 computed
  // here with WebCrypto directly, so a drift of the signed text (which would strand every message
  // in flight across a deploy) fails.
  it('signs exactly the fixed-shape array', async () => {
    const m = await signMessage('job-1', 1_700_000_000_000, 'k');
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('k'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const text = '["vitals-edge/job-message",1,"job-1",1700000000000]';
    const sig = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text));
    expect(m.sig).toBe([...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, '0')).join(''));
  });
});

describe('job messages', () => {
  it('verifies what it signed', async () => {
    await fc.assert(
      fc.asyncProperty(jobIdArb, fc.integer({ min: 0, max: MAX_MESSAGE_AGE_MS }), async (id, age) => {
        const m = await signMessage(id, NOW - age, KEY);
        expect(await verifyMessage(m, KEY, NOW)).toEqual({ ok: true, message: m });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses any change to a signed field', async () => {
    await fc.assert(
      fc.asyncProperty(jobIdArb, jobIdArb, fc.integer({ min: 1, max: 1000 }), async (id, other, shift) => {
        fc.pre(id !== other);
        const m = await signMessage(id, NOW, KEY);
        expect(await verifyMessage({ ...m, job_id: other }, KEY, NOW)).toEqual({
          ok: false,
          reason: 'bad_signature',
        });
        expect(await verifyMessage({ ...m, issued_at: NOW - shift }, KEY, NOW)).toEqual({
          ok: false,
          reason: 'bad_signature',
        });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a flipped signature digit and a signature made with another key', async () => {
    const m = await signMessage('job-1', NOW, KEY);
    const flipped = `${m.sig.slice(0, 10)}${m.sig[10] === '0' ? '1' : '0'}${m.sig.slice(11)}`;
    expect(await verifyMessage({ ...m, sig: flipped }, KEY, NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const foreign = await signMessage('job-1', NOW, 'another-key-entirely');
    expect(await verifyMessage(foreign, KEY, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses stale messages and ones dated too far ahead', async () => {
    const old = await signMessage('job-1', NOW - MAX_MESSAGE_AGE_MS - 1, KEY);
    expect(await verifyMessage(old, KEY, NOW)).toEqual({ ok: false, reason: 'stale' });
    const future = await signMessage('job-1', NOW + MAX_FUTURE_SKEW_MS + 1, KEY);
    expect(await verifyMessage(future, KEY, NOW)).toEqual({ ok: false, reason: 'stale' });
  });

  it.each([
    ['null', null],
    ['a string', 'job-1'],
    ['no signature', { v: 1, job_id: 'j', issued_at: NOW }],
    ['an extra field', { v: 1, job_id: 'j', issued_at: NOW, sig: 'a'.repeat(64), token: 'secret' }],
    ['a wrong version', { v: 2, job_id: 'j', issued_at: NOW, sig: 'a'.repeat(64) }],
    ['a short signature', { v: 1, job_id: 'j', issued_at: NOW, sig: 'abc' }],
  ])('refuses %s as malformed', async (_, body) => {
    expect(await verifyMessage(body, KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('stays far below the 128 KB queue limit and carries only ids and times', async () => {
    const m = await signMessage(crypto.randomUUID(), NOW, KEY);
    expect(Object.keys(m).sort()).toEqual(['issued_at', 'job_id', 'sig', 'v']);
    expect(JSON.stringify(m).length).toBeLessThan(300);
  });
});
