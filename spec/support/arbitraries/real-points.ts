// Arbitraries of configured points as real ACE sites send them, for the display-name properties
// (spec/points/display-name.spec.ts): units of equipment spelled every way a site spells them,
// with the spelling-free name they must all come to; generic devices, empty names, plant labels,
// rooms; roles built from the BAS abbreviations; places; tags in any order. Pure, seeded by
// fast-check (CONVENTIONS 15).
import fc from 'fast-check';

/** One unit of equipment: a family and its id groups (`AHU 7 1`, `VAV 102A`). */
export interface Unit {
  family: string;
  groups: Array<{ n: number; letter: string }>;
}

const FAMILIES = ['VAV', 'AHU', 'RTU', 'FCU', 'EF', 'CUH', 'HP', 'UH', 'MAU', 'ERV'] as const;

export const unitArb: fc.Arbitrary<Unit> = fc.record({
  family: fc.constantFrom(...FAMILIES),
  groups: fc.array(
    fc.record({ n: fc.integer({ min: 0, max: 9999 }), letter: fc.constantFrom('', '', '', 'A', 'B', 'c') }),
    { minLength: 1, maxLength: 2 },
  ),
});

/** How one site spelled a unit: case, separators, zero padding, a stray leading blank. */
export interface Spelling {
  case: 'upper' | 'title' | 'lower';
  sep: string;
  groupSep: string;
  zeros: number;
  lead: boolean;
}

export const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  case: fc.constantFrom('upper' as const, 'title' as const, 'lower' as const),
  sep: fc.constantFrom('', '_', '-', ' '),
  groupSep: fc.constantFrom('_', '-', '.'),
  zeros: fc.integer({ min: 0, max: 3 }),
  lead: fc.boolean(),
});

/** The unit as the spelling writes it (`Ahu7_1`, ` vav-0102a`). */
export function spell(unit: Unit, s: Spelling): string {
  const f = unit.family;
  const family =
    s.case === 'upper' ? f : s.case === 'lower' ? f.toLowerCase() : f.charAt(0) + f.slice(1).toLowerCase();
  const groups = unit.groups.map((g) => `${'0'.repeat(s.zeros)}${g.n}${g.letter}`).join(s.groupSep);
  return `${s.lead ? ' ' : ''}${family}${s.sep}${groups}`;
}

/** The one spelling every spelling of the unit comes to: `AHU-7-1`, `VAV-102A`. */
export const canonical = (unit: Unit) =>
  `${unit.family}-${unit.groups.map((g) => `${g.n}${g.letter.toUpperCase()}`).join('-')}`;

const ROLE_PARTS = [
  'Sa',
  'Ra',
  'Oa',
  'Da',
  'Ma',
  'Ea',
  'Temp',
  'Press',
  'Setpt',
  'Stpt',
  'Sp',
  'Lo',
  'Hi',
  'Lim',
  'Wu',
  'Clg',
  'Htg',
  'Dmpr',
  'Vlv',
  'Cmd',
  'Sts',
  'Occ',
  'Heat',
  'Signal',
  'Room',
  'Zn',
  'Fan',
  'Hum',
  'Static',
  'Pos',
  'Flow',
  'Air',
  'Econ',
  'Mode',
  'Reht',
  'Unocc',
  'Eff',
];

/** Roles as sites key them: `HeatSignal`, `SaPressWuSetpt`, `ZnTempSp`. */
export const roleArb = fc
  .array(fc.constantFrom(...ROLE_PARTS), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(''));

/** Places as sites type them: rooms with numbers or codes, areas, with or without a slash. */
export const placeArb = fc.oneof(
  fc.constantFrom('Pharmacy', 'Lobby', 'CU/Work Camera', 'Chapel', 'Sterile Processing', 'Cafeteria'),
  fc
    .tuple(
      fc.constantFrom('Room', 'Male Lockers', 'Director', 'ICU Bed', 'Conference Room', 'Exam', 'Lab'),
      fc.constantFrom('B', 'A', 'N', ''),
      fc.integer({ min: 10, max: 4999 }),
    )
    .map(([words, letter, n]) => `${words} ${letter}${n}`),
);

