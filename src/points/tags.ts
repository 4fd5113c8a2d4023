// What a real site's tags say about a point: its role (`HeatSignal`), the place it serves (`Male
// Lockers B1416`, `Pharmacy`) and equipment labels (`RTU7`) from marker tags, in either order or
// alone, a label possibly leading a role (`RTU7 SaPressWuSetpt`); and the JACE's object name from
// kv tags (a map, or a list of one-key maps). Haystack markers (`point`, `sensor`, `temp`) say
// nothing here. The same tags in any order read the same. Pure; owns reading tags only.
import { familyId } from './equipment.ts';
import { ABBREVIATIONS, keyTokens, tidyPlace } from './humanize.ts';

/** What the tags say; every part may be missing. */
export interface TagReading {
  /** The most specific role, as tagged (humanised by the caller); null when none. */
  role: string | null;
  /** Places, tidied, distinct, sorted. */
  places: string[];
  /** Equipment labels in one spelling (`RTU-7`), distinct, sorted. */
  labels: string[];
  /** kv `jace_object_name`, as tagged; null when none. */
  jaceName: string | null;
}

/** Words a role is made of (lower case): what is measured or commanded, never where. */
const ROLE_WORDS: ReadonlySet<string> = new Set([
  ...ABBREVIATIONS.keys(),
  ...(
    'heat heating cool cooling signal room zone space temp temperature air airflow flow humidity ' +
    'pressure static duct supply return outside outdoor mixed discharge exhaust relief fan pump valve ' +
    'damper position status command enable alarm fault setpoint occupied occupancy speed stage mode ' +
    'level power energy demand load water chilled hot condenser min max minimum maximum low high ' +
    'limit warm up reheat economizer filter run start stop on off override feedback differential ' +
    'current voltage amps frequency output input effective active actual act schedule lead lag ' +
    'runtime count total average bypass isolation freeze frost smoke dew point enthalpy request reset ' +
    'cycle percent ratio capacity compressor defrost purge delta unit vane box coil preheat dp rh co2 ' +
    'co voc sat rat oat dat mat zat chw hw cw chws chwr hws hwr cws cwr dhw vfd vsd cfm gpm kw kwh ' +
    'ewt lwt occ unocc sp sa ra oa da ea ma wu lo hi lim'
  ).split(' '),
]);

// C0 and C1 control characters and the Unicode line separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
/** Room numbers and codes (`209`, `B1416`, `2N`): a tag holding one names a place. */
const ROOM_CODE = /^(\d{2,}[A-Za-z]?|[A-Za-z]{1,2}\d{2,}[A-Za-z]?|\d[A-Za-z])$/;

const clean = (v: unknown) =>
  typeof v === 'string' ? v.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim() : '';

/** True when every word of the text is a role word (`HeatSignal`, `Space Humidity`, `Airflow`). */
function isRole(text: string): boolean {
  if (text.split(' ').some((w) => ROOM_CODE.test(w))) return false;
  const words = keyTokens(text).filter((w) => !/^\d$/.test(w));
  return words.length > 0 && words.every((w) => ROLE_WORDS.has(w.toLowerCase()));
}

/** Haystack-style markers and key:value strings: nothing a person would call the point by. */
const isMarker = (tag: string) => /^[a-z][a-z0-9]*$/.test(tag) || /[:=@#]/.test(tag);

/** A kv `jace_object_name` from a map or a list of maps (the first one found). */
function jaceName(kv: unknown): string | null {
  for (const map of Array.isArray(kv) ? kv : [kv]) {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) continue;
    const name = clean((map as Record<string, unknown>).jace_object_name);
    if (name !== '') return name;
  }
  return null;
}

/** More words is more specific; ties go to the first in code-unit order, so order never matters. */
function mostSpecific(roles: readonly string[]): string | null {
  const count = (r: string) => keyTokens(r).length;
  return [...roles].sort((a, b) => count(b) - count(a) || (a < b ? -1 : a > b ? 1 : 0))[0] ?? null;
}

const sorted = (items: Iterable<string>) => [...new Set(items)].sort();

/** Reads a point's marker and kv tags (any value; junk reads as nothing). */
export function readTags(markerTags: unknown, kvTags: unknown): TagReading {
  const roles: string[] = [];
  const places: string[] = [];
  const labels: string[] = [];
  for (const raw of Array.isArray(markerTags) ? markerTags : []) {
    const tag = clean(raw);
    if (tag === '' || isMarker(tag)) continue;
    const label = familyId(tag, true);
    const [first = '', ...rest] = tag.split(' ');
    const lead = rest.length > 0 ? familyId(first, true) : null;
    if (label) labels.push(label);
    else if (lead && isRole(rest.join(' '))) {
      labels.push(lead);
      roles.push(rest.join(' '));
    } else if (isRole(tag)) roles.push(tag);
    else if (tidyPlace(tag) !== '') places.push(tidyPlace(tag));
  }
  return {
    role: mostSpecific(roles),
    places: sorted(places),
    labels: sorted(labels),
    jaceName: jaceName(kvTags),
  };
}
