// State that lives as long as the isolate and is shared by all its invocations: the ACE breakers
// and in-flight calls, catalogue listings, access proofs, decoded chunks, the hot path's pending
// bookkeeping, coalesced range fetches, the adaptive thresholds and the ACE reachability probe.
// services.ts reads it; nothing else holds isolate-wide state. Owns the containers, not their use.
import type { AceUpstream } from './ace/resilience.ts';
import { type ChunkMemory, createChunkMemory } from './cache/chunk-memory.ts';
import { createProofMemory, type ProofMemory } from './cache/site-access.ts';
import { createRefusalMemory, type InFlight, type RefusalMemory } from './cache/verification.ts';
import type { Config } from './config.ts';
import { createLedger, type Ledger } from './obs/bookkeeping.ts';
import type { createAceReachabilityProbe } from './obs/health.ts';
import { type CatalogueCache, createCatalogueCache } from './points/catalogue.ts';
import { type AdaptiveThreshold, createAdaptiveThreshold } from './timeseries/adaptive-threshold.ts';
import { type AnswerMemory, createAnswerMemory } from './timeseries/answer-memory.ts';
import { createRangeFlights, type RangeFlights } from './timeseries/serve.ts';

/** Access proofs one isolate remembers (principal × site); the least recently used go first. */
export const PROOF_MEMORY_ENTRIES = 10_000;

export interface IsolateState {
  /** The ACE breaker and in-flight calls, one per base URL (a breaker per request would never trip). */
  aceUpstreams: Map<string, AceUpstream>;
  /** The reachability probe /health uses, and the base URL it was built for. */
  aceProbe?: { base: string; probe: ReturnType<typeof createAceReachabilityProbe> };
  /** Catalogue listings per site, for callers whose access was proven (the read path). */
  siteCatalogueCache: CatalogueCache;
  /** Range fetches of the read path, shared by concurrent identical requests. */
  rangeFlights: RangeFlights;
  /** The adaptive direct-path thresholds, one per configuration. */
  thresholds: Map<string, AdaptiveThreshold>;
  /** Parsed configuration, per env object (vars do not change within an isolate's life). */
  config?: { source: unknown; config: Config };
  /** Access proofs ACE gave or D1 held, for the rest of their validity. */
  proofs: ProofMemory;
  /** ACE's recent refusals of tokens, and the verifications of unproven tokens in flight. */
  refusals: RefusalMemory;
  verificationsInFlight: InFlight;
  /** Decoded immutable chunks and encoded answers, made on first use with the configured budget. */
  memory?: { maxBytes: number; chunks: ChunkMemory; answers: AnswerMemory };
  /** Hot-path writes waiting for the next batch. */
  ledger: Ledger;
}

function createIsolateState(): IsolateState {
  return {
    aceUpstreams: new Map(),
    siteCatalogueCache: createCatalogueCache({ ttlMs: 300_000, maxEntries: 256 }),
    rangeFlights: createRangeFlights(),
    thresholds: new Map(),
    proofs: createProofMemory({ maxEntries: PROOF_MEMORY_ENTRIES }),
    refusals: createRefusalMemory(),
    verificationsInFlight: { count: 0 },
    ledger: createLedger(),
  };
}

let current = createIsolateState();

/** The isolate's state. */
export function isolateState(): IsolateState {
  return current;
}

/**
 * Forgets everything, as a new isolate would start. For specs that share one runtime across files
 * (each file starts as if on a fresh isolate); a deployed Worker never calls it.
 */
export function resetIsolateState(): void {
  current = createIsolateState();
}

/** The isolate's adaptive threshold for this configuration (review 31). */
export function thresholdFor(config: Config): AdaptiveThreshold {
  const key = `${config.directMaxSamples}:${config.directBudgetMs}`;
  let threshold = current.thresholds.get(key);
  if (!threshold) {
    threshold = createAdaptiveThreshold({ base: config.directMaxSamples, budgetMs: config.directBudgetMs });
    current.thresholds.set(key, threshold);
  }
  return threshold;
}

/** Share of the isolate's memory budget for encoded answers; decoded chunks have the rest. */
export const ANSWER_SHARE = 0.25;

/** The isolate's memory tiers (decoded chunks, encoded answers) within this configuration's budget. */
export function memoryTiersFor(config: Config): { chunks: ChunkMemory; answers: AnswerMemory } {
  const maxBytes = config.chunkMemoryMaxBytes;
  if (current.memory?.maxBytes !== maxBytes) {
    const answerBytes = Math.floor(maxBytes * ANSWER_SHARE);
    current.memory = {
      maxBytes,
      chunks: createChunkMemory({ maxBytes: maxBytes - answerBytes }),
      answers: createAnswerMemory(answerBytes),
    };
  }
  return current.memory;
}
