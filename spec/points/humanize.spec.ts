// Specifies src/points/humanize.ts: machine keys to words with the building-automation dictionary
// (title-case abbreviations expanded, all-caps acronyms kept as operators write them, `Occ` and
// `Sp` read by the word after them), every letter and digit of the key kept in order, and places
// tidied without being re-worded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { humanize, tidyPhrase, tidyPlace } from '../../src/points/humanize.ts';

describe('humanize: the table', () => {
  it.each([
    ['HeatSignal', 'Heat Signal'],
    ['SaPressWuSetpt', 'Supply Air Pressure Warm-up Setpoint'],
    ['SaTempSetptLoLim', 'Supply Air Temp Setpoint Low Limit'],
    ['RaTempHiLim', 'Return Air Temp High Limit'],
    ['OaDmprPos', 'Outside Air Damper Position'],
    ['MaTemp', 'Mixed Air Temp'],
    ['DaTempSp', 'Discharge Air Temp Setpoint'],
    ['EaFanCmd', 'Exhaust Air Fan Command'],
    ['ClgVlvCmd', 'Cooling Valve Command'],
    ['HtgVlvCmd', 'Heating Valve Command'],
    ['ZnTempStpt', 'Zone Temp Setpoint'],
    ['RoomTemp', 'Room Temp'],
    ['SpTemp', 'Space Temp'],
    ['RmHum', 'Room Humidity'],
    ['OccSts', 'Occupancy Status'],
    ['OccCmd', 'Occupancy Command'],
    ['OccClgSp', 'Occupied Cooling Setpoint'],
    ['UnoccHtgSp', 'Unoccupied Heating Setpoint'],
    ['EconMode', 'Economizer Mode'],
    ['ChwVlvPos', 'CHW Valve Position'],
    ['Airflow', 'Airflow'],
    // All-caps acronyms stay as operators write them; known runs are split.
    ['DischargeAirTempSP', 'Discharge Air Temp SP'],
    ['SAT', 'SAT'],
    ['CWPUMPCommand', 'CW Pump Command'],
    // The longest known word (9 letters) splits out of a run of capitals like the others.
    ['DISCHARGEAIRCommand', 'Discharge Air Command'],
    ['MIXEDAIRDISCHARGE', 'Mixed Air Discharge'],
    ['DemandkW', 'Demand kW'],
    ['CoolStage1', 'Cool Stage 1'],
    ['zone_temp', 'Zone Temp'],
  ])('%j → %j', (key, words) => {
    expect(humanize(key)).toBe(words);
  });
});

describe('humanize: properties', () => {
  it('keeps every letter and digit of a key, in order', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_]{0,30}$/), (key) => {
        const strip = (s: string) => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
        const target = strip(humanize(key));
        // Expansions only add letters (Setpt → Setpoint), so the key is a subsequence of the output.
        let k = 0;
        for (const ch of strip(key)) {
          k = target.indexOf(ch, k);
          expect(k).toBeGreaterThanOrEqual(0);
          k++;
        }
      }),
    );
  });

  it('leaves no underscore and no camelCase (units such as kW aside)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_]{0,30}$/), (key) => {
        const out = humanize(key).replace(/\b(kWh|kW|kVAR|kVA|kPa|pH|mA|mV|MWh|Hz)\b/g, '');
        expect(out).not.toMatch(/_|[a-z][A-Z]/);
      }),
    );
  });
});

describe('tidyPlace', () => {
  it.each([
    ['Male Lockers B1416', 'Male Lockers B1416'],
    ['CU/Work Camera', 'CU/Work Camera'],
    ['North_Wing  2N', 'North Wing 2N'],
    ['NurseStation', 'Nurse Station'],
  ])('%j → %j', (place, tidy) => {
    expect(tidyPlace(place)).toBe(tidy);
  });
});

describe('humanize: the edges of the rules', () => {
  it.each([
    // `Occ` alone is the state; before a word that is not a state's, it qualifies it.
    ['Occ', 'Occupancy'],
    ['OccModes', 'Occupied Modes'],
    ['OccPosts', 'Occupied Posts'],
    // `Sp` is Space only first and before a measured quantity spelled exactly.
    ['ZnSpTemp', 'Zone Setpoint Temp'],
    ['SpTemps', 'Setpoint Temps'],
    ['SpAirtemp', 'Setpoint Airtemp'],
    // A lower-case run is one word: only runs of capitals are split.
    ['cwpump', 'Cwpump'],
    // A run of capitals is split into the fewest pieces (AIR FLOW, not AI RF LOW).
    ['AIRFLOW', 'Air Flow'],
    ['CHWSFLOW', 'CHWS Flow'],
    // 40 capitals are split; 42 are past the limit and kept as written.
    ['PUMP'.repeat(10), Array(10).fill('Pump').join(' ')],
    ['AHU'.repeat(14), 'AHU'.repeat(14)],
    // Of two splits in as many pieces, the one with the longer last piece (SP DHW, not SPD HW).
    ['SPDHW', 'SP DHW'],
    // A unit after a digit starts a word of its own.
    ['Load2kW', 'Load 2 kW'],
    // A unit followed by a lower-case letter is not a unit: `k` then `Water`.
    ['kWater', 'K Water'],
    // An acronym takes the digits right after it (PM25), not digits further on.
    ['PM25', 'PM25'],
    ['COZone2', 'CO Zone 2'],
    // A kilo-unit glued to a word, then a capital or a digit, is still a unit of its own.
    ['DemandkWSp', 'Demand kW Setpoint'],
    ['DemandkW2', 'Demand kW 2'],
  ])('%j → %j', (key, words) => {
    expect(humanize(key)).toBe(words);
  });
});

describe('tidyPhrase', () => {
  it.each([
    ['Zone_Temp', 'Zone Temp'],
    ['Zone _Temp', 'Zone Temp'],
    ['_Temp_', 'Temp'],
    ['  Space  Temp ', 'Space Temp'],
  ])('%j → %j', (phrase, tidy) => {
    expect(tidyPhrase(phrase)).toBe(tidy);
  });

  it('turns underscores next to digits into spaces in a place', () => {
    expect(tidyPlace('Room_209')).toBe('Room 209');
  });
});
