// In-isolate single flight (review 28, 45): concurrent callers asking for the same key share one
// execution of the work; the entry is dropped once it settles, so later callers start afresh.
// Owns sharing only; what the key means is the caller's business.

export interface SingleFlight<T> {
  /** Runs `work` unless a call with the same key is in flight; `leader` says which one ran it. */
  run(key: string, work: () => Promise<T>): Promise<{ value: T; leader: boolean }>;
  /** Keys in flight (for specs and diagnostics). */
  size(): number;
}

/** Creates a single-flight group; share one instance per isolate to coalesce across requests. */
export function createSingleFlight<T>(): SingleFlight<T> {
  const inFlight = new Map<string, Promise<T>>();
  return {
    async run(key, work) {
      const existing = inFlight.get(key);
      if (existing) return { value: await existing, leader: false };
      const promise = work().finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return { value: await promise, leader: true };
    },
    size: () => inFlight.size,
  };
}