/** Device names real sites send: a spelled unit mostly, else generic, empty, a plant label, a room. */
export const deviceNameArb: fc.Arbitrary<{ name: string; unit: Unit | null }> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(unitArb, spellingArb).map(([u, s]) => ({ name: spell(u, s), unit: u })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 9_999_999 }), fc.integer({ min: 0, max: 4 }))
      .map(([n, zeros]) => ({ name: `Dev ${'0'.repeat(zeros)}${n}`, unit: null })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', ' ', 'CHWS', 'HWS Plant', ' Boiler Room')
      .map((name) => ({ name, unit: null })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('VAV', 'FCU'),
        fc.integer({ min: 1, max: 999 }),
        fc.constantFrom('Lab', 'Exam', 'Office'),
      )
      .map(([f, n, w]) => ({ name: `${f} Rm ${n} ${w}`, unit: null })),
  },
);

const TYPES = ['analogInput', 'analogValue', 'analogOutput', 'binaryInput', 'binaryValue', 'multiStateValue'];
const UNITS = [
  'percent',
  'degreesFahrenheit',
  'cubicFeetPerMinute',
  'percentRelativeHumidity',
  'noUnits',
  'inchesOfWater',
];

/** A configured point of a real site, with what it was built from. */
export const realPointArb = fc
  .record({
    device: deviceNameArb,
    network: fc.constantFrom(1000, 4000, 6000),
    mac: fc.integer({ min: 1, max: 127 }),
    type: fc.constantFrom(...TYPES),
    index: fc.integer({ min: 0, max: 120 }),
    objectName: fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(fc.constantFrom('AV', 'AI', 'BV', 'MSV'), fc.nat(99))
          .map(([a, n]) => `${a} ${String(n).padStart(2, '0')}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom('Space Humidity', 'Zone Temp', 'Supply Fan Status', 'Heating Valve'),
      },
    ),
    units: fc.constantFrom(...UNITS),
    role: fc.option(roleArb, { nil: null }),
    place: fc.option(placeArb, { nil: null }),
    label: fc.option(
      fc.tuple(fc.constantFrom('RTU', 'AHU'), fc.integer({ min: 1, max: 20 })).map(([f, n]) => `${f}${n}`),
      { nil: null },
    ),
    jace: fc.option(roleArb, { nil: null, freq: 5 }),
    haystack: fc.subarray(['point', 'sensor', 'his', 'cur']),
    bacnet: fc.constantFrom('present', 'present', 'present', 'present', 'null', 'absent'),
  })
  .chain((r) => {
    const tags = [
      ...(r.role && r.label && r.place === null ? [`${r.label} ${r.role}`] : r.role ? [r.role] : []),
      ...(r.place ? [r.place] : []),
      ...(r.label ? [r.label] : []),
      ...r.haystack,
    ];
    return fc.shuffledSubarray(tags, { minLength: tags.length, maxLength: tags.length }).map((markers) => {
      const id = r.network + r.mac;
      const point: Record<string, unknown> = {
        name: `ses/ses_site/${r.network}:${r.mac}-${id}/${r.type}/${r.index}`,
        marker_tags: markers,
        kv_tags: r.jace ? [{ jace_object_name: r.jace }] : [],
      };
      if (r.bacnet === 'present') {
        point.bacnet_data = {
          device_id: id,
          device_address: `${r.network}:${r.mac}`,
          device_name: r.device.name,
          object_type: r.type,
          object_index: r.index,
          object_name: r.objectName,
          object_units: r.units,
        };
      } else if (r.bacnet === 'null') point.bacnet_data = null;
      return { point, built: r };
    });
  });
