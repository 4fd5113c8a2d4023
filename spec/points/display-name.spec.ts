// Specifies src/points/display-name.ts (review 37) by a table of the older naming styles, by
// properties over any input (total, stable, never empty, at most 80 characters, printable, no
// camelCase or underscore left), and over every point of the synthetic catalogue. Real sites'
// points (issue 16) are display-name-real-sites.spec.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../fixtures/ace/catalogue.ts';
import { parsePointInfo } from '../../src/ace/parse.ts';
import { describePoint, displayName, MAX_DISPLAY_NAME_LENGTH } from '../../src/points/display-name.ts';
import { pointNameInputArb } from '../support/arbitraries/edge.ts';

const rtu = (objectName: string, units = 'degrees-fahrenheit') => ({
  device_name: 'RTU-3',
  object_name: objectName,
  object_units: units,
});

describe('display names: the table', () => {
  it.each([
    // Equipment prefix kept with its own punctuation; camelCase and acronym runs split.
    ['AHU-01-ZoneTemp', undefined, 'AHU-01 Zone Temp', 'AHU-01'],
    ['SURGERYCHILLER-CHWFlowSP', undefined, 'SURGERYCHILLER CHW Flow SP', 'SURGERYCHILLER'],
    ['SURGERYCHILLER-CWPUMPCommand', undefined, 'SURGERYCHILLER CW Pump Command', 'SURGERYCHILLER'],
    ['SURGERYCHILLER-CHWPUMPCommand', undefined, 'SURGERYCHILLER CHW Pump Command', 'SURGERYCHILLER'],
    ['B07-SURGERYCHILLER-CHWFlowSP', undefined, 'B07-SURGERYCHILLER CHW Flow SP', 'B07-SURGERYCHILLER'],
    ['BOILER-1-HWSupplyTemp', undefined, 'BOILER-1 HW Supply Temp', 'BOILER-1'],
    ['AHU-01-DischargeAirTempSP', undefined, 'AHU-01 Discharge Air Temp SP', 'AHU-01'],
    ['SURGERYCHILLER-kW', undefined, 'SURGERYCHILLER kW', 'SURGERYCHILLER'],
    ['RTU-2-CoolStage1', undefined, 'RTU-2 Cool Stage 1', 'RTU-2'],
    ['FCU-4-CO2Level', undefined, 'FCU-4 CO2 Level', 'FCU-4'],
    ['MAIN-VoltageLN', undefined, 'MAIN Voltage LN', 'MAIN'],
    // Niagara paths: equipment from the device component, abbreviations expanded.
    [
      'ses/site/10.0.0.5/n4/Plant/C.Drivers.Bacnet.Vav718.points.ActHeatSetpt',
      undefined,
      'VAV-718 Act Heat Setpoint',
      'VAV-718',
    ],
    [
      'ses/site/10.0.0.5/n4/Plant/C.Drivers.Bacnet.Vav718.points.DamperPos',
      undefined,
      'VAV-718 Damper Position',
      'VAV-718',
    ],
    [
      'ses/site/10.0.0.5/n4/Plant/C.Drivers.Bacnet.Ahu2.points.SaFanSts',
      undefined,
      'AHU-2 Supply Air Fan Status',
      'AHU-2',
    ],
    [
      'ses/site/10.0.0.5/n4/Plant/C.Drivers.Bacnet.Fcu12.points.OccCmd',
      undefined,
      'FCU-12 Occupancy Command',
      'FCU-12',
    ],
    [
      'ses/site/10.0.0.5/n4/Plant/C.Drivers.Bacnet.MainPlant.points.ChwrTmp',
      undefined,
      'Main Plant CHWR Temp',
      'Main Plant',
    ],
    // BACnet-style paths: equipment and meaning from bacnet_data.
    [
      'ses/demo_small/192.168.1.20/2000/analog-input/3',
      rtu('RTU-3 Return Air Temp'),
      'RTU-3 Return Air Temp',
      'RTU-3',
    ],
    [
      'ses/demo_small/192.168.1.20/2000/analog-value/1',
      rtu('RTU-3 OccCoolSetpt'),
      'RTU-3 Occupied Cool Setpoint',
      'RTU-3',
    ],
    [
      'ses/demo_large/192.168.1.41/4001/analog-input/3',
      { device_name: 'B01 Main Meter', object_name: 'B01 Main Meter Voltage L-N' },
      'B01 Main Meter Voltage L-N',
      'B01 Main Meter',
    ],
    [
      'ses/demo_small/192.168.1.20/2000/analog-input/3',
      { object_name: 'Space Temp' },
      'Device 2000 Space Temp',
      'Device 2000',
    ],
    [
      'ses/demo_small/192.168.1.20/2000/binary-output/7',
      undefined,
      'Device 2000 Binary Output 7',
      'Device 2000',
    ],
    // Names without equipment, and odd input.
    ['ZoneTemp', undefined, 'Zone Temp', null],
    ['zone_temp', undefined, 'Zone Temp', null],
    ['EffClgSetpt', undefined, 'Effective Cooling Setpoint', null],
    ['OAT', undefined, 'OAT', null],
    ['DemandkW', undefined, 'Demand kW', null],
    ['AHU-01', undefined, 'AHU-01', null],
    ['a/b/ZoneTemp', undefined, 'Zone Temp', null],
    ['', undefined, 'Unnamed point', null],
    ['   ', undefined, 'Unnamed point', null],
    ['日本語', undefined, '日本語', null],
    ['Zone\u0000Temp\n', undefined, 'Zone Temp', null],
  ])('%j (bacnet %j) → %j', (name, bacnet, display, equipment) => {
    const d = describePoint({ name, bacnet_data: bacnet });
    expect(d.display_name).toBe(display);
    expect(d.equipment).toBe(equipment);
  });

  it.each([
    [null, 'Unnamed point'],
    [undefined, 'Unnamed point'],
    [42, '42'],
    [{}, 'Unnamed point'],
    [{ name: null, bacnet_data: { object_name: 'Zone Temp' } }, 'Zone Temp'],
    [[1, 2], 'Unnamed point'],
  ])('never fails on %j', (input, display) => {
    expect(displayName(input)).toBe(display);
  });

  it('cuts very long names with an ellipsis', () => {
    const d = displayName(`AHU-01-${'Zone'.repeat(200)}`);
    expect([...d]).toHaveLength(MAX_DISPLAY_NAME_LENGTH);
    expect(d.endsWith('…')).toBe(true);
  });
});

