// Human names for ACE points (review 37): the equipment prefix kept with its own punctuation,
// camelCase and acronym runs split, HVAC acronyms kept, common abbreviations expanded, equipment
// derived from Niagara paths or BACnet data, units as symbols. Pure and total: any input, even
// null or a number, yields a non-empty name and never throws. Owns naming only, not the listing.

/** What the namer reads of a point; every field may be missing or of the wrong type. */
export interface PointNameInput {
  name?: unknown;
  bacnet_data?: unknown;
}

/** A point's human description. */
export interface PointDescription {
  display_name: string;
  equipment: string | null;
  unit: string | null;
}

/** Longest display name returned; longer ones are cut with an ellipsis. */
export const MAX_DISPLAY_NAME_LENGTH = 160;
const FALLBACK_NAME = 'Unnamed point';

/** HVAC and building-automation acronyms kept upper case (and used to split runs of capitals). */
export const ACRONYMS: ReadonlySet<string> = new Set(
  (
    'AHU VAV RTU FCU MAU ERV HRV DOAS CRAC CRAH UH EF SF RF CHW HW CW CHWS CHWR HWS HWR CWS CWR DHW ' +
    'SP SA RA OA DA EA MA SAT RAT OAT DAT MAT ZAT CO2 CO NO2 VOC RH DP VFD VSD BTU CFM GPM PSI HVAC ' +
    'BMS BAS DDC HP WSHP ECM PID UV IAQ DX HX EWT LWT LN LL AI AO BI BO AV BV PM10 PM25 O2'
  ).split(' '),
);

/** Abbreviations expanded (keys lower case). */
export const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['setpt', 'Setpoint'],
  ['stpt', 'Setpoint'],
  ['setpoint', 'Setpoint'],
  ['sts', 'Status'],
  ['cmd', 'Command'],
  ['pos', 'Position'],
  ['temp', 'Temp'],
  ['tmp', 'Temp'],
  ['spd', 'Speed'],
  ['vlv', 'Valve'],
  ['dmpr', 'Damper'],
  ['press', 'Pressure'],
  ['enbl', 'Enable'],
  ['ena', 'Enable'],
  ['alm', 'Alarm'],
  ['clg', 'Cooling'],
  ['htg', 'Heating'],
  ['disch', 'Discharge'],
  ['stg', 'Stage'],
  ['fbk', 'Feedback'],
  ['hum', 'Humidity'],
  ['eff', 'Effective'],
]);

/** Words recognised inside runs of capitals (`CWPUMP` → CW Pump), upper case. */
const WORDS: ReadonlySet<string> = new Set(
  (
    'PUMP FAN TEMP FLOW STATUS COMMAND SUPPLY RETURN VALVE DAMPER SPEED PRESSURE SETPOINT ENABLE ' +
    'ALARM HEAT COOL ZONE AIR WATER LOAD POWER STAGE MODE START STOP RUN MIN MAX AVG HIGH LOW LEVEL ' +
    'STATIC DUCT OUTSIDE MIXED DISCHARGE CMD STS POS SETPT STPT TMP SPD CHILLER BOILER TOWER ON OFF ' +
    'OCC UNOCC FAULT TRIP RESET DEMAND ENERGY'
  ).split(' '),
);

/** Mixed-case unit tokens kept exactly as written (`kW`, not `K W`). */
const MIXED_CASE: readonly string[] = [
  'kWh',
  'kW',
  'kVAR',
  'kVA',
  'MWh',
  'MW',
  'kPa',
  'pH',
  'Hz',
  'mA',
  'mV',
];

