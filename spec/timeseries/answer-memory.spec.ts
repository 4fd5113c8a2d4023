// Specifies src/timeseries/answer-memory.ts: only a read served wholly from immutable cached
// chunks has a memorable answer; its key tells apart every shape, window, interval and point order
// that changes the bytes, and nothing else; an answer goes with any chunk it was built from, and
// the memory holds no more than its budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnswerShape, EncodedAnswer } from '../../src/timeseries/answer.ts';
import { answerKeyOf, createAnswerMemory } from '../../src/timeseries/answer-memory.ts';
import type { Assessment } from '../../src/timeseries/assess.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

function assessment(overrides: Partial<Assessment> = {}, asked = ['b', 'a', 'c']): Assessment {
  const chunks = [0, 1].map((d) => ({
    startMs: T0 + d * DAY,
    endMs: T0 + (d + 1) * DAY,
    recent: false,
    ttlMs: DAY,
  }));
  return {
    request: { site: 's', points: asked, startMs: T0, endMs: T0 + 2 * DAY, interval: 'raw' },
    points: [...asked].sort(),
    chunks,
    refs: chunks.map((_c, i) => ({ key: `k${i}`, immutable: true, site: 's', points: [] })),
    cached: [true, true],
    fullyCached: true,
    cachedSamples: 10,
    estimate: {
      samples: 0,
      bytes: 0,
      sources: { learned: 0, catalogue: 0, site: 0, default: 0 },
      samplesBySource: { learned: 0, catalogue: 0, site: 0, default: 0 },
      densities: [],
    },
    d1Statements: 0,
    startedAt: 0,
    accessAt: 0,
    ...overrides,
  };
}

const shape: AnswerShape = { layout: 'columns', format: 'json', gzip: true };
const answer = (bytes: number): EncodedAnswer => ({
  body: new Uint8Array(bytes),
  contentType: 'application/json',
  contentEncoding: null,
  meta: {
    samples: 1,
    dropped: 0,
    estimated_samples: 0,
    route: 'cache',
    cache: 'hit',
    chunks: 2,
    upstream_requests: 0,
  },
});

describe('answerKeyOf', () => {
  it('gives no key when a chunk is not cached or not immutable', () => {
    expect(answerKeyOf(assessment(), shape)).not.toBeNull();
    expect(answerKeyOf(assessment({ fullyCached: false, cached: [true, false] }), shape)).toBeNull();
    const a = assessment();
    a.refs[1] = { key: 'k1', immutable: false, site: 's', points: [] };
    expect(answerKeyOf(a, shape)).toBeNull();
  });

  it('tells apart whatever changes the bytes, and nothing else', () => {
    const base = answerKeyOf(assessment(), shape);
    const variants = [
      answerKeyOf(assessment(), { ...shape, layout: 'rows' }),
      answerKeyOf(assessment(), { ...shape, layout: 'compact' }),
      answerKeyOf(assessment(), { ...shape, format: 'msgpack' }),
      answerKeyOf(assessment(), { ...shape, gzip: false }),
      answerKeyOf(assessment({}, ['a', 'b', 'c']), shape),
      answerKeyOf(assessment({ request: { ...assessment().request, interval: '1h' } }), shape),
      answerKeyOf(assessment({ request: { ...assessment().request, startMs: T0 + 1 } }), shape),
      answerKeyOf(assessment({ request: { ...assessment().request, endMs: T0 + 2 * DAY - 1 } }), shape),
      answerKeyOf(
        assessment({
          refs: [
            { key: 'k0', immutable: true, site: 's', points: [] },
            { key: 'kX', immutable: true, site: 's', points: [] },
          ],
        }),
        shape,
      ),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    // The same read by another caller, assessed at another time: the same answer.
    expect(
      answerKeyOf(assessment({ startedAt: 99, accessAt: 100, cachedSamples: 11, d1Statements: 1 }), shape),
    ).toBe(base);
  });

  it('distinguishes any two point orders of the same set', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(['a', 'b', 'c', 'd', 'e'], { minLength: 2 }), (asked) => {
        const reversed = [...asked].reverse();
        expect(
          answerKeyOf(assessment({}, asked), shape) === answerKeyOf(assessment({}, reversed), shape),
        ).toBe(false);
      }),
    );
  });
});

describe('createAnswerMemory', () => {
  it('forgets every answer built from a forgotten chunk, and only those', () => {
    const memory = createAnswerMemory(1 << 20);
    memory.set('x', answer(10), ['k0', 'k1'], 1_000);
    memory.set('y', answer(10), ['k1', 'k2'], 1_000);
    memory.set('z', answer(10), ['k3'], 1_000);
    memory.forgetChunks(['k1']);
    expect(['x', 'y', 'z'].map((k) => memory.get(k, 0) !== undefined)).toEqual([false, false, true]);
  });

  it('never returns an expired answer, and holds no more than its budget', () => {
    const memory = createAnswerMemory(4_000);
    memory.set('old', answer(10), ['k'], 5);
    expect(memory.get('old', 5)).toBeUndefined();
    for (let i = 0; i < 10; i++) memory.set(`a${i}`, answer(1_000), ['k'], 100);
    expect(memory.size().bytes).toBeLessThanOrEqual(4_000);
    expect(memory.get('a9', 0)).toBeDefined();
    expect(memory.get('a0', 0)).toBeUndefined();
    memory.set('huge', answer(10_000), ['k'], 100);
    expect(memory.get('huge', 0)).toBeUndefined();
  });
});
