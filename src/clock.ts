// Time and randomness, injected so specs control them without fake timers (CONVENTIONS 4).

/** A source of "now" in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Produces unique ids (random UUIDs, never derived from the clock). */
export type IdGenerator = () => string;

export const systemClock: Clock = { now: () => Date.now() };

export const randomId: IdGenerator = () => crypto.randomUUID();