/** BACnet engineering units (as ACE spells them) to symbols. */
export const UNIT_SYMBOLS: ReadonlyMap<string, string> = new Map([
  ['degrees-fahrenheit', '°F'],
  ['degrees-celsius', '°C'],
  ['degrees-kelvin', 'K'],
  ['delta-degrees-fahrenheit', 'Δ°F'],
  ['delta-degrees-kelvin', 'ΔK'],
  ['percent', '%'],
  ['percent-relative-humidity', '%RH'],
  ['cubic-feet-per-minute', 'CFM'],
  ['cubic-meters-per-hour', 'm³/h'],
  ['liters-per-second', 'L/s'],
  ['us-gallons-per-minute', 'GPM'],
  ['liters-per-minute', 'L/min'],
  ['inches-of-water', 'inH₂O'],
  ['pascals', 'Pa'],
  ['kilopascals', 'kPa'],
  ['pounds-force-per-square-inch', 'psi'],
  ['watts', 'W'],
  ['kilowatts', 'kW'],
  ['megawatts', 'MW'],
  ['kilowatt-hours', 'kWh'],
  ['megawatt-hours', 'MWh'],
  ['volts', 'V'],
  ['kilovolts', 'kV'],
  ['millivolts', 'mV'],
  ['amperes', 'A'],
  ['milliamperes', 'mA'],
  ['kilovolt-amperes', 'kVA'],
  ['kilovolt-amperes-reactive', 'kVAR'],
  ['hertz', 'Hz'],
  ['revolutions-per-minute', 'RPM'],
  ['parts-per-million', 'ppm'],
  ['feet-per-minute', 'FPM'],
  ['meters-per-second', 'm/s'],
  ['btus-per-hour', 'BTU/h'],
  ['tons-refrigeration', 'TR'],
  ['seconds', 's'],
  ['minutes', 'min'],
  ['hours', 'h'],
  ['days', 'd'],
  ['luxes', 'lx'],
]);
const NO_UNITS = new Set(['no-units', 'nounits', 'none', 'no_units', 'unknown', '']);

// C0 and C1 control characters and the Unicode line separators, replaced by spaces.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const BACNET_PATH = /\/(\d+)\/([a-z]+(?:-[a-z]+)+)\/(\d+)$/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string => {
  if (typeof v === 'string') return v.replace(CONTROL, ' ').trim();
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '';
};

const title = (word: string) => (word ? word.charAt(0).toUpperCase() + word.slice(1).toLowerCase() : word);

/**
 * Splits a run of capitals into known acronyms and words with the fewest pieces; null when it
 * cannot be split entirely (an unknown run is kept as written).
 */
function splitCapitals(run: string): string[] | null {
  const n = run.length;
  if (n > 40) return null;
  const best: Array<string[] | null> = new Array(n + 1).fill(null);
  best[0] = [];
  for (let end = 1; end <= n; end++) {
    for (let start = Math.max(0, end - 8); start < end; start++) {
      const prev = best[start];
      const piece = run.slice(start, end);
      if (!prev || !(ACRONYMS.has(piece) || WORDS.has(piece))) continue;
      const candidate = [...prev, piece];
      const current = best[end];
      if (!current || candidate.length < current.length) best[end] = candidate;
    }
  }
  return best[n] ?? null;
}

/** One token as displayed: acronyms upper, abbreviations expanded, words title-cased. */
function displayToken(token: string): string {
  if (/^\d+$/.test(token) || MIXED_CASE.includes(token)) return token;
  const upper = token.toUpperCase();
  const expansion = ABBREVIATIONS.get(token.toLowerCase());
  if (expansion) return expansion;
  if (ACRONYMS.has(upper)) return upper;
  if (token === upper && token.length > 1) {
    if (WORDS.has(upper)) return title(upper);
    const parts = splitCapitals(upper);
    return parts ? parts.map(displayToken).join(' ') : token;
  }
  return token.charAt(0).toUpperCase() + token.slice(1);
}

/** Splits one chunk (no separators) at camelCase, acronym and letter/digit boundaries. */
function splitChunk(chunk: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    const boundary = i === 0 || !/[a-z]/i.test(chunk.charAt(i - 1));
    const mixed = boundary ? MIXED_CASE.find((u) => chunk.startsWith(u, i)) : undefined;
    const after = mixed ? chunk.charAt(i + mixed.length) : '';
    if (mixed && (after === '' || /[A-Z0-9]/.test(after))) {
      tokens.push(mixed);
      i += mixed.length;
      continue;
    }
    const rest = chunk.slice(i);
    const m = /^[A-Z]+(?=[A-Z][a-z])/.exec(rest) ?? // a run of capitals before a capitalised word
      /^[A-Z][a-z]+/.exec(rest) ??
      /^[A-Z]+/.exec(rest) ??
      /^[a-z]+/.exec(rest) ??
      /^\d+/.exec(rest) ?? [rest.charAt(0)];
    let token = m[0];
    // An acronym that ends in digits (CO2, PM25) stays one token.
    const digits = /^\d+/.exec(chunk.slice(i + token.length));
    if (digits && /^[A-Z]+$/.test(token) && ACRONYMS.has(token + digits[0])) token += digits[0];
    tokens.push(token);
    i += token.length;
  }
  return tokens;
}

