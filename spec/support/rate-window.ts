// The local Rate Limiting binding (miniflare) counts in windows aligned to the wall clock: every
// key's count resets at each multiple of the period. A spec that spends a whole budget and then
// expects refusals must not straddle that instant, or the second half of its calls lands in a
// fresh window (seen in CI: 40 verifications admitted where the budget is 20).

/**
 * Resolves once at least `neededMs` remain in the current `periodS` window, sleeping into the next
 * window when the current one is about to roll over. Costs nothing most of the time.
 */
export async function withinOneWindow(periodS: number, neededMs: number): Promise<void> {
  const periodMs = periodS * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
