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
/** minLength when no name is hashed: longer than any string, and still a small integer. */
const NO_LENGTH = 0x3fff_ffff;

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
 * MAX_PROBES with the first, so that the key always reads the same number of characters. Only
 * positions inside every name of at least `minLength` (≥ 1) characters are candidates: a key never
 * reads past a name's end (an out-of-bounds charCodeAt, once seen, is called instead of inlined).
 * Each candidate's characters are read once, into a column: an accumulator is made per request.
 */
function chooseProbes(names: readonly string[], minLength: number): Probe[] {
  const sample = names.slice(0, SAMPLE);
  const n = sample.length;
  const reach = Math.min(MAX_REACH, minLength);
  const candidates: Probe[] = [];
  for (let k = 1; k <= reach; k++) candidates.push([1, -k], [0, k - 1]);
  const columns = candidates.map(([fromEnd, at]) => {
    const column = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const name = sample[i] as string;
      column[i] = name.charCodeAt(fromEnd * name.length + at);
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

/**
 * The index: a class whose `get` is one function for every index, so the accumulator's loop
 * inlines it once and keeps it. (Closures made per index would each be a new call target, and the
 * loop's optimised code, specialised to one of them, would be thrown away with that request.)
 */
class ProbedNameIndex<T> implements NameIndex<T> {
  /** The hashed names (all but ''), and their values. */
  private readonly names: string[] = [];
  private readonly values: T[] = [];
  /** The value of '', kept apart: a key reads characters, and '' has none. */
  private readonly empty: T | undefined;
  /** The shortest hashed name's length: a shorter name (or '') is not among them. */
  private readonly minLength: number;
  private readonly keys: Int32Array;
  /** 0 is an empty slot, i + 1 the i-th name: open addressing with linear probing. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  // The four probes, as (fromEnd, at) pairs; see Probe.
  private readonly e0: number;
  private readonly a0: number;
  private readonly e1: number;
  private readonly a1: number;
  private readonly e2: number;
  private readonly a2: number;
  private readonly e3: number;
  private readonly a3: number;

  constructor(entries: ReadonlyArray<readonly [string, T]>) {
    const known = new Set<string>();
    let empty: T | undefined;
    let minLength = NO_LENGTH;
    for (const [name, value] of entries) {
      if (known.has(name)) continue;
      known.add(name);
      if (name === '') {
        empty = value;
        continue;
      }
      this.names.push(name);
      this.values.push(value);
      minLength = Math.min(minLength, name.length);
    }
    this.empty = empty;
    this.minLength = minLength;
    const probes = chooseProbes(this.names, minLength) as [Probe, Probe, Probe, Probe];
    const [[e0, a0], [e1, a1], [e2, a2], [e3, a3]] = probes;
    this.e0 = e0;
    this.a0 = a0;
    this.e1 = e1;
    this.a1 = a1;
    this.e2 = e2;
    this.a2 = a2;
    this.e3 = e3;
    this.a3 = a3;
    let bits = 3;
    while (1 << bits < this.names.length * 2) bits++;
    this.mask = (1 << bits) - 1;
    this.keys = new Int32Array(this.mask + 1);
    this.slots = new Int32Array(this.mask + 1);
    this.names.forEach((name, i) => {
      const k = this.keyOf(name);
      let at = k & this.mask;
      while (this.slots[at] !== 0) at = (at + 1) & this.mask;
      this.keys[at] = k;
      this.slots[at] = i + 1;
    });
  }

  /** The key of a name of at least minLength characters: every probe is inside it. */
  private keyOf(s: string): number {
    const n = s.length;
    let h = mixLength(n);
    h = mixChar(h, s.charCodeAt(this.e0 * n + this.a0));
    h = mixChar(h, s.charCodeAt(this.e1 * n + this.a1));
    h = mixChar(h, s.charCodeAt(this.e2 * n + this.a2));
    h = mixChar(h, s.charCodeAt(this.e3 * n + this.a3));
    return h ^ (h >>> 15);
  }

  get(name: string): T | undefined {
    if (name.length < this.minLength) return name === '' ? this.empty : undefined;
    const k = this.keyOf(name);
    const { keys, slots, mask } = this;
    for (let at = k & mask; ; at = (at + 1) & mask) {
      const slot = slots[at] as number;
      if (slot === 0) return undefined;
      if (keys[at] === k && this.names[slot - 1] === name) return this.values[slot - 1];
    }
  }
}

/**
 * The index of no names, shared. Also what keeps the index's hidden class alive between requests:
 * V8 drops a class's shape when no object of it is left, and with it every piece of optimised
 * code that checks for it, so without one long-lived index each request would re-optimise the
 * page loop from scratch (measured: a recompile after every GC).
 */
const NO_NAMES = new ProbedNameIndex<never>([]);

/** Creates an index of `entries` (a repeated name keeps its first value, as a Map built with `has` would). */
export function createNameIndex<T>(entries: ReadonlyArray<readonly [string, T]>): NameIndex<T> {
  return entries.length === 0 ? NO_NAMES : new ProbedNameIndex(entries);
}
