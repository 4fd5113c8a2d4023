// Specifies src/points/display-name.ts at the edges its table (display-name.spec.ts) leaves open:
// how a name is read (text, Niagara, BACnet, short), which tagged places are shown, and how a name
// is fitted into 80 characters. Each expectation is worked by hand, lengths counted in the comment.
import { describe, expect, it } from 'vitest';
import { describePoint, displayName, MAX_DISPLAY_NAME_LENGTH } from '../../src/points/display-name.ts';

/** A BACnet-style point `ses/site/<segment>/analog-input/3` with the given bacnet_data and tags. */
const bacnetPoint = (segment: string, bacnet: Record<string, unknown>, markerTags?: string[]) => ({
  name: `ses/site/192.168.1.20/${segment}/analog-input/3`,
  bacnet_data: bacnet,
  marker_tags: markerTags,
});

const chars = (s: string) => [...s].length;

describe('display names: reading the text', () => {
  it('replaces a control character by a space, which then separates words', () => {
    // `AB\0CD` reads `AB CD`, two acronyms; without the space it would be one word.
    expect(displayName('AB\u0000CD')).toBe('AB CD');
  });

  it('reads a bigint name as its digits', () => {
    expect(displayName(12n)).toBe('12');
  });

  it('trims a device_id before deciding whether it is a number', () => {
    // The path's device segment `abc` has no number, so bacnet_data's device_id names the device.
    const d = describePoint(bacnetPoint('abc', { device_id: ' 2000 ', object_name: 'Space Temp' }));
    expect(d).toEqual({ display_name: 'Device 2000 Space Temp', equipment: 'Device 2000', unit: null });
  });

  it.each([
    ['A12', 'letters before the digits'],
    ['12A', 'a letter after the digits'],
  ])('names no device from a device_id %j (%s)', (id) => {
    const d = describePoint(bacnetPoint('abc', { device_id: id }));
    expect(d).toEqual({ display_name: 'Analog Input 3', equipment: null, unit: null });
  });

  it.each([
    ['6000:48-007', 'Device 7'],
    ['000', 'Device 0'],
    ['0100', 'Device 100'],
  ])('drops the leading zeros of a device number %j, keeping one digit', (segment, equipment) => {
    expect(describePoint(bacnetPoint(segment, {})).equipment).toBe(equipment);
  });
});

describe('display names: Niagara paths', () => {
  it('reads `.points.` at the very start as a point without a device', () => {
    expect(describePoint('.points.ZoneTemp')).toEqual({
      display_name: 'Zone Temp',
      equipment: null,
      unit: null,
    });
  });

  it('takes the device from the last non-empty component before `.points.`', () => {
    expect(describePoint('a/Vav718..points.DamperPos').display_name).toBe('VAV-718 Damper Position');
  });
});

describe('display names: BACnet object names', () => {
  it('names an object that only repeats the device by its type and index', () => {
    const d = describePoint(bacnetPoint('2000', { device_name: 'RTU-3', object_name: 'RTU-3' }));
    expect(d.display_name).toBe('RTU-3 Analog Input 3');
  });

  it.each([
    ['RTU-3 RTU-3', 'the device twice'],
    ['rtu-3 RTU-3', 'the device twice, in another case'],
    ['RTU-3 AV 1', 'a generic object after the device'],
  ])('prefers the role tag to an object name %j that says nothing (%s)', (objectName) => {
    const d = describePoint(
      bacnetPoint('2000', { device_name: 'RTU-3', object_name: objectName }, ['HeatSignal']),
    );
    expect(d.display_name).toBe('RTU-3 Heat Signal');
  });
});

describe('display names: short names', () => {
  it.each([
    // A hyphen, but the text has a space: not `<equipment>-<key>`, so the whole is humanised.
    ['AHU 1-Temp', 'AHU 1 Temp'],
    // No hyphen, or one only at the start: humanised, not kept as written.
    ['zone temp', 'Zone Temp'],
    ['-zone temp', 'Zone Temp'],
    // Kept as written (no key after the hyphen), but with its run of spaces made one.
    ['AHU  1-01', 'AHU 1-01'],
    // The role repeats the equipment: said once.
    ['CHWS-CHWSTemp', 'CHWS Temp'],
  ])('%j → %j', (name, display) => {
    expect(displayName(name)).toBe(display);
  });

  it.each([
    ['a/b/ZoneTemp/', 'a trailing slash'],
    ['a/ZoneTemp/ /', 'a last segment of blanks'],
  ])('names a path by its last segment with text in it (%j: %s)', (name) => {
    expect(displayName(name)).toBe('Zone Temp');
  });

  it('reads the last segment without the blanks around it', () => {
    // ` AHU-1-ZoneTemp` would have a blank in it and not read as `<equipment>-<key>`.
    expect(describePoint('a/ AHU-1-ZoneTemp')).toEqual({
      display_name: 'AHU-1 Zone Temp',
      equipment: 'AHU-1',
      unit: null,
    });
  });

  it('falls back to the name, underscores as blanks, when it has no word in it', () => {
    expect(displayName('-_-')).toBe('- -');
    expect(displayName('___')).toBe('Unnamed point');
  });
});