describe('display names: properties', () => {
  it('return a non-empty string for any input, without throwing', () => {
    fc.assert(
      fc.property(pointNameInputArb, (input) => {
        const d = displayName(input);
        expect(typeof d).toBe('string');
        expect(d.trim().length).toBeGreaterThan(0);
      }),
      { numRuns: 10000 },
    );
  });

  it('are printable: no control characters, no runs of spaces, no edge spaces', () => {
    fc.assert(
      fc.property(pointNameInputArb, (input) => {
        const d = displayName(input);
        expect(d).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        expect(d).not.toMatch(/\s{2}/);
        expect(d).toBe(d.trim());
      }),
      { numRuns: 10000 },
    );
  });

  it('are bounded in length', () => {
    fc.assert(
      fc.property(pointNameInputArb, (input) => {
        expect([...displayName(input)].length).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
      }),
      { numRuns: 1000 },
    );
  });

  it('leave no camelCase and no underscore, whatever the input (units such as kW aside)', () => {
    fc.assert(
      fc.property(pointNameInputArb, (input) => {
        const d = displayName(input).replace(/\b(kWh|kW|kVAR|kVA|kPa|pH|mA|mV|MWh|Hz)\b/g, '');
        expect(d).not.toMatch(/_|[a-z][A-Z]/);
      }),
      { numRuns: 5000 },
    );
  });

  it('are stable: the same input always gets the same name', () => {
    fc.assert(
      fc.property(pointNameInputArb, (input) => {
        expect(displayName(input)).toBe(displayName(input));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('every point of the synthetic catalogue', () => {
  const points = [...CATALOGUE.values()].flatMap((c) => c.points.map((p) => p.point));
  const REAL = /\/\d+:\d+-\d+\//;
  const older = points.filter((p) => !REAL.test(p.name));

  it('has a sensible name: non-empty, no path left, equipment first, words split', () => {
    expect(points.length).toBeGreaterThan(5000);
    for (const p of points) {
      const d = describePoint(p);
      const [head = ''] = d.display_name.split(' · ');
      expect(d.display_name.length, p.name).toBeGreaterThan(0);
      expect(d.display_name, p.name).not.toMatch(/\.points\.|^ses\b|\bses\/|\d+\.\d+\.\d+\.\d+|\d+:\d+-\d+/);
      // A slash only in a place the site typed (`CU/Work Camera`), never from the name.
      expect(head, p.name).not.toContain('/');
      expect(d.equipment, p.name).not.toBeNull();
      expect(d.display_name.startsWith(`${d.equipment} `), p.name).toBe(true);
      expect([...d.display_name].length, p.name).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
      // Split camelCase: no lower-case letter directly followed by an upper-case one (kW aside).
      expect(d.display_name.replace(/\bk[WV]/g, ''), p.name).not.toMatch(/[a-z][A-Z]|_/);
    }
  });

  it('names the older styles’ equipment as the catalogue does (its BACnet device name)', () => {
    for (const p of older) {
      const equipment = describePoint(p).equipment ?? '';
      // Short names carry a building prefix the device name lacks (B01-AHU-01 vs AHU-01).
      expect(equipment.endsWith(p.bacnet_data?.device_name ?? ''), p.name).toBe(true);
    }
  });

  it('names each real-site device one way, and the listing (parsed points) the same', () => {
    const byDevice = new Map<string, Set<string>>();
    for (const p of points.filter((q) => REAL.test(q.name))) {
      const device = REAL.exec(p.name)?.[0] ?? '';
      const d = describePoint(p);
      if (p.bacnet_data) byDevice.set(device, (byDevice.get(device) ?? new Set()).add(d.equipment ?? ''));
      expect(describePoint(parsePointInfo(p)), p.name).toEqual(d);
    }
    for (const [device, names] of byDevice) expect([...names], device).toHaveLength(1);
  });

  it('attaches a unit to every point whose BACnet units are not no-units', () => {
    for (const p of points) {
      const unit = describePoint(p).unit;
      const units = p.bacnet_data?.object_units;
      if (units === undefined || units === 'no-units' || units === 'noUnits') expect(unit, p.name).toBeNull();
      else expect(unit, units).toMatch(/^(°F|%|%RH|cfm|gpm|inH₂O|psi|kW|V)$/);
    }
  });
});
