// Specifies src/points/display-name.ts on points as real ACE sites send them (issue 16): the table
// of a real site's points as ACE returns them, device names empty, plant labels, rooms, spaced or
// blank-led, points without bacnet_data; and properties over generated real-site points: stable
// whatever the tags' order, at most 80 characters, no camelCase or underscore left, the unit's
// identifying digits and letters kept in one spelling per family, never a bare index or raw path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePointInfo } from '../../src/ace/parse.ts';
import { describePoint, displayName, MAX_DISPLAY_NAME_LENGTH } from '../../src/points/display-name.ts';
import { canonical, realPointArb } from '../support/arbitraries/real-points.ts';

/** A real site's point as ACE returns it (issue 16's table). */
const real = (
  name: string,
  device: string | null,
  object: string,
  type: string,
  units: string,
  markers: string[],
  kv: Array<Record<string, string>> = [],
) => ({
  name: `ses/ses_falls_city/${name}`,
  marker_tags: markers,
  kv_tags: kv,
  ...(device === null
    ? {}
    : { bacnet_data: { device_name: device, object_name: object, object_type: type, object_units: units } }),
});

describe('display names of a real site’s points: the table', () => {
  it.each([
    // The seven points of issue 16, as ACE returns them.
    [
      real('6000:48-6048/analogValue/0', 'VAV_401', 'AV 00', 'analogValue', 'percent', [
        'Male Lockers B1416',
        'HeatSignal',
      ]),
      'VAV-401 Heat Signal · Male Lockers B1416',
      'VAV-401',
      '%',
    ],
    [
      real('1000:47-1047/analogInput/10', 'VAV-702', 'AI 10', 'analogInput', 'cubicFeetPerMinute', [
        'CU/Work Camera',
        'Airflow',
      ]),
      'VAV-702 Airflow · CU/Work Camera',
      'VAV-702',
      'cfm',
    ],
    [
      real('6000:17-6017/analogInput/0', 'VAV_308', 'AI 00', 'analogInput', 'degreesFahrenheit', [
        'Special Services Director B114',
        'RoomTemp',
      ]),
      'VAV-308 Room Temp · Special Services Director B114',
      'VAV-308',
      '°F',
    ],
    [
      real('1000:6-1006/analogValue/50', 'Ahu7_1', 'AV 50', 'analogValue', 'noUnits', [
        'RTU7 SaPressWuSetpt',
        'RTU7',
      ]),
      'AHU-7-1 Supply Air Pressure Warm-up Setpoint · RTU-7',
      'AHU-7-1',
      null,
    ],
    [
      real(
        '4000:1-4001/analogValue/56',
        'Ahu4_1',
        'AV 56',
        'analogValue',
        'noUnits',
        ['RTU4'],
        [{ jace_object_name: 'SaTempSetptLoLim' }],
      ),
      'AHU-4-1 Supply Air Temp Setpoint Low Limit · RTU-4',
      'AHU-4-1',
      null,
    ],
    [
      real('1000:3-1003/analogValue/0', 'Dev 0001003', 'AV 00', 'analogValue', 'percent', [
        'HeatSignal',
        'Pharmacy',
      ]),
      'Device 1003 Heat Signal · Pharmacy',
      'Device 1003',
      '%',
    ],
    [
      real(
        '1000:35-1035/analogValue/102',
        'VAV-717',
        'Space Humidity',
        'analogValue',
        'percentRelativeHumidity',
        ['Room 209', 'Humidity'],
      ),
      'VAV-717 Space Humidity · Room 209',
      'VAV-717',
      '%RH',
    ],
    // Device names as real sites also send them: empty, a plant label, a room, spaced, blank-led.
    [
      real('1000:72-1072/analogInput/0', '', 'AI 00', 'analogInput', 'degreesFahrenheit', [
        'RoomTemp',
        'Room 215',
      ]),
      'Device 1072 Room Temp · Room 215',
      'Device 1072',
      '°F',
    ],
    [
      real(
        '4000:30-4030/analogInput/1',
        'CHWS',
        'AI 01',
        'analogInput',
        'degreesFahrenheit',
        ['CH1'],
        [{ jace_object_name: 'ChwrTemp' }],
      ),
      'CHWS CHWR Temp · CH-1',
      'CHWS',
      '°F',
    ],
    [
      real('1000:70-1070/analogValue/0', 'VAV Rm 214 Lab', 'AV 00', 'analogValue', 'percent', ['HeatSignal']),
      'VAV Heat Signal · Rm 214 Lab',
      'VAV',
      '%',
    ],
    [
      real('6000:71-6071/analogInput/0', 'VAV Rm 118 Exam', 'AI 00', 'analogInput', 'degreesFahrenheit', [
        'Pharmacy',
        'RoomTemp',
      ]),
      'VAV Room Temp · Rm 118 Exam, Pharmacy',
      'VAV',
      '°F',
    ],
    [
      real('6000:11-6011/binaryValue/3', 'VAV 305', 'BV 03', 'binaryValue', 'noUnits', ['OccSts']),
      'VAV-305 Occupancy Status',
      'VAV-305',
      null,
    ],
    [
      real('1000:12-1012/analogInput/0', ' VAV_102A', 'AI 00', 'analogInput', 'degreesFahrenheit', [
        'Lobby',
        'ZnTempSp',
      ]),
      'VAV-102A Zone Temp Setpoint · Lobby',
      'VAV-102A',
      '°F',
    ],
    [
      real('6000:12-6012/multiStateValue/1', 'Vav12', 'MSV 01', 'multiStateValue', 'noUnits', ['Lobby']),
      'VAV-12 MSV 01 · Lobby',
      'VAV-12',
      null,
    ],
    // Without bacnet_data: the device from the name, the meaning from the tags.
    [
      real('6000:48-6048/analogValue/0', null, '', '', '', ['HeatSignal', 'Male Lockers B1416']),
      'Device 6048 Heat Signal · Male Lockers B1416',
      'Device 6048',
      null,
    ],
    [
      real('6000:48-6048/analogValue/0', null, '', '', '', []),
      'Device 6048 Analog Value 0',
      'Device 6048',
      null,
    ],
  ])('%j → %j', (point, display, equipment, unit) => {
    expect(describePoint(point)).toEqual({ display_name: display, equipment, unit });
    // The listing describes points after parsing them: the same name.
    expect(describePoint(parsePointInfo(point))).toEqual(describePoint(point));
  });

  it('keeps within 80 characters by cutting the place, never the equipment or the role', () => {
    const named = (place: string, role: string) =>
      displayName(
        real('6000:48-6048/analogValue/0', 'VAV_401', 'AV 00', 'analogValue', 'percent', [place, role]),
      );
    const place = 'Special Services Director B114 East Wing Second Floor Suite 12';
    expect(named(place, 'HeatSignal')).toBe(
      'VAV-401 Heat Signal · Special Services Director B114 East Wing Second Floor Sui…',
    );
    expect(named(place, 'SaPressWuSetpt')).toBe(
      'VAV-401 Supply Air Pressure Warm-up Setpoint · Special Services Director B114 E…',
    );
    // With no room left to read the place, it goes; the role is cut only past that.
    const role = 'SaPressWuSetptLoLimOccClgSpUnoccHtgSpEconModeRaTempHiLim';
    expect([...named(place, role)].length).toBe(MAX_DISPLAY_NAME_LENGTH);
    expect(named(place, role)).toMatch(/^VAV-401 Supply Air Pressure Warm-up Setpoint Low Limit .*…$/);
    expect(named(place, role)).not.toContain('Special');
  });
});

