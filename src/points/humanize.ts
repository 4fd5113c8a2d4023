// Words for people from machine keys (`SaPressWuSetpt` → `Supply Air Pressure Warm-up Setpoint`):
// camelCase, acronym runs and letter/digit boundaries split, building-automation abbreviations
// expanded from a dictionary (title-case `Sa` is Supply Air; an all-caps `SA` stays an acronym, as
// operators write it), acronyms kept upper case, kilo-units kept (`kW`). Pure; owns words only.

/** HVAC and building-automation acronyms kept upper case (and used to split runs of capitals). */
export const ACRONYMS: ReadonlySet<string> = new Set(
  (
    'AHU VAV RTU FCU MAU ERV HRV DOAS CRAC CRAH UH CUH EF SF RF CHW HW CW CHWS CHWR HWS HWR CWS CWR ' +
    'DHW SP SA RA OA DA EA MA SAT RAT OAT DAT MAT ZAT CO2 CO NO2 VOC RH DP VFD VSD BTU CFM GPM PSI ' +
    'HVAC BMS BAS DDC HP WSHP ECM PID UV IAQ DX HX EWT LWT LN LL AI AO BI BO AV BV MSV PM10 PM25 O2'
  ).split(' '),
);

/** Abbreviations expanded (keys lower case); never applied to an all-caps acronym (`SP`, `SA`). */
export const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['setpt', 'Setpoint'],
  ['stpt', 'Setpoint'],
  ['spt', 'Setpoint'],
  ['setpoint', 'Setpoint'],
  ['sts', 'Status'],
  ['stat', 'Status'],
  ['cmd', 'Command'],
  ['pos', 'Position'],
  ['temp', 'Temp'],
  ['tmp', 'Temp'],
  ['spd', 'Speed'],
  ['vlv', 'Valve'],
  ['dmpr', 'Damper'],
  ['dmp', 'Damper'],
  ['press', 'Pressure'],
  ['enbl', 'Enable'],
  ['ena', 'Enable'],
  ['alm', 'Alarm'],
  ['clg', 'Cooling'],
  ['htg', 'Heating'],
  ['disch', 'Discharge'],
  ['dsch', 'Discharge'],
  ['stg', 'Stage'],
  ['fbk', 'Feedback'],
  ['hum', 'Humidity'],
  ['eff', 'Effective'],
  ['sa', 'Supply Air'],
  ['ra', 'Return Air'],
  ['oa', 'Outside Air'],
  ['ma', 'Mixed Air'],
  ['da', 'Discharge Air'],
  ['ea', 'Exhaust Air'],
  ['wu', 'Warm-up'],
  ['lo', 'Low'],
  ['hi', 'High'],
  ['lim', 'Limit'],
  ['zn', 'Zone'],
  ['rm', 'Room'],
  ['sply', 'Supply'],
  ['sup', 'Supply'],
  ['rtn', 'Return'],
  ['ret', 'Return'],
  ['econ', 'Economizer'],
  ['sig', 'Signal'],
  ['sgnl', 'Signal'],
  ['reht', 'Reheat'],
  ['rht', 'Reheat'],
  ['ovrd', 'Override'],
  ['dmd', 'Demand'],
  ['lvl', 'Level'],
  ['enth', 'Enthalpy'],
  ['bldg', 'Building'],
  ['flr', 'Floor'],
  ['wtr', 'Water'],
  ['rst', 'Reset'],
  ['frz', 'Freeze'],
  ['dehum', 'Dehumidification'],
  ['pct', 'Percent'],
  ['filt', 'Filter'],
  ['err', 'Error'],
  ['diff', 'Differential'],
  ['avg', 'Average'],
  ['unocc', 'Unoccupied'],
  ['pmp', 'Pump'],
  ['chlr', 'Chiller'],
  ['blr', 'Boiler'],
  ['htr', 'Heater'],
  ['twr', 'Tower'],
  ['cond', 'Condenser'],
  ['evap', 'Evaporator'],
  ['amb', 'Ambient'],
  ['flw', 'Flow'],
  ['vel', 'Velocity'],
]);

/** Abbreviations whose meaning depends on the next word (`OccSts` vs `OccCoolSetpt`, `SpTemp` vs `TempSp`). */
function contextual(word: string, next: string | undefined, first: boolean): string | undefined {
  const n = next?.toLowerCase();
  switch (word) {
    case 'occ':
      // Occupancy is a state (its status, command, mode); occupied qualifies what follows.
      return n === undefined || /^(sts|status|cmd|command|mode|sensor|sens|sig|signal)$/.test(n)
        ? 'Occupancy'
        : 'Occupied';
    case 'sp':
      // `SpTemp` is the space's temperature; `ZnTempSp` a zone temperature's setpoint.
      return first && n !== undefined && /^(temp|tmp|hum|rh|co2)$/.test(n) ? 'Space' : 'Setpoint';
    default:
      return undefined;
  }
}

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
export const MIXED_CASE: readonly string[] = [
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

/** The longest piece a run of capitals can split into: the longest known acronym or word. */
const LONGEST_PIECE = Math.max(...[...ACRONYMS, ...WORDS].map((w) => w.length));

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
    for (let start = Math.max(0, end - LONGEST_PIECE); start < end; start++) {
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
function displayToken(token: string, next?: string, first = false): string {
  if (/^\d+$/.test(token) || MIXED_CASE.includes(token)) return token;
  const upper = token.toUpperCase();
  // An all-caps acronym is the operator's own spelling (`SP`, `SA`): kept, never expanded.
  if (token === upper && ACRONYMS.has(upper)) return upper;
  const lower = token.toLowerCase();
  const expansion = contextual(lower, next, first) ?? ABBREVIATIONS.get(lower);
  if (expansion) return expansion;
  if (ACRONYMS.has(upper)) return upper;
  if (token === upper && token.length > 1) {
    if (WORDS.has(upper)) return title(upper);
    const parts = splitCapitals(upper);
    return parts ? parts.map((p) => displayToken(p)).join(' ') : token;
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

/** The raw tokens of a key, in order (`SaPressWuSetpt` → Sa, Press, Wu, Setpt). */
export function keyTokens(key: string): string[] {
  // `DemandkW`: a kilo-unit glued to a word is still a unit of its own.
  const spaced = key.replace(/(?<=[a-z])(kWh|kW|kVAR|kVA|kPa)(?=$|[^a-z])/g, ' $1');
  return spaced.split(/[^A-Za-z0-9]+/).flatMap((chunk) => (chunk ? splitChunk(chunk) : []));
}

/** Turns a machine key (`ActHeatSetpt`, `CWPUMPCommand`, `zone_temp`) into words. */
export function humanize(key: string): string {
  const tokens = keyTokens(key);
  return tokens.map((t, k) => displayToken(t, tokens[k + 1], k === 0)).join(' ');
}

/** Tidies an already human phrase (BACnet object names): word by word, punctuation kept. */
export function tidyPhrase(phrase: string): string {
  return phrase
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => w.replace(/[A-Za-z0-9]+/g, (part) => humanize(part)).replace(/_+/g, ' '))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Tidies a place as a site typed it (`Male Lockers B1416`, `CU/Work Camera`): underscores to
 * spaces and camelCase split, nothing expanded or re-cased, room numbers kept whole.
 */
export function tidyPlace(place: string): string {
  return place
    .replace(/_+/g, ' ')
    .replace(/(?<=[a-z])(?=[A-Z])/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
