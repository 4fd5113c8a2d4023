// Finds a page entry's point among the requested ones. A Map keyed by strings hashes every name it
// is asked for in full, and each entry's name is a fresh string from JSON.parse: ~170 ns for an
// 85-character ACE path, more than all the rest of the entry's work. Here a name's key is its length
// and a few characters chosen to tell the requested names apart, then one string comparison. Pure.

/** Requested names to their values; `get` answers as a Map would. */
export interface NameIndex<T> {
  get(name: string): T | undefined;
}

/** Characters a key reads besides the length. */
const MAX_PROBES = 4;
/** Probes are taken among the first and the last MAX_REACH characters. */
const MAX_REACH = 40;
/** Names examined to choose the probes: the choice only affects speed, never the answer. */
const SAMPLE = 128;

/** A character a key reads: `charCodeAt(fromEnd · length + at)`, at < 0 counting from the end. */
type Probe = readonly [fromEnd: 0 | 1, at: number];

const mixLength = (n: number) => Math.imul(n, 0x9e3779b1);
const mixChar = (h: number, c: number) => Math.imul(h ^ c, 0x01000193);

/**
 * How many different keys `keys` holds: a set of int32 in `table`, its slots in use this round
 * marked with `round` in `rounds` (so no round clears it). `table` has at least twice the keys' slots.
 */
function distinctKeys(keys: Int32Array, table: Int32Array, rounds: Int32Array, round: number): number {
  const mask = table.length - 1;
  let distinct = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as number;
    let at = (k ^ (k >>> 15)) & mask;
    while (rounds[at] === round && table[at] !== k) at = (at + 1) & mask;
    if (rounds[at] !== round) {
      rounds[at] = round;
      table[at] = k;
      distinct++;
    }
  }
  return distinct;
}

/**
 * Probes chosen greedily: each next one tells the most of the (sampled) names apart with what the
 * length and the earlier ones read, until all are told apart or no probe helps. Padded to
 * MAX_PROBES with the first, so that the key always reads the same number of characters. Each
 * candidate's characters are read once, into a column: an accumulator is made per request.
 */
function chooseProbes(names: readonly string[]): Probe[] {
  const sample = names.slice(0, SAMPLE);
  const n = sample.length;
  const reach = Math.min(
    MAX_REACH,
    sample.reduce((max, name) => Math.max(max, name.length), 0),
  );
  const candidates: Probe[] = [];
  for (let k = 1; k <= reach; k++) candidates.push([1, -k], [0, k - 1]);
  const columns = candidates.map(([fromEnd, at]) => {
    const column = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const name = sample[i] as string;
      // Past either end charCodeAt is NaN and NaN | 0 is 0: a short name simply reads zeros there.
      column[i] = name.charCodeAt(fromEnd * name.length + at) | 0;
    }
    return column;
  });
  const keys = new Int32Array(n);
  for (let i = 0; i < n; i++) keys[i] = mixLength((sample[i] as string).length);
  const next = new Int32Array(n);
  const table = new Int32Array(2 * SAMPLE);
  const rounds = new Int32Array(2 * SAMPLE);
  let round = 1;
  let distinct = distinctKeys(keys, table, rounds, round);
  const probes: Probe[] = [];
  while (probes.length < MAX_PROBES && distinct < n) {
    let best = -1;
    for (let c = 0; c < columns.length && distinct < n; c++) {
      const column = columns[c] as Int32Array;
      for (let i = 0; i < n; i++) next[i] = mixChar(keys[i] as number, column[i] as number);
      const told = distinctKeys(next, table, rounds, ++round);
      if (told > distinct) {
        best = c;
        distinct = told;
      }
    }
    if (best < 0) break;
    const column = columns[best] as Int32Array;
    for (let i = 0; i < n; i++) keys[i] = mixChar(keys[i] as number, column[i] as number);
    probes.push(candidates[best] as Probe);
  }
  while (probes.length < MAX_PROBES) probes.push(probes[0] ?? [1, -1]);
  return probes;
}

/** Creates an index of `entries` (a repeated name keeps its first value, as a Map built with `has` would). */
export function createNameIndex<T>(entries: ReadonlyArray<readonly [string, T]>): NameIndex<T> {
  const names: string[] = [];
  const values: T[] = [];
  const known = new Set<string>();
  for (const [name, value] of entries) {
    if (known.has(name)) continue;
    known.add(name);
    names.push(name);
    values.push(value);
  }
  const [[e0, a0], [e1, a1], [e2, a2], [e3, a3]] = chooseProbes(names) as [Probe, Probe, Probe, Probe];
  const keyOf = (s: string): number => {
    const n = s.length;
    let h = mixLength(n);
    h = mixChar(h, s.charCodeAt(e0 * n + a0) | 0);
    h = mixChar(h, s.charCodeAt(e1 * n + a1) | 0);
    h = mixChar(h, s.charCodeAt(e2 * n + a2) | 0);
    h = mixChar(h, s.charCodeAt(e3 * n + a3) | 0);
    return h ^ (h >>> 15);
  };
  let bits = 3;
  while (1 << bits < names.length * 2) bits++;
  const mask = (1 << bits) - 1;
  const keys = new Int32Array(mask + 1);
  // 0 is an empty slot, i + 1 the i-th name: open addressing with linear probing.
  const slots = new Int32Array(mask + 1);
  names.forEach((name, i) => {
    const k = keyOf(name);
    let at = k & mask;
    while (slots[at] !== 0) at = (at + 1) & mask;
    keys[at] = k;
    slots[at] = i + 1;
  });
  return {
    get(name) {
      const k = keyOf(name);
      for (let at = k & mask; ; at = (at + 1) & mask) {
        const slot = slots[at] as number;
        if (slot === 0) return undefined;
        if (keys[at] === k && names[slot - 1] === name) return values[slot - 1];
      }
    },
  };
}
