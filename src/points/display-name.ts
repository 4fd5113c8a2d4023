// Human names for ACE points (review 37, issue 16): `<equipment> <role> · <place>`, e.g.
// `VAV-401 Heat Signal · Male Lockers B1416`, at most 80 characters, units as symbols; equipment
// by family (equipment.ts), role and place from names, objects and tags (tags.ts, humanize.ts).
// Pure and total: any input, even null or a number, yields a non-empty name and never throws.
import { equipmentFromId, readDeviceName } from './equipment.ts';
import { humanize, tidyPhrase, tidyPlace } from './humanize.ts';
import { readTags, type TagReading } from './tags.ts';
import { unitSymbol } from './units.ts';

/** What the namer reads of a point; every field may be missing or of the wrong type. */
export interface PointNameInput {
  name?: unknown;
  bacnet_data?: unknown;
  marker_tags?: unknown;
  kv_tags?: unknown;
}

/** A point's human description. */
export interface PointDescription {
  display_name: string;
  equipment: string | null;
  unit: string | null;
}

/** Longest display name returned; the place goes first, then the role is cut with an ellipsis. */
export const MAX_DISPLAY_NAME_LENGTH = 80;
const MAX_EQUIPMENT_LENGTH = 40;
const MAX_DEVICE_PLACE_LENGTH = 30;
const FALLBACK_NAME = 'Unnamed point';
const PLACE_SEPARATOR = ' · ';

// C0 and C1 control characters and the Unicode line separators, replaced by spaces.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
/** `.../<device>/<object type>/<index>`, the type kebab (`analog-input`) or camel (`analogValue`). */
const BACNET_PATH = /\/([^/]+)\/([a-z]+(?:-[a-z]+)+|[a-z]+(?:[A-Z][a-z]+)+)\/(\d+)$/;
/** Object names that say nothing but the object (`AV 00`, `AI 10`, `Analog Value 5`). */
const GENERIC_OBJECT =
  /^(?:(?:[ABM][IOV]|MS[IOV]|ACC|LP|SCH|TL|NC|PIV|OBJ|OBJECT)|(?:analog|binary|multi[\s-]?state)[\s_-]*(?:input|output|value))[\s_-]*\d+$/i;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string => {
  if (typeof v === 'string') return v.replace(CONTROL, ' ').trim();
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '';
};

const length = (s: string) => [...s].length;

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max
    ? s
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

interface Parts {
  equipment: string | null;
  role: string;
  /** A place the device name carried (`VAV Rm 214 Lab`): kept before any tagged place. */
  place: string | null;
}

/** Niagara path: `.../C.Drivers.Bacnet.Vav718.points.ActHeatSetpt` → VAV-718, Act Heat Setpoint. */
function fromNiagara(last: string): Parts | null {
  const at = last.toLowerCase().lastIndexOf('.points.');
  if (at < 0) return null;
  const device = last.slice(0, at).split('.').filter(Boolean).pop() ?? '';
  return {
    equipment: device ? equipmentFromId(device) : null,
    role: humanize(last.slice(at + 8)),
    place: null,
  };
}

/** The role of a BACnet object: JACE name, meaningful object name, role tag, or the object as named. */
function bacnetRole(bacnet: Record<string, unknown>, tags: TagReading, type: string, index: string): string {
  if (tags.jaceName) return humanize(tags.jaceName);
  const device = text(bacnet.device_name);
  let object = text(bacnet.object_name);
  if (device && object.toLowerCase().startsWith(device.toLowerCase()))
    object = object.slice(device.length).trim();
  const generic =
    object === '' || GENERIC_OBJECT.test(object) || object.toLowerCase() === device.toLowerCase();
  if (!generic) return tidyPhrase(object);
  if (tags.role) return humanize(tags.role);
  return object ? tidyPhrase(object) : `${humanize(type)} ${index}`;
}

/** BACnet-style path `ses/site/<device>/<type>/<index>`: meaning from bacnet_data and the tags. */
function fromBacnet(name: string, bacnet: Record<string, unknown>, tags: TagReading): Parts | null {
  const m = BACNET_PATH.exec(name);
  if (!m) return null;
  const [, segment = '', type = '', index = ''] = m;
  const device = readDeviceName(bacnet.device_name);
  // `6000:48-6048` (network:mac-device) or `2000`; else bacnet_data's device_id.
  const id = /(?:^|-)(\d+)$/.exec(segment)?.[1] ?? text(bacnet.device_id);
  const byId = /^\d+$/.test(id) ? `Device ${id.replace(/^0+(?=\d)/, '')}` : null;
  return {
    equipment: device?.equipment ?? tags.labels[0] ?? byId,
    role: bacnetRole(bacnet, tags, type, index),
    place: device?.place ?? null,
  };
}

