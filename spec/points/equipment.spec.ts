// Specifies src/points/equipment.ts: one spelling per family across a site (every spelling of a
// unit comes to the same name, with all its identifying digits and letters, leading zeros aside),
// generic devices as `Device <n>`, and what is not a family and an id kept as written: plant
// labels, rooms (a place, never a unit number), empty names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equipmentFromId, familyId, readDeviceName } from '../../src/points/equipment.ts';
import { canonical, spell, spellingArb, unitArb } from '../support/arbitraries/real-points.ts';

describe('readDeviceName: the table', () => {
  it.each([
    ['VAV_401', 'VAV-401', null],
    ['VAV-702', 'VAV-702', null],
    ['Vav12', 'VAV-12', null],
    ['VAV 305', 'VAV-305', null],
    ['VAV_0401', 'VAV-401', null],
    ['vav-102a', 'VAV-102A', null],
    ['VAV_102A', 'VAV-102A', null],
    ['  VAV_310', 'VAV-310', null],
    ['Ahu7_1', 'AHU-7-1', null],
    ['AHU-2', 'AHU-2', null],
    ['ahu_3', 'AHU-3', null],
    ['EF_2', 'EF-2', null],
    ['Ef3', 'EF-3', null],
    ['Boiler2', 'Boiler-2', null],
    ['Dev 0001003', 'Device 1003', null],
    ['Device_0006020', 'Device 6020', null],
    ['DEV7', 'Device 7', null],
    ['CHWS', 'CHWS', null],
    [' CHW Plant', 'CHW Plant', null],
    ['VAV Rm 214 Lab', 'VAV', 'Rm 214 Lab'],
    ['VAV 305 Lab', 'VAV-305', 'Lab'],
    ['VAV-214 North_Wing', 'VAV-214', 'North Wing'],
    ['B2 VAV_401', 'B2 VAV-401', null],
    ['B01 Main Meter', 'B01 Main Meter', null],
    ['B01 RTU-1', 'B01 RTU-1', null],
    ['RTU-3', 'RTU-3', null],
    ['Room 209', 'Room 209', null],
    ['Main_Meter', 'Main Meter', null],
    ['vav', 'VAV', null],
  ])('%j → %j (place %j)', (raw, equipment, place) => {
    expect(readDeviceName(raw)).toEqual({ equipment, place });
  });

  it.each(['', '   ', '\u0000', null, 42, undefined, {}])('reads %j as no device name', (raw) => {
    expect(readDeviceName(raw)).toBeNull();
  });

  it('names Niagara device components the same way', () => {
    expect(equipmentFromId('Vav718')).toBe('VAV-718');
    expect(equipmentFromId('Ahu2')).toBe('AHU-2');
    expect(equipmentFromId('MainPlant')).toBe('Main Plant');
  });
});

describe('readDeviceName: properties', () => {
  it('spells every unit of a family one way, whatever the site wrote', () => {
    fc.assert(
      fc.property(unitArb, spellingArb, spellingArb, (unit, a, b) => {
        const one = readDeviceName(spell(unit, a));
        expect(one).toEqual({ equipment: canonical(unit), place: null });
        expect(readDeviceName(spell(unit, b))).toEqual(one);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every identifying digit and letter of the unit, leading zeros aside', () => {
    const idOf = (s: string) =>
      s
        .replace(/\d+/g, (digits) => digits.replace(/^0+(?=\d)/, ''))
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '');
    fc.assert(
      fc.property(unitArb, spellingArb, (unit, s) => {
        const name = spell(unit, s);
        expect(idOf(readDeviceName(name)?.equipment ?? '')).toBe(idOf(name));
      }),
      { numRuns: 2000 },
    );
  });

  it('recognises only the known families inside longer names', () => {
    expect(familyId('RTU7', true)).toBe('RTU-7');
    expect(familyId('Room7', true)).toBeNull();
    expect(familyId('Room 7')).toBeNull();
    expect(familyId('Room7')).toBe('Room-7');
  });
});

describe('equipment names: the edges of the rules', () => {
  it.each([
    [' VAV 401 ', 'VAV-401'],
    [' Boiler2 ', 'Boiler-2'],
    ['Ahu7__1', 'AHU-7-1'],
  ])('familyId(%j) → %j (blanks around, runs of separators)', (text, name) => {
    expect(familyId(text)).toBe(name);
  });

  it.each([
    // A control character is a space, and a run of spaces one.
    ['VAV-1\u0000Lab', 'VAV-1', 'Lab'],
    ['VAV  Rm 214', 'VAV', 'Rm 214'],
    // The place keeps its words apart.
    ['VAV-1 Room 214', 'VAV-1', 'Room 214'],
    ['VAV 401 Room 2', 'VAV-401', 'Room 2'],
    // A word that is not a known family is no unit in a longer name.
    ['Room209 East', 'Room209 East', null],
  ])('readDeviceName(%j) → %j, place %j', (raw, equipment, place) => {
    expect(readDeviceName(raw)).toEqual({ equipment, place });
  });
});
