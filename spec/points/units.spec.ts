// Specifies src/points/units.ts: BACnet units in either spelling (kebab as the older styles send
// them, camelCase as real sites do) to one symbol each, none for no units, unknown units kept in
// words; total over any value.
import { describe, expect, it } from 'vitest';
import { unitSymbol } from '../../src/points/units.ts';

describe('unitSymbol', () => {
  it.each([
    ['degreesFahrenheit', '°F'],
    ['degrees-fahrenheit', '°F'],
    ['Degrees-Fahrenheit', '°F'],
    ['degreesCelsius', '°C'],
    ['percent', '%'],
    ['percentRelativeHumidity', '%RH'],
    ['percent-relative-humidity', '%RH'],
    ['cubicFeetPerMinute', 'cfm'],
    ['cubic-feet-per-minute', 'cfm'],
    ['usGallonsPerMinute', 'gpm'],
    ['us-gallons-per-minute', 'gpm'],
    ['inchesOfWater', 'inH₂O'],
    ['poundsForcePerSquareInch', 'psi'],
    ['kilowatts', 'kW'],
    ['kilowattHours', 'kWh'],
    ['volts', 'V'],
    ['partsPerMillion', 'ppm'],
    ['revolutionsPerMinute', 'rpm'],
    ['noUnits', null],
    ['no-units', null],
    ['NO_UNITS', null],
    ['', null],
    [undefined, null],
    [null, null],
    [{}, null],
    [7, '7'],
    ['furlongs-per-fortnight', 'furlongs per fortnight'],
    ['furlongsPerFortnight', 'furlongs per fortnight'],
    ['x'.repeat(60), `${'x'.repeat(39)}…`],
    // Worked at the edges of the unknown-unit rule: 40 characters kept whole; a cut never ends in
    // a blank; control characters read as blanks; runs of separators one blank; case kept unless
    // the name is camelCase.
    ['x'.repeat(40), 'x'.repeat(40)],
    [`${'x'.repeat(38)} ${'y'.repeat(30)}`, `${'x'.repeat(38)}…`],
    ['furlongs\u0000per\u0085fortnight', 'furlongs per fortnight'],
    ['furlongs--per__fortnight', 'furlongs per fortnight'],
    ['Furlongs-Per-Fortnight', 'Furlongs Per Fortnight'],
  ])('%j → %j', (units, symbol) => {
    expect(unitSymbol(units)).toBe(symbol);
  });

  it('reads a bigint as a number', () => {
    expect(unitSymbol(7n)).toBe('7');
  });
});
