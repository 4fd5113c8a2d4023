// Streams run in turn rather than side by side (A, B, A, B, … for R rounds), for comparisons
// within one run against a server with one queue (wrangler dev's one isolate): side by side, two
// streams share it and measure the same; in turn, each measures itself, and the rounds spread
// both over the same stretch of the machine's noise. Owns the order, the caps on the whole
// alternation and the merging of each stream's rounds; not what a stream is (run-autocannon.ts).
import {
  assertBounded,
  DEFAULT_TIMEOUT_S,
  MAX_DURATION_S,
  mergeStreams,
  runStream,
  type StreamOptions,
  type StreamResult,
} from './run-autocannon.ts';

/** More rounds than this is a different experiment (use a longer stream instead). */
export const MAX_ROUNDS = 20;
/** The whole alternation's worst-case load time is capped like one stream's. */
export const MAX_ALTERNATING_S = MAX_DURATION_S;

export interface AlternatingOptions {
  /** How many times the whole list runs (each stream once per round, in the order given). */
  rounds: number;
  /**
   * Awaited before every run after the first (not measured): e.g. until the server has drained
   * the previous run's backlog, so no run inherits another's queue.
   */
  between?: (next: { round: number; stream: string }) => Promise<void>;
  log?: (message: string) => void;
}

export interface AlternatingResult {
  /** One result per stream name, in the order given: its rounds merged in turn (with `rounds`). */
  merged: StreamResult[];
  /** `rounds[r][i]`: stream i's result in round r + 1, as measured. */
  rounds: StreamResult[][];
}

/**
 * The longest one run of a stream can take: its duration, or for an amount-bound stream each
 * connection's share of the requests, each answered or timed out within the per-request timeout.
 */
export function worstCaseS(s: StreamOptions): number {
  if (s.durationS !== undefined) return s.durationS;
  const perConnection = Math.ceil((s.amount ?? 0) / s.connections);
  return perConnection * (s.timeoutS ?? DEFAULT_TIMEOUT_S);
}

/**
 * Throws (a bug in a scenario) unless the alternation is bounded: 1..MAX_ROUNDS rounds, distinct
 * names, every stream bounded (assertBounded), and rounds × Σ worst cases ≤ MAX_ALTERNATING_S.
 * One stream runs at a time, so the connection cap is each stream's own (≤ MAX_CONNECTIONS).
 */
export function assertAlternationBounded(streams: readonly StreamOptions[], rounds: number): void {
  if (streams.length === 0) throw new Error('alternation: no streams');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS)
    throw new Error(`alternation: rounds must be 1..${MAX_ROUNDS}, got ${rounds}`);
  const names = streams.map((s) => s.name);
  if (new Set(names).size !== names.length)
    throw new Error(`alternation: duplicate names in ${names.join(', ')}`);
  for (const s of streams) assertBounded(s);
  const planned = rounds * streams.reduce((n, s) => n + worstCaseS(s), 0);
  if (planned > MAX_ALTERNATING_S)
    throw new Error(
      `alternation: ${rounds} rounds may take ${planned} s of load; the cap is ${MAX_ALTERNATING_S} s`,
    );
}

/**
 * Runs `streams` in turn for `options.rounds` rounds, each run a bounded `runStream` (its own
 * watchdog), and merges each stream's rounds in turn. Per-response hooks (tallies) on a stream's
 * requests see all its rounds, since the same options run every round.
 */
export async function runAlternating(
  streams: readonly StreamOptions[],
  options: AlternatingOptions,
): Promise<AlternatingResult> {
  assertAlternationBounded(streams, options.rounds);
  const rounds: StreamResult[][] = [];
  let first = true;
  for (let r = 1; r <= options.rounds; r++) {
    const results: StreamResult[] = [];
    for (const stream of streams) {
      if (!first) await options.between?.({ round: r, stream: stream.name });
      first = false;
      const result = await runStream(stream);
      options.log?.(
        `    round ${r} ${stream.name}: ${result.responses} answers in ${result.durationS} s ` +
          `(${result.rps} req/s, p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} ms)`,
      );
      results.push(result);
    }
    rounds.push(results);
  }
  const merged = streams.map((s, i) =>
    mergeStreams(
      s.name,
      rounds.map((results) => results[i] as StreamResult),
      'in-turn',
    ),
  );
  return { merged, rounds };
}
