// Specifies src/points/tags.ts: a real site's marker tags read as a role, places and equipment
// labels in either order or alone (a label may lead a role, `RTU7 SaPressWuSetpt`), Haystack
// markers ignored, kv `jace_object_name` from a map or a list of maps, and the reading independent
// of the tags' order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTags } from '../../src/points/tags.ts';
import { placeArb, roleArb } from '../support/arbitraries/real-points.ts';

describe('readTags: the table', () => {
  it.each([
    [['Male Lockers B1416', 'HeatSignal'], 'HeatSignal', ['Male Lockers B1416'], []],
    [['HeatSignal', 'Male Lockers B1416'], 'HeatSignal', ['Male Lockers B1416'], []],
    [['CU/Work Camera', 'Airflow'], 'Airflow', ['CU/Work Camera'], []],
    [['Special Services Director B114', 'RoomTemp'], 'RoomTemp', ['Special Services Director B114'], []],
    [['RTU7 SaPressWuSetpt', 'RTU7'], 'SaPressWuSetpt', [], ['RTU-7']],
    [['RTU4'], null, [], ['RTU-4']],
    [['HeatSignal', 'Pharmacy'], 'HeatSignal', ['Pharmacy'], []],
    [['Room 209', 'Humidity'], 'Humidity', ['Room 209'], []],
    [['Pharmacy'], null, ['Pharmacy'], []],
    [['Space Humidity'], 'Space Humidity', [], []],
    [['point', 'sensor', 'temp', 'siteRef:@abc', 'Lobby'], null, ['Lobby'], []],
    [['Nurse Station 2N', 'OR 3', 'ZnTempSp'], 'ZnTempSp', ['Nurse Station 2N', 'OR 3'], []],
    [['Airflow', 'SaPressWuSetpt'], 'SaPressWuSetpt', [], []],
    ['HeatSignal', null, [], []],
    [[' ', 42, null, '\u0000'], null, [], []],
  ])('%j → role %j, places %j, labels %j', (markers, role, places, labels) => {
    expect(readTags(markers, [])).toEqual({ role, places, labels, jaceName: null });
  });

  it.each([
    [[{ jace_object_name: 'SaTempSetptLoLim' }], 'SaTempSetptLoLim'],
    [[{ other: 'x' }, { jace_object_name: ' DaTempSp ' }], 'DaTempSp'],
    [{ jace_object_name: 'OaTemp', equip: 'ahu' }, 'OaTemp'],
    [[], null],
    ['jace_object_name', null],
    [[{ jace_object_name: 7 }], null],
  ])('reads kv tags %j as jace_object_name %j', (kv, name) => {
    expect(readTags([], kv).jaceName).toBe(name);
  });
});

describe('readTags: properties', () => {
  it('reads a role and a place in either order, alone or together', () => {
    fc.assert(
      fc.property(fc.option(roleArb, { nil: null }), fc.option(placeArb, { nil: null }), (role, place) => {
        const tags = [role, place].filter((t): t is string => t !== null);
        for (const order of [tags, [...tags].reverse()]) {
          expect(readTags(order, [])).toEqual({
            role,
            places: place ? [place] : [],
            labels: [],
            jaceName: null,
          });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the same whatever the order of the tags', () => {
    const tagArb = fc.oneof(roleArb, placeArb, fc.constantFrom('RTU7', 'AHU2 SaTemp', 'point', 'sensor'));
    fc.assert(
      fc.property(
        fc
          .array(tagArb, { maxLength: 6 })
          .chain((t) => fc.tuple(fc.constant(t), fc.shuffledSubarray(t, { minLength: t.length }))),
        ([tags, shuffled]) => {
          expect(readTags(shuffled, [])).toEqual(readTags(tags, []));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('readTags: the edges of the rules', () => {
  const reading = (tags: unknown[]) => readTags(tags, undefined);

  it('reads a control character as a space and a run of spaces as one', () => {
    expect(reading(['Lab\u0000209']).places).toEqual(['Lab 209']);
    expect(reading(['Heat  Signal']).role).toBe('Heat Signal');
    expect(reading(['RTU7  SaPressWuSetpt'])).toMatchObject({ role: 'SaPressWuSetpt', labels: ['RTU-7'] });
  });

  it('lets a role carry a one-digit index, not a longer number', () => {
    expect(reading(['Cool Stage 1'])).toMatchObject({ role: 'Cool Stage 1', places: [] });
    expect(reading(['Stage12'])).toMatchObject({ role: null, places: ['Stage12'] });
  });

  it('reads a tag with no word, or with a word that is not a role’s, as a place', () => {
    expect(reading(['3'])).toMatchObject({ role: null, places: ['3'] });
    expect(reading(['Pharmacy Heat'])).toMatchObject({ role: null, places: ['Pharmacy Heat'] });
  });

  it('reads a tag as a Haystack marker only when it is all lower-case letters and digits', () => {
    expect(reading(['zoneTemp']).role).toBe('zoneTemp');
    expect(reading(['zonetemp', 'temp'])).toMatchObject({ role: null, places: [], labels: [] });
  });

  it('breaks a tie between roles of as many words by code-unit order, in either order', () => {
    expect(reading(['Heat Signal', 'Cool Signal']).role).toBe('Cool Signal');
    expect(reading(['Cool Signal', 'Heat Signal']).role).toBe('Cool Signal');
  });

  it('makes a label only of a known family, alone or leading a role', () => {
    expect(reading(['Room209'])).toMatchObject({ labels: [], places: ['Room209'] });
    expect(reading(['Room209 HeatSignal'])).toMatchObject({
      labels: [],
      role: null,
      places: ['Room209 Heat Signal'],
    });
    expect(reading(['RTU7 heat signal'])).toMatchObject({
      labels: ['RTU-7'],
      role: 'heat signal',
      places: [],
    });
    expect(reading(['RTU7 Heat Signal'])).toMatchObject({
      labels: ['RTU-7'],
      role: 'Heat Signal',
      places: [],
    });
  });

  it('reads nothing from a tag that tidies to nothing', () => {
    expect(reading(['_', '__'])).toEqual({ role: null, places: [], labels: [], jaceName: null });
  });
});
