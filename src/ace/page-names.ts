// The distinct point names of one ACE page as samples-text.ts meets them in its text: each name's
// id, found without building a string per entry for a Map to hash (~140 ns for an 80-character
// path). Owns no parsing of the page's structure; the page's bytes and text are the caller's.

/** Slots a lookup may probe: more means colliding keys (crafted names); the page falls back. */
const MAX_PROBES = 32;
/** The sparsest a table grows to part names whose keys share a home slot. */
const MAX_SLOTS_PER_NAME = 64;
/** Bytes of a name's end its key reads (where names of one site differ), and "all of them". */
const REACH = 24;
const FULL = 0x3fff_ffff;
/** What find answers when the page must fall back: a name that is not plain, or crafted collisions. */
export const GIVE_UP = -2;

/** True when b[from, to) is a JSON string's content exactly as written: no escape, no control character. */
export function plainBytes(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c < 32 || c === 92) return false;
  }
  return true;
}

/**
 * Open addressing over a hash of a name's length and last REACH bytes, each hit confirmed by
 * comparing strings: a slice of the text compared with === is one memory comparison in V8, where
 * a loop over bytes or characters, or startsWith, costs 2–4× more. Two names alike in the hashed
 * bytes switch the page to hashing every byte. A name is checked to be plain when first met, so a
 * later equal one is plain too. The name that followed the last one found, the last time, is
 * tried first: pages ordered by point repeat one name, pages ordered by time often a sequence.
 */
export class PageNames {
  readonly names: string[] = [];
  private reach = REACH;
  private keys = new Int32Array(64);
  /** 0 is an empty slot, id + 1 a name. */
  private slots = new Int32Array(64);
  /** The id last found, and per id the id found after it last time (-1: none yet). */
  private last = -1;
  private readonly next: number[] = [];

  /** The id of the name at b[from, to) (text[from, to) as a string; to: its closing quote), or GIVE_UP. */
  find(b: Uint8Array, text: string, from: number, to: number): number {
    const name = text.slice(from, to);
    const last = this.last;
    const guess = last < 0 ? -1 : (this.next[last] as number);
    if (guess >= 0 && this.names[guess] === name) {
      this.last = guess;
      return guess;
    }
    const id = this.lookup(b, from, to, name);
    if (id >= 0) {
      if (last >= 0) this.next[last] = id;
      this.last = id;
    }
    return id;
  }

  private keyOf(b: Uint8Array, from: number, to: number): number {
    let h = Math.imul(to - from, 0x9e3779b1);
    for (let i = Math.max(from, to - this.reach); i < to; i++)
      h = Math.imul(h ^ (b[i] as number), 0x01000193);
    return h ^ (h >>> 15);
  }

  private lookup(b: Uint8Array, from: number, to: number, name: string): number {
    const key = this.keyOf(b, from, to);
    const mask = this.slots.length - 1;
    let alike = false;
    for (let n = 0, at = key & mask; n < MAX_PROBES; n++, at = (at + 1) & mask) {
      const slot = this.slots[at] as number;
      if (slot === 0) return plainBytes(b, from, to) ? this.add(name, at, key, alike) : GIVE_UP;
      if (this.keys[at] === key) {
        if (this.names[slot - 1] === name) return slot - 1;
        alike = true;
      }
    }
    return GIVE_UP;
  }

  private add(name: string, at: number, key: number, alike: boolean): number {
    const id = this.names.length;
    this.names.push(name);
    this.next.push(-1);
    this.keys[at] = key;
    this.slots[at] = id + 1;
    if (alike) this.reach = FULL;
    if (alike || this.names.length * 2 > this.slots.length) this.rebuild();
    return id;
  }

  /**
   * Slots for every name with the current reach, at most half of them in use, and every name within
   * MAX_PROBES of its home slot: a lookup gives up past that, so a name placed further would be
   * found again only by a guess. A larger table parts names whose keys share a home; names sharing
   * a whole key cannot be parted, so growing stops at MAX_SLOTS_PER_NAME a name (their lookups then
   * give up, and the page is read by JSON.parse).
   */
  private rebuild(): void {
    let size = this.slots.length;
    while (this.names.length * 2 > size) size *= 2;
    while (!this.place(size) && size < this.names.length * MAX_SLOTS_PER_NAME) size *= 2;
  }

  /** Places every name in a table of `size` slots; false if one lands MAX_PROBES or more from home. */
  private place(size: number): boolean {
    this.keys = new Int32Array(size);
    this.slots = new Int32Array(size);
    const mask = size - 1;
    const bytes = new TextEncoder();
    let reached = true;
    this.names.forEach((name, id) => {
      const b = bytes.encode(name);
      const key = this.keyOf(b, 0, b.length);
      let at = key & mask;
      for (let n = 0; this.slots[at] !== 0; n++, at = (at + 1) & mask)
        if (n + 1 >= MAX_PROBES) reached = false;
      this.keys[at] = key;
      this.slots[at] = id + 1;
    });
    return reached;
  }
}
