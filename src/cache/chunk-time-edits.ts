// A series' times as edits of an earlier series' in the same chunk (chunk-times.ts's `like`
// form): the points of one controller are usually logged at the same instants, each missing a
// few of them, so "keep 120, drop 1, keep 163" costs a few bytes where the times themselves cost
// hundreds. Groups of (keep, drop, add k, then the k added times as deltas from the time before).
// Pure.
import { type ByteReader, isZigzagSafe } from '../encoding/varint.ts';

/** The flat tokens of an edit script: varints, except added times which are zig-zag deltas. */
export interface EditScript {
  tokens: number[];
  /** Which tokens are zig-zag deltas (the added times). */
  signed: boolean[];
  /** What the tokens cost as varints, in bytes. */
  bytes: number;
}

const varintBytes = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : Math.ceil(Math.log2(n + 1) / 7));
const zigzagOf = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);

/**
 * The script turning ascending `ref` into ascending `t` (both safe integers), or null when it
 * would cost more than `budget` bytes or an added time's delta is not zig-zag safe.
 */
export function editScript(ref: readonly number[], t: readonly number[], budget: number): EditScript | null {
  const tokens: number[] = [];
  const signed: boolean[] = [];
  let bytes = 0;
  const push = (n: number, isSigned: boolean) => {
    tokens.push(n);
    signed.push(isSigned);
    bytes += varintBytes(isSigned ? zigzagOf(n) : n);
  };
  let i = 0;
  let j = 0;
  while (j < t.length) {
    const keepFrom = i;
    while (i < ref.length && j < t.length && ref[i] === t[j]) {
      i++;
      j++;
    }
    const dropFrom = i;
    while (i < ref.length && j < t.length && (ref[i] as number) < (t[j] as number)) i++;
    const added: number[] = [];
    while (j < t.length && (i >= ref.length || (t[j] as number) < (ref[i] as number)))
      added.push(t[j++] as number);
    push(dropFrom - keepFrom, false);
    push(i - dropFrom, false);
    push(added.length, false);
    let previous = j - added.length > 0 ? (t[j - added.length - 1] as number) : 0;
    for (const x of added) {
      if (!isZigzagSafe(x - previous)) return null;
      push(x - previous, true);
      previous = x;
    }
    if (bytes > budget) return null;
  }
  return { tokens, signed, bytes };
}

/** Applies the script read from r to ref, giving n times; throws a RangeError when malformed. */
export function readEdits(r: ByteReader, ref: readonly number[], n: number): number[] {
  const t = new Array<number>(n);
  let i = 0;
  let j = 0;
  while (j < n) {
    const keep = r.varint();
    const drop = r.varint();
    const add = r.varint();
    if (keep + drop + i > ref.length || keep + add + j > n || keep + drop + add === 0)
      throw new RangeError('bad time edits');
    for (let k = 0; k < keep; k++) t[j++] = ref[i++] as number;
    i += drop;
    let previous = j > 0 ? (t[j - 1] as number) : 0;
    for (let k = 0; k < add; k++) {
      previous += r.zigzag();
      t[j++] = previous;
    }
  }
  return t;
}
