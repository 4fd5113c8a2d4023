// Stepping fc.scheduler through actors that do real I/O (D1, msw) between their scheduled points.
// Owns the release discipline only; what an actor schedules is up to the spec.
import type fc from 'fast-check';

/**
 * Releases one scheduled step at a time, and only once every live actor is parked on one:
 * fc.scheduler releases whatever is pending, and with real I/O in flight it would otherwise let
 * one actor past its next point before another actor's query had even returned.
 */
export async function interleave(
  s: fc.Scheduler,
  actors: Promise<unknown>[],
  parkTimeoutMs = 10_000,
): Promise<void> {
  let live = actors.length;
  for (const actor of actors) {
    void actor.then(
      () => live--,
      () => live--,
    );
  }
  while (live > 0) {
    // Both a tick count and a time limit: workerd's clock only moves across I/O.
    const since = Date.now();
    for (let spins = 0; s.count() < live; spins++) {
      if (spins > 100_000 || Date.now() - since > parkTimeoutMs) {
        throw new Error('an actor neither parked nor finished');
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (live > 0) await s.waitOne();
  }
  await Promise.all(actors);
}