describe('display names of real-site points: properties', () => {
  /** Lower-case letters and digits, each digit run without leading zeros. */
  const idOf = (s: string) =>
    s
      .replace(/\d+/g, (digits) => digits.replace(/^0+(?=\d)/, ''))
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
  const isSubsequence = (needle: string, hay: string) => {
    let k = 0;
    for (const ch of needle) {
      k = hay.indexOf(ch, k);
      if (k < 0) return false;
      k++;
    }
    return true;
  };

  it('are stable: the same name every time, whatever the order of the marker tags', () => {
    fc.assert(
      fc.property(realPointArb, fc.infiniteStream(fc.nat()), ({ point }, seeds) => {
        const tags = point.marker_tags as string[];
        const shuffled = [...tags].sort(() => (seeds.next().value % 3) - 1);
        expect(describePoint({ ...point, marker_tags: shuffled })).toEqual(describePoint(point));
        expect(describePoint(point)).toEqual(describePoint(structuredClone(point)));
      }),
      { numRuns: 3000 },
    );
  });

  it('are at most 80 characters, with no camelCase and no underscore left', () => {
    expect(MAX_DISPLAY_NAME_LENGTH).toBe(80);
    fc.assert(
      fc.property(realPointArb, ({ point }) => {
        const d = displayName(point);
        expect([...d].length).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
        expect(d).not.toMatch(/_|[a-z][A-Z]/);
      }),
      { numRuns: 3000 },
    );
  });

  it('keep the unit’s identifying digits and letters, in one spelling per family', () => {
    fc.assert(
      fc.property(realPointArb, ({ point, built }) => {
        if (point.bacnet_data === undefined || point.bacnet_data === null) return;
        const d = describePoint(point);
        expect(isSubsequence(idOf(built.device.name), idOf(d.display_name)), d.display_name).toBe(true);
        if (built.device.unit) {
          expect(d.equipment).toBe(canonical(built.device.unit));
          expect(d.display_name.startsWith(`${d.equipment} `)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('are never a bare object index nor a raw path', () => {
    fc.assert(
      fc.property(realPointArb, ({ point }) => {
        const { display_name: d, equipment } = describePoint(point);
        const [head = ''] = d.split(' · ');
        // What follows the equipment says what the point is: never nothing, never digits alone.
        expect(head.slice(equipment?.length ?? 0).trim()).not.toMatch(/^\d*$/);
        expect(d).not.toMatch(/ses\/|\d+:\d+-\d+|analogValue|binaryValue|multiStateValue/);
        expect(d).not.toContain(String(point.name));
      }),
      { numRuns: 3000 },
    );
  });
});
