// Specs for mutants no other spec caught (docs/RELIABILITY.md, mutation record): each pins the exact
// boundary a hot function was found to be free to move. Owns boundaries only; the functions'
// behaviour is specified in their own spec files.
import { describe, expect, it } from 'vitest';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  signMessage,
  verifyMessage,
} from '../../src/jobs/messages.ts';

const NOW = Date.UTC(2026, 5, 1);
const KEY = 'spec-mutants-signing-key';

describe('verifyMessage age boundaries (mutant M12: `age > MAX` → `age >= MAX` survived)', () => {
  it('accepts a message exactly MAX_MESSAGE_AGE_MS old, and refuses one a millisecond older', async () => {
    const edge = await signMessage('job-edge', NOW - MAX_MESSAGE_AGE_MS, KEY);
    expect((await verifyMessage(edge, KEY, NOW)).ok).toBe(true);
    const past = await signMessage('job-edge', NOW - MAX_MESSAGE_AGE_MS - 1, KEY);
    expect(await verifyMessage(past, KEY, NOW)).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts a message dated exactly MAX_FUTURE_SKEW_MS ahead, and refuses one a millisecond further', async () => {
    const edge = await signMessage('job-edge', NOW + MAX_FUTURE_SKEW_MS, KEY);
    expect((await verifyMessage(edge, KEY, NOW)).ok).toBe(true);
    const ahead = await signMessage('job-edge', NOW + MAX_FUTURE_SKEW_MS + 1, KEY);
    expect(await verifyMessage(ahead, KEY, NOW)).toEqual({ ok: false, reason: 'stale' });
  });
});