describe('display names: tagged places', () => {
  it('leaves out a tagged label that is the equipment', () => {
    expect(displayName({ name: 'AHU-1-ZoneTemp', marker_tags: ['AHU1'] })).toBe('AHU-1 Zone Temp');
  });

  it('shows a place tagged twice in different cases once', () => {
    // Places sort in code-unit order, so `PHARMACY` comes first and `Pharmacy` repeats it.
    expect(displayName({ name: 'AHU-1-ZoneTemp', marker_tags: ['Pharmacy', 'PHARMACY'] })).toBe(
      'AHU-1 Zone Temp · PHARMACY',
    );
  });

  it('drops a whole tagged place that does not fit rather than cutting the name', () => {
    // `AHU-1 Zone Temp · ` is 18 characters; the two places (25 and 41) joined are 68: 86 in all.
    // The last place is dropped whole (a cut is only made of the only place left): 43.
    const d = displayName({
      name: 'AHU-1-ZoneTemp',
      marker_tags: ['North Wing Pharmacy Store', 'South Wing Lockers And Showers Area Forty'],
    });
    expect(d).toBe('AHU-1 Zone Temp · North Wing Pharmacy Store');
  });

  it('cuts the only tagged place to what is left when 8 characters are left, not when 7 are', () => {
    const role63 = 'Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett';
    expect(role63).toHaveLength(63);
    const point = (objectName: string) =>
      bacnetPoint('2000', { device_name: 'AHU-1', object_name: objectName }, ['North Wing Pharmacy Store']);
    // `AHU-1 ` + 63 = 69, + ` · ` = 72: 8 characters left, `North W` and an ellipsis.
    const fits = displayName(point(role63));
    expect(fits).toBe(`AHU-1 ${role63} · North W…`);
    expect(chars(fits)).toBe(MAX_DISPLAY_NAME_LENGTH);
    // One more character in the role leaves 7: the place is dropped.
    expect(displayName(point(`${role63}x`))).toBe(`AHU-1 ${role63}x`);
  });
});

describe('display names: fitting 80 characters', () => {
  it('cuts the role, not the device’s place, and reserves the place’s room', () => {
    // `VAV-1 Lab`: equipment VAV-1 (5), place Lab (3) with ` · ` (3). The role gets
    // 80 − 5 − 1 − 6 = 68 characters: its first 67 (ending in `Kil`) and an ellipsis.
    const objectName =
      'Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November';
    const d = displayName(bacnetPoint('2000', { device_name: 'VAV-1 Lab', object_name: objectName }));
    expect(d).toBe('VAV-1 Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kil… · Lab');
    expect(chars(d)).toBe(MAX_DISPLAY_NAME_LENGTH);
  });

  it('keeps the device’s place even when the whole line must then be cut', () => {
    // Equipment of 39 characters and a place of 30 leave the role its minimum, 12 (`Zone Temper…`):
    // 39 + 1 + 12 + 3 + 30 = 85, so the line is cut to 79 characters and an ellipsis.
    const d = describePoint(
      bacnetPoint('2000', {
        device_name: 'VAV-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15 Male Lockers And Showers B1416',
        object_name: 'Zone Temperature Setpoint',
      }),
    );
    expect(d.equipment).toBe('VAV-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15');
    expect(d.display_name).toBe(
      'VAV-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15 Zone Temper… · Male Lockers And Showers…',
    );
    expect(chars(d.display_name)).toBe(MAX_DISPLAY_NAME_LENGTH);
  });

  it('keeps a name of exactly 80 characters whole, and cuts a longer one before a blank', () => {
    const role63 = 'Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett';
    const point = (objectName: string) =>
      bacnetPoint('2000', { device_name: 'AHU-1', object_name: objectName });
    // `AHU-1 ` (6) and a role of 74 is 80 characters; the role may have 80 − 5 − 1 = 74.
    const role74 = `${role63} Kilo Limes`;
    expect(role74).toHaveLength(74);
    expect(displayName(point(role74))).toBe(`AHU-1 ${role74}`);
    // 77 characters: the first 73 end in the blank before `Mike`, which the cut drops, then `…`.
    const role77 = `${role63} Kilo Lip Mike`;
    expect(role77).toHaveLength(77);
    expect(displayName(point(role77))).toBe(`AHU-1 ${role63} Kilo Lip…`);
  });
});