/** Turns a machine key (`ActHeatSetpt`, `CWPUMPCommand`, `zone_temp`) into words. */
export function humanize(key: string): string {
  const words: string[] = [];
  // `DemandkW`: a kilo-unit glued to a word is still a unit of its own.
  const spaced = key.replace(/(?<=[a-z])(kWh|kW|kVAR|kVA|kPa)(?=$|[^a-z])/g, ' $1');
  for (const chunk of spaced.split(/[^A-Za-z0-9]+/)) {
    if (chunk) for (const token of splitChunk(chunk)) words.push(displayToken(token));
  }
  return words.join(' ');
}

/** Tidies an already human phrase (BACnet object names): word by word, punctuation kept. */
function tidyPhrase(phrase: string): string {
  return phrase
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (/^[A-Za-z0-9]+$/.test(w) ? humanize(w) : w))
    .join(' ');
}

/** An equipment id from a path component: `Vav718` → `VAV-718`, `AHU_1` → `AHU-1`. */
function equipmentFromId(id: string): string {
  const m = /^([A-Za-z]+)[-_ ]?(\d+)([A-Za-z]?)$/.exec(id);
  if (m) {
    const letters = m[1] ?? '';
    const upper = letters.toUpperCase();
    const prefix = ACRONYMS.has(upper) ? upper : humanize(letters);
    return `${prefix}-${m[2] ?? ''}${(m[3] ?? '').toUpperCase()}`;
  }
  return humanize(id);
}

/** The unit symbol for a BACnet units string; null for none or missing. */
export function unitSymbol(units: unknown): string | null {
  const raw = text(units);
  const key = raw.toLowerCase();
  if (NO_UNITS.has(key)) return null;
  const symbol = UNIT_SYMBOLS.get(key);
  if (symbol) return symbol;
  return clip(raw.replace(/[-_]+/g, ' ').trim(), 40) || null;
}

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
  label: string;
}

/** Niagara path: `.../C.Drivers.Bacnet.Vav718.points.ActHeatSetpt` → VAV-718, Act Heat Setpoint. */
function fromNiagara(last: string): Parts | null {
  const at = last.toLowerCase().lastIndexOf('.points.');
  if (at < 0) return null;
  const device = last.slice(0, at).split('.').filter(Boolean).pop() ?? '';
  return { equipment: device ? equipmentFromId(device) : null, label: humanize(last.slice(at + 8)) };
}

/** BACnet-style path `ses/site/ip/2000/analog-input/3`: meaning comes from bacnet_data. */
function fromBacnet(name: string, bacnet: Record<string, unknown>): Parts | null {
  const m = BACNET_PATH.exec(name);
  if (!m) return null;
  const device = text(bacnet.device_name);
  const object = text(bacnet.object_name);
  const equipment = device || `Device ${m[1] ?? ''}`;
  let label = object;
  if (device && label.toLowerCase().startsWith(device.toLowerCase()))
    label = label.slice(device.length).trim();
  return { equipment, label: label ? tidyPhrase(label) : `${humanize(m[2] ?? '')} ${m[3] ?? ''}` };
}

/** Short names `AHU-01-ZoneTemp`: the last hyphen part is the point, the rest the equipment. */
function fromShort(name: string): Parts {
  const cut = name.lastIndexOf('-');
  const key = cut > 0 ? name.slice(cut + 1) : '';
  if (cut > 0 && /[A-Za-z]/.test(key) && !/\s/.test(name)) {
    return { equipment: name.slice(0, cut), label: humanize(key) };
  }
  // No point key after the last hyphen (`AHU-01`): the name is kept with its punctuation.
  return { equipment: null, label: /[A-Za-z]/.test(key) || cut <= 0 ? humanize(name) : name };
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
  const unit = unitSymbol(bacnet.object_units);

  const lastSegment = (
    name
      .split('/')
      .filter((s) => s.trim() !== '')
      .pop() ?? ''
  ).trim();
  const parts: Parts =
    (name.includes('/') ? (fromNiagara(lastSegment) ?? fromBacnet(name, bacnet)) : fromNiagara(name)) ??
    fromShort(lastSegment);

  const label = parts.label || tidyPhrase(text(bacnet.object_name));
  const equipment = parts.equipment ? clip(parts.equipment.replace(/\s+/g, ' '), 60) || null : null;
  const display =
    [equipment, label]
      .filter((s) => s)
      .join(' ')
      .replace(/\s+/g, ' ') ||
    clip(name.replace(/\s+/g, ' '), MAX_DISPLAY_NAME_LENGTH) ||
    FALLBACK_NAME;
  return { display_name: clip(display, MAX_DISPLAY_NAME_LENGTH), equipment, unit };
}

/** The display name alone (see describePoint). */
export function displayName(input: PointNameInput | null | undefined | unknown): string {
  return describePoint(input).display_name;
}
