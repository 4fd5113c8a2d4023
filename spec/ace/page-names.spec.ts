// Specifies src/ace/page-names.ts directly: PageNames gives each distinct name of a page the id of
// its first appearance (a first-seen Map is the model) in any order of finding, past every growth
// of its table and for names alike in the bytes it hashes; it gives up on a name that is not plain,
// and plainBytes tells plain content from escapes and control characters, within its range only.
// Whole pages read through it are spec/ace/samples-text.spec.ts.
import { describe, expect, it } from 'vitest';
import { GIVE_UP, PageNames, plainBytes } from '../../src/ace/page-names.ts';

/** The names as a page's text would hold them (`"a","b",…`) and each one's [from, to) in it. */
function page(names: readonly string[]): { b: Uint8Array; text: string; at: Array<[number, number]> } {
  let text = '';
  const at: Array<[number, number]> = [];
  for (const name of names) {
    text += '"';
    at.push([text.length, text.length + name.length]);
    text += `${name}",`;
  }
  const b = new Uint8Array(text.length + 64);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
  return { b, text, at };
}

/** Every name found in turn by one PageNames. */
function findAll(names: readonly string[]): { ids: number[]; known: readonly string[] } {
  const { b, text, at } = page(names);
  const found = new PageNames();
  const ids = at.map(([from, to]) => found.find(b, text, from, to));
  return { ids, known: found.names };
}

/** The model: each name's id is the number of distinct names seen before its first appearance. */
function firstSeen(names: readonly string[]): { ids: number[]; known: string[] } {
  const map = new Map<string, number>();
  const ids = names.map((name) => {
    if (!map.has(name)) map.set(name, map.size);
    return map.get(name) as number;
  });
  return { ids, known: [...map.keys()] };
}

const point = (i: number) => `ses/site/building/floor${i % 7}/ahu${i}/points.Temp`;

describe('PageNames', () => {
  it('numbers names by first appearance, whichever name follows which', () => {
    // B follows A once, then C follows A: the name that followed A last time is not C.
    const names = ['A', 'B', 'A', 'C', 'A', 'B', 'C', 'C', 'B', 'A', 'D', 'A', 'D'];
    expect(findAll(names)).toStrictEqual(firstSeen(names));
  });

  it('numbers hundreds of names through every growth of its table, in runs, cycles and jumps', () => {
    const distinct = Array.from({ length: 300 }, (_, i) => point(i));
    const names: string[] = [];
    for (const name of distinct.slice(0, 40)) names.push(name, name, name); // a page ordered by point
    for (let round = 0; round < 3; round++) names.push(...distinct.slice(0, 150)); // by time
    for (let i = 0; i < 600; i++) names.push(distinct[(i * 37) % 300] as string); // any order
    names.push(...distinct.slice().reverse());
    expect(findAll(names)).toStrictEqual(firstSeen(names));
  });

  it('numbers names alike in length and in all but their first three bytes', () => {
    // 100 names of one length, differing only in their first three characters.
    const tail = '/site/building/floor/ahu/points.SupplyAirTemp';
    const distinct = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')}${tail}`);
    const names = [...distinct, ...distinct.slice().reverse(), ...distinct];
    const { ids, known } = findAll(names);
    expect(ids).not.toContain(GIVE_UP);
    expect({ ids, known }).toStrictEqual(firstSeen(names));
  });

  it('gives up on a name whose lookup meets 32 taken slots in a row (crafted collisions)', () => {
    // Found offline: 33 names whose keys differ but fall in one slot of the first 64, so the
    // first 32 fill a run of slots and the 33rd finds no free one within its 32 probes.
    const crafted = [
      'p0',
      'p18',
      'p20',
      'p34',
      'p53',
      'p93',
      'p162',
      'p302',
      'p323',
      'p363',
      'p698',
      'p769',
      'p774',
      'p784',
      'p845',
      'p893',
      'p1181',
      'p1202',
      'p1242',
      'p1272',
      'p1455',
      'p1467',
      'p1504',
      'p1519',
      'p1547',
      'p1611',
      'p1646',
      'p1651',
      'p1676',
      'p1737',
      'p1815',
      'p1977',
      'p2040',
    ];
    const { ids } = findAll(crafted);
    expect(ids.slice(0, 32)).toStrictEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(ids[32]).toBe(GIVE_UP);
  });

  it('gives up so on long names too, which it hashes by their last bytes until two keys are equal', () => {
    // Found offline likewise: 33 names longer than the hashed bytes, keys distinct, one slot.
    const crafted = [
      0, 32, 62, 209, 297, 387, 396, 488, 508, 642, 794, 896, 959, 1002, 1029, 1032, 1042, 1182, 1193, 1212,
      1354, 1424, 1465, 1488, 1497, 1546, 1580, 1668, 1802, 1815, 1863, 1918, 1921,
    ].map((i) => `ses/site/building/floor/ahu/points.p${i}`);
    const { ids } = findAll(crafted);
    expect(ids.slice(0, 32)).toStrictEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(ids[32]).toBe(GIVE_UP);
  });

  it('finds a name met before by its table too, after a switch to hashing every byte crowds its home', () => {
    // Forty names whose whole-name keys share one home slot of a 128-slot table (found by search
    // with the module's hash), met while keys read only their last 24 bytes; then two names alike
    // there switch it to every byte and rebuild it. A name then found by lookup, not by a guess
    // (it follows a new name), must have its id: a rebuild that placed it 32 or more slots past
    // its home left it to the guess alone, and the lookup gave up.
    const tail = '/site/building/floor/ahu/points.';
    const crowded = [
      0, 118, 495, 745, 843, 1038, 1206, 1409, 1412, 1563, 1645, 1675, 1718, 1764, 2082, 2440, 2496, 2909,
      2959, 3071, 3099, 3128, 3427, 3788, 4125, 4166, 4209, 4258, 4444, 4725, 4816, 4855, 5010, 5171, 5575,
      5661, 5947, 6018, 6053, 6136,
    ].map((i) => `${tail}x${String(i).padStart(6, '0')}`);
    const alike = ['P', 'Q'].map((c) => `${c}${tail}common-tail-of-24-bytes!!`);
    for (const k of [0, 31, 32, 39]) {
      const names = [...crowded, ...alike, `new-${k}`, crowded[k] as string];
      expect(findAll(names)).toStrictEqual(firstSeen(names));
    }
  });

  it('gives up on a name with an escape or a control character, and goes on with the others', () => {
    const names = ['a', 'b\\n', 'c', 'd\te', 'a', 'c'];
    expect(findAll(names).ids).toStrictEqual([0, GIVE_UP, 1, GIVE_UP, 0, 1]);
  });
});

describe('plainBytes', () => {
  const bytes = (...codes: number[]) => Uint8Array.from(codes);

  it('is true for printable ASCII, spaces and quotes included', () => {
    expect(plainBytes(bytes(32, 33, 34, 65, 91, 93, 126, 127), 0, 8)).toBe(true);
    expect(plainBytes(bytes(), 0, 0)).toBe(true);
  });

  it('is false for a backslash or any character below the space', () => {
    for (const c of [0, 9, 10, 13, 31, 92]) expect(plainBytes(bytes(65, c, 66), 0, 3)).toBe(false);
  });

  it('reads only [from, to)', () => {
    const b = bytes(10, 65, 66, 92);
    expect(plainBytes(b, 1, 3)).toBe(true);
    expect(plainBytes(b, 0, 3)).toBe(false);
    expect(plainBytes(b, 1, 4)).toBe(false);
  });
});
