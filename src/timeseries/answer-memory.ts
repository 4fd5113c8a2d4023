// The isolate's memory of encoded answers: a read served wholly from immutable cached chunks has
// one answer per shape (layout, format, gzip), so its bytes are kept (bounded by bytes, for at
// most the memory tier's lifetime) and a repeat skips serving and encoding. An answer is dropped
// with any chunk it was built from (purge, eviction). Access is proven before any lookup (assess).
import { createByteLru } from '../cache/byte-lru.ts';
import type { AnswerShape, EncodedAnswer } from './answer.ts';
import type { Assessment } from './assess.ts';

interface Held {
  answer: EncodedAnswer;
  chunkKeys: readonly string[];
  expiresAt: number;
}

export interface AnswerMemory {
  get(key: string, now: number): EncodedAnswer | undefined;
  set(key: string, answer: EncodedAnswer, chunkKeys: readonly string[], expiresAt: number): void;
  /** Drops every answer built from any of these chunks. */
  forgetChunks(keys: readonly string[]): void;
  size(): { entries: number; bytes: number };
}

/** Bookkeeping an answer costs besides its body (key, meta, chunk keys). */
const BYTES_PER_ANSWER = 512;

/** Creates an empty memory with a byte budget. */
export function createAnswerMemory(maxBytes: number): AnswerMemory {
  const lru = createByteLru<Held>({
    maxBytes,
    sizeOf: (h) =>
      BYTES_PER_ANSWER + h.answer.body.byteLength + h.chunkKeys.reduce((n, k) => n + 2 * k.length, 0),
  });
  return {
    get: (key, now) => lru.get(key, now)?.answer,
    set: (key, answer, chunkKeys, expiresAt) => lru.set(key, { answer, chunkKeys, expiresAt }),
    forgetChunks(keys) {
      const gone = new Set(keys);
      lru.deleteWhere((h) => h.chunkKeys.some((k) => gone.has(k)));
    },
    size: () => lru.size(),
  };
}

/**
 * The key of an assessed read's answer in a shape, or null when its answer may change: some chunk
 * is not cached, or not immutable. The chunk keys fix the points (as a set), site and window of
 * each day; the order the points were asked in, the exact window and the interval complete it.
 */
export function answerKeyOf(a: Assessment, shape: AnswerShape): string | null {
  if (!a.fullyCached || !a.refs.every((r) => r.immutable)) return null;
  const position = new Map(a.points.map((p, i) => [p, i]));
  const order = a.request.points.map((p) => position.get(p)).join(',');
  const { startMs, endMs, interval } = a.request;
  return [
    shape.layout,
    shape.format,
    shape.gzip ? 'gz' : 'id',
    interval,
    startMs,
    endMs,
    order,
    ...a.refs.map((r) => r.key),
  ].join('|');
}
