// fast-check arbitraries for cache keys (CONVENTIONS 15, spec/cache/cache-key.spec.ts): chunk key
// inputs, near misses and separator tricks. Owns generation of inputs only.
import fc from 'fast-check';

const INTERVALS = ['raw', '5m', '1h', '1d'] as const;
const keyStringArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('a', 'b', 'a,b', 'b,c', ',', '/', '..', '"', '\\', '[', ']', 'a"b', '\u0000', 'é', '😀'),
);

/** A chunk key input: site, 1–8 points, a window, an interval and sometimes a version. */
export const chunkKeyInputArb = fc.record(
  {
    site: fc.oneof(fc.constantFrom('demo-small', 'demo-large', 'site_a'), keyStringArb),
    points: fc.array(keyStringArb, { minLength: 1, maxLength: 8 }),
    startMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    endMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    interval: fc.constantFrom(...INTERVALS),
    version: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: ['site', 'points', 'startMs', 'endMs', 'interval'] },
);

/** Two chunk inputs that differ in exactly one field (a point added or altered included). */
export const nearMissArb = chunkKeyInputArb.chain((a) =>
  fc
    .oneof(
      keyStringArb.filter((s) => s !== a.site).map((site) => ({ ...a, site })),
      keyStringArb.filter((p) => !a.points.includes(p)).map((p) => ({ ...a, points: [...a.points, p] })),
      fc
        .nat({ max: a.points.length - 1 })
        .chain((i) =>
          keyStringArb
            .filter((p) => !a.points.includes(p))
            .map((p) => ({ ...a, points: a.points.map((q, j) => (j === i ? p : q)) })),
        ),
      fc.integer({ min: 1, max: 86_400_000 }).map((d) => ({ ...a, startMs: a.startMs + d })),
      fc.integer({ min: 1, max: 86_400_000 }).map((d) => ({ ...a, endMs: a.endMs - d })),
      fc.constantFrom(...INTERVALS.filter((i) => i !== a.interval)).map((interval) => ({ ...a, interval })),
      fc.integer({ min: 6, max: 9 }).map((version) => ({ ...a, version })),
    )
    .map((b) => [a, b] as const),
);

/** Two inputs whose fields concatenate to the same text but split it differently. */
export const separatorTrickArb = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.constantFrom(',', '/', '|', ':', '"', ''),
  )
  .filter(([x, y, z]) => new Set([x, y, z]).size === 3)
  .map(([x, y, z, sep]) => {
    const base = { startMs: 0, endMs: 86_400_000, interval: 'raw' as const };
    const a = { ...base, site: x, points: [`${y}${sep}${z}`] };
    const b = { ...base, site: `${x}${sep}${y}`, points: [z] };
    return [a, b] as const;
  });
