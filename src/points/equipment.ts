// Equipment names in one spelling per family across a site (`VAV_401`, `Vav401`, `VAV 0401` are all
// VAV-401; `Ahu7_1` AHU-7-1; `Dev 0001003` Device 1003), every identifying digit and letter kept;
// plant labels (`CHWS`) kept as written, a room in a device name (`VAV Rm 214 Lab`) returned as a
// place, never made a unit number. Pure; owns equipment names only.
import { ACRONYMS, humanize, tidyPlace } from './humanize.ts';

/** Equipment families: upper case in names; a family word followed by an id is a unit. */
export const FAMILIES: ReadonlySet<string> = new Set(
  (
    'VAV AHU RTU FCU FC MAU ERV HRV DOAS CRAC CRAH UH CUH EF SF RF HP WSHP CH CHLR CT CWP CHWP HWP ' +
    'PMP BLR FPB FTR VVT ACU AC HV HX TU UV DX BB RAD MZ SZ CV VFD MUA EUH'
  ).split(' '),
);

/** A device name as read: the equipment, and a place the name carried (`VAV Rm 214 Lab`). */
export interface DeviceName {
  equipment: string;
  place: string | null;
}

// C0 and C1 control characters and the Unicode line separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const GENERIC_DEVICE = /^dev(?:ice)?[\s_#-]*0*(\d+)$/i;
const FAMILY_ID = /^([A-Za-z]{2,12})[\s_.-]*(\d+[A-Za-z]?(?:[\s_.-]+\d+[A-Za-z]?)*)$/;
const ID = /^\d+[A-Za-z]?$/;

/** One id group as displayed: no leading zeros (but at least one digit), suffix letter upper. */
const idGroup = (group: string) => group.replace(/^0+(?=\d)/, '').toUpperCase();

function familyWord(letters: string): string {
  const upper = letters.toUpperCase();
  return FAMILIES.has(upper) || ACRONYMS.has(upper) ? upper : upper.charAt(0) + upper.slice(1).toLowerCase();
}

/**
 * `<family><id>` in any spelling (`Ahu7_1`, `VAV 0401`, `vav-102a`, `Boiler2`) as `FAMILY-ID`;
 * null when the text is not one. A word not in FAMILIES counts only without spaces (`Room 209`
 * stays a room) and never with `knownOnly`.
 */
export function familyId(text: string, knownOnly = false): string | null {
  const m = FAMILY_ID.exec(text.trim());
  if (!m) return null;
  const letters = m[1] ?? '';
  const known = FAMILIES.has(letters.toUpperCase());
  if (!known && (knownOnly || /\s/.test(text.trim()))) return null;
  const groups = (m[2] ?? '').split(/[\s_.-]+/).map(idGroup);
  return `${familyWord(letters)}-${groups.join('-')}`;
}

/** A word as kept in an equipment name: a family and id normalised, underscores and camelCase split. */
function tidyWord(word: string): string {
  if (FAMILIES.has(word.toUpperCase())) return word.toUpperCase();
  return familyId(word, true) ?? tidyPlace(word);
}

/**
 * Reads a BACnet device name; null when it is empty. Generic device names become `Device <n>`;
 * a family and an id become `FAMILY-ID` (the id's words after it, if any, a place); a family
 * followed by other words (`VAV Rm 214 Lab`) is the family with the words as its place.
 */
export function readDeviceName(raw: unknown): DeviceName | null {
  const text = typeof raw === 'string' ? raw.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim() : '';
  if (text === '') return null;
  const generic = GENERIC_DEVICE.exec(text);
  if (generic) return { equipment: `Device ${generic[1] ?? ''}`, place: null };
  const whole = familyId(text);
  if (whole) return { equipment: whole, place: null };
  const [first = '', second = '', ...rest] = text.split(' ');
  const family = FAMILIES.has(first.toUpperCase());
  const head = familyId(first, true);
  if (head) return { equipment: head, place: tidyPlace([second, ...rest].join(' ')) || null };
  if (family && ID.test(second)) {
    return {
      equipment: `${first.toUpperCase()}-${idGroup(second)}`,
      place: tidyPlace(rest.join(' ')) || null,
    };
  }
  if (family && second !== '')
    return { equipment: first.toUpperCase(), place: tidyPlace([second, ...rest].join(' ')) };
  return { equipment: text.split(' ').map(tidyWord).join(' '), place: null };
}

/** An equipment name from a Niagara path component: `Vav718` → VAV-718, `MainPlant` → Main Plant. */
export function equipmentFromId(id: string): string {
  return familyId(id) ?? humanize(id);
}
