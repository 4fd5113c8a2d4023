// Specifies src/ace/name-index.ts: for any requested names (shared prefixes and suffixes, prefixes of
// one another, empty, lone surrogates, many more than the probes can tell apart) and any name asked
// for, `get` answers exactly as a Map holding the first value of each name would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNameIndex } from '../../src/ace/name-index.ts';
import { mutatedArb, pointNamesArb } from '../support/ace-text-arbitraries.ts';

/** The index's meaning: a Map where a repeated name keeps its first value. */
function firstWins(names: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  names.forEach((name, i) => {
    if (!map.has(name)) map.set(name, i);
  });
  return map;
}

describe('createNameIndex', () => {
  it('answers every name asked for as a first-wins Map does', () => {
    const caseArb = pointNamesArb.chain((names) =>
      fc.record({
        requested: fc.array(fc.constantFrom(...names), { maxLength: names.length * 2 }),
        asked: fc.array(
          fc.oneof(
            fc.constantFrom(...names),
            mutatedArb(fc.constantFrom(...names)),
            fc.string({ maxLength: 90 }),
          ),
          { maxLength: 40 },
        ),
      }),
    );
    fc.assert(
      fc.property(caseArb, ({ requested, asked }) => {
        const index = createNameIndex(requested.map((name, i) => [name, i] as const));
        const map = firstWins(requested);
        for (const name of [...asked, ...requested]) expect(index.get(name)).toBe(map.get(name));
      }),
      { numRuns: 2_000 },
    );
  });

  it('finds each of thousands of names that differ only in one middle character or in length', () => {
    const names: string[] = [];
    for (let i = 0; i < 3_000; i++)
      names.push(`ses/site/${'x'.repeat(i % 7)}${String.fromCharCode(0x4e00 + i)}/points.Temp`);
    const index = createNameIndex(names.map((name, i) => [name, i] as const));
    names.forEach((name, i) => {
      expect(index.get(name)).toBe(i);
      expect(index.get(`${name} `)).toBeUndefined();
      expect(index.get(name.slice(1))).toBeUndefined();
    });
  });

  it("finds '' and names shorter than others, and nothing for names shorter than all", () => {
    const requested = ['ses/site/long/points.Temp', '', 'ab', 'ses/site/long/points.Tem'];
    const index = createNameIndex(requested.map((name, i) => [name, i] as const));
    requested.forEach((name, i) => {
      expect(index.get(name)).toBe(i);
    });
    for (const name of ['a', 'b', 'ba', 's', 'ses/site/long/points.Te', 'ses/site/long/points.TempX']) {
      expect(index.get(name)).toBeUndefined();
    }
    expect(createNameIndex([['x', 1] as const]).get('')).toBeUndefined();
  });

  it('knows nothing when nothing was requested', () => {
    const index = createNameIndex<number>([]);
    for (const name of ['', 'a', 'ses/site/x']) expect(index.get(name)).toBeUndefined();
  });
});
