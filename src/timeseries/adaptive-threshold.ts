// The adaptive direct-path threshold (review 31): when direct requests near the threshold keep
// overrunning their duration budget, the effective threshold steps down (bounded below); each
// request near the threshold that fits the budget lets it recover a little. Per isolate: the
// state lives as long as the isolate, and /api/admin/stats shows the answering isolate's value.

export interface AdaptiveThresholdOptions {
  /** DIRECT_MAX_SAMPLES: the ceiling the threshold recovers to. */
  base: number;
  /** Wall time a direct request may take (ms) before it counts as an overrun. */
  budgetMs: number;
  /** The lowest the threshold may go, as a fraction of base. */
  floorRatio?: number;
  /** Consecutive overruns that lower the threshold. */
  strikes?: number;
  /** Multiplier applied on lowering. */
  lowerBy?: number;
  /** Fraction of base regained per request that fits the budget. */
  recoverBy?: number;
  /** Requests smaller than this fraction of the threshold say nothing about it. */
  nearRatio?: number;
}

export interface ThresholdSnapshot {
  base: number;
  effective: number;
  floor: number;
  consecutiveOverruns: number;
  lowered: number;
}

export interface AdaptiveThreshold {
  current(): number;
  /** A direct request finished: its estimated size and how long it took. */
  observe(sample: { estimatedSamples: number; durationMs: number }): void;
  snapshot(): ThresholdSnapshot;
}

/** Creates one threshold (services.ts keeps one per isolate and base). */
export function createAdaptiveThreshold(options: AdaptiveThresholdOptions): AdaptiveThreshold {
  const floorRatio = options.floorRatio ?? 0.25;
  const strikes = options.strikes ?? 3;
  const lowerBy = options.lowerBy ?? 0.8;
  const recoverBy = options.recoverBy ?? 0.01;
  const nearRatio = options.nearRatio ?? 0.5;
  const floor = Math.floor(options.base * floorRatio);
  let effective = options.base;
  let overruns = 0;
  let lowered = 0;

  return {
    current: () => effective,
    observe({ estimatedSamples, durationMs }) {
      if (estimatedSamples < effective * nearRatio) return;
      if (durationMs > options.budgetMs) {
        overruns++;
        if (overruns >= strikes) {
          effective = Math.max(floor, Math.floor(effective * lowerBy));
          overruns = 0;
          lowered++;
        }
        return;
      }
      overruns = 0;
      effective = Math.min(options.base, Math.ceil(effective + options.base * recoverBy));
    },
    snapshot: () => ({ base: options.base, effective, floor, consecutiveOverruns: overruns, lowered }),
  };
}
