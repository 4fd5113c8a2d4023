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
  ])('%j → %j', (units, symbol) => {
    expect(unitSymbol(units)).toBe(symbol);
  });
});
