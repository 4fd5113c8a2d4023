// BACnet engineering units as symbols for people: `degrees-fahrenheit` (the older kebab spelling)
// and `degreesFahrenheit` (camelCase, as real sites send it) alike → °F; `noUnits` → none. An
// unknown unit is kept, its words split. Pure and total; owns units only.

/** Symbols by BACnet unit name, keyed without case or separators (`degreesfahrenheit`). */
const SYMBOLS: ReadonlyMap<string, string> = new Map([
  ['degreesfahrenheit', '°F'],
  ['degreescelsius', '°C'],
  ['degreeskelvin', 'K'],
  ['deltadegreesfahrenheit', 'Δ°F'],
  ['deltadegreeskelvin', 'ΔK'],
  ['percent', '%'],
  ['percentrelativehumidity', '%RH'],
  ['percentobscurationperfoot', '%/ft'],
  ['cubicfeetperminute', 'cfm'],
  ['cubicfeetperhour', 'ft³/h'],
  ['cubicfeetpersecond', 'ft³/s'],
  ['cubicmetersperhour', 'm³/h'],
  ['cubicmeterspersecond', 'm³/s'],
  ['literspersecond', 'L/s'],
  ['litersperminute', 'L/min'],
  ['litersperhour', 'L/h'],
  ['usgallonsperminute', 'gpm'],
  ['usgallonsperhour', 'gph'],
  ['usgallons', 'gal'],
  ['liters', 'L'],
  ['cubicfeet', 'ft³'],
  ['cubicmeters', 'm³'],
  ['inchesofwater', 'inH₂O'],
  ['inchesofmercury', 'inHg'],
  ['pascals', 'Pa'],
  ['kilopascals', 'kPa'],
  ['hectopascals', 'hPa'],
  ['bars', 'bar'],
  ['millibars', 'mbar'],
  ['poundsforcepersquareinch', 'psi'],
  ['watts', 'W'],
  ['kilowatts', 'kW'],
  ['megawatts', 'MW'],
  ['watthours', 'Wh'],
  ['kilowatthours', 'kWh'],
  ['megawatthours', 'MWh'],
  ['volts', 'V'],
  ['kilovolts', 'kV'],
  ['millivolts', 'mV'],
  ['amperes', 'A'],
  ['milliamperes', 'mA'],
  ['voltamperes', 'VA'],
  ['kilovoltamperes', 'kVA'],
  ['kilovoltamperesreactive', 'kVAR'],
  ['powerfactor', 'PF'],
  ['hertz', 'Hz'],
  ['revolutionsperminute', 'rpm'],
  ['partspermillion', 'ppm'],
  ['partsperbillion', 'ppb'],
  ['feetperminute', 'fpm'],
  ['feetpersecond', 'ft/s'],
  ['meterspersecond', 'm/s'],
  ['btus', 'BTU'],
  ['btusperhour', 'BTU/h'],
  ['kilobtusperhour', 'kBTU/h'],
  ['tonsrefrigeration', 'TR'],
  ['tonrefrigerationhours', 'TRh'],
  ['poundsmassperhour', 'lb/h'],
  ['pounds', 'lb'],
  ['kilograms', 'kg'],
  ['seconds', 's'],
  ['minutes', 'min'],
  ['hours', 'h'],
  ['days', 'd'],
  ['luxes', 'lx'],
  ['footcandles', 'fc'],
]);

/** Unit names that mean "no unit". */
const NONE: ReadonlySet<string> = new Set(['nounits', 'none', 'unknown', '']);

// C0 and C1 control characters and the Unicode line separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;

/** The symbol for a BACnet units string in either spelling; null for none or missing. */
export function unitSymbol(units: unknown): string | null {
  const raw =
    typeof units === 'string'
      ? units.replace(CONTROL, ' ').trim()
      : typeof units === 'number' || typeof units === 'bigint'
        ? String(units)
        : '';
  const key = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (NONE.has(key)) return null;
  const symbol = SYMBOLS.get(key);
  if (symbol) return symbol;
  // Unknown: its words, split at separators, and at camelCase (`furlongsPerFortnight`) lower-cased.
  const camel = /[a-z][A-Z]/.test(raw);
  const words = (camel ? raw.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase() : raw)
    .replace(/[-_\s]+/g, ' ')
    .trim();
  const chars = [...words];
  if (chars.length === 0) return null;
  return chars.length <= 40 ? words : `${chars.slice(0, 39).join('').trimEnd()}…`;
}