/** Short names `AHU-01-ZoneTemp`: the last hyphen part is the point, the rest the equipment. */
function fromShort(name: string): Parts {
  const cut = name.lastIndexOf('-');
  const key = cut > 0 ? name.slice(cut + 1) : '';
  if (cut > 0 && /[A-Za-z]/.test(key) && !/\s/.test(name)) {
    // The equipment prefix keeps its own punctuation (`B07-SURGERYCHILLER`); camelCase is split.
    return { equipment: tidyPlace(name.slice(0, cut)), role: humanize(key), place: null };
  }
  // No point key after the last hyphen (`AHU-01`): the name is kept with its punctuation, if tidy.
  const asWritten = !(/[A-Za-z]/.test(key) || cut <= 0 || /_|[a-z][A-Z]/.test(name));
  return { equipment: null, role: asWritten ? name : humanize(name), place: null };
}

/** Tagged places and labels that add something (not the equipment, the role or the device's place). */
function taggedPlaces(parts: Parts, tags: TagReading): string[] {
  const seen = new Set([parts.equipment, parts.role, parts.place].map((s) => s?.toLowerCase()));
  const out: string[] = [];
  for (const place of [...tags.places, ...tags.labels]) {
    if (seen.has(place.toLowerCase())) continue;
    seen.add(place.toLowerCase());
    out.push(place);
  }
  return out;
}

/**
 * `<equipment> <role> · <places>` within MAX_DISPLAY_NAME_LENGTH: tagged places are dropped (then
 * cut) before the role is cut; the equipment and the device's own place are kept.
 */
function compose(parts: Parts, tagged: readonly string[]): string {
  const equipment = parts.equipment ?? '';
  // `CHWS` and `CHWS Temp`: the role need not say the equipment again.
  const said = equipment && parts.role.toLowerCase().startsWith(`${equipment.toLowerCase()} `);
  const role = said ? parts.role.slice(equipment.length + 1) : parts.role;
  const sticky = parts.place ? clip(parts.place, MAX_DEVICE_PLACE_LENGTH) : null;
  const reserve = sticky ? length(sticky) + PLACE_SEPARATOR.length : 0;
  const roleRoom = Math.max(12, MAX_DISPLAY_NAME_LENGTH - length(equipment) - 1 - reserve);
  const head = [equipment, clip(role, roleRoom)]
    .filter((s) => s)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const tail = sticky ? [sticky, ...tagged] : [...tagged];
  const line = () => (tail.length > 0 && head ? `${head}${PLACE_SEPARATOR}${tail.join(', ')}` : head);
  const keep = sticky ? 1 : 0;
  while (tail.length > keep && length(line()) > MAX_DISPLAY_NAME_LENGTH) {
    const room = MAX_DISPLAY_NAME_LENGTH - length(line()) + length(tail.at(-1) ?? '');
    const last = tail.pop() ?? '';
    // The last place cut to what is left, if enough is left to read.
    if (tail.length === keep && room >= 8) tail.push(clip(last, room));
  }
  return clip(line(), MAX_DISPLAY_NAME_LENGTH);
}

/**
 * Describes a point for people: `{display_name, equipment, unit}`. Total by construction (every
 * field is type-checked before use, no lookup can miss into a throw), which the property specs
 * check over arbitrary values, so one odd point never breaks a listing.
 */
export function describePoint(input: PointNameInput | null | undefined | unknown): PointDescription {
  const record = isRecord(input) ? input : { name: input };
  const name = text(record.name);
  const bacnet = isRecord(record.bacnet_data) ? record.bacnet_data : {};
  const tags = readTags(record.marker_tags, record.kv_tags);
  const unit = unitSymbol(bacnet.object_units);

  const lastSegment = (
    name
      .split('/')
      .filter((s) => s.trim() !== '')
      .pop() ?? ''
  ).trim();
  const parts: Parts =
    (name.includes('/') ? (fromNiagara(lastSegment) ?? fromBacnet(name, bacnet, tags)) : fromNiagara(name)) ??
    fromShort(lastSegment);
  if (!parts.role) parts.role = tidyPhrase(text(bacnet.object_name));
  const equipment = parts.equipment
    ? clip(parts.equipment.replace(/\s+/g, ' '), MAX_EQUIPMENT_LENGTH) || null
    : null;
  const described = { ...parts, equipment };
  const display =
    compose(described, taggedPlaces(described, tags)) ||
    clip((lastSegment || name).replace(/[\s_]+/g, ' ').trim(), MAX_DISPLAY_NAME_LENGTH) ||
    FALLBACK_NAME;
  return { display_name: display, equipment, unit };
}

/** The display name alone (see describePoint). */
export function displayName(input: PointNameInput | null | undefined | unknown): string {
  return describePoint(input).display_name;
}
