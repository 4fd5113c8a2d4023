// Specifies src/ace/sample-bytes.ts: its readers of ACE's time and value over a page's bytes answer
// exactly as parseAceTime and parseAceValue (spec/ace/parse-oracle.spec.ts holds those to the
// transform as it was) wherever they answer at all, on the same arbitrary and adversarial strings,
// placed anywhere in a buffer; and they do answer for ACE's own shapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAceTime, parseAceValue } from '../../src/ace/parse.ts';
import { NOT_FAST, naiveMicrosTimeBytes, plainDecimalBytes } from '../../src/ace/sample-bytes.ts';
import {
  aceShapedTimeArb,
  mutatedArb,
  nearMissTimeArb,
  plainDecimalArb,
  timeInputArb,
  valueInputArb,
} from '../support/ace-text-arbitraries.ts';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isAscii = (text: string) => [...text].every((c) => c.charCodeAt(0) < 0x80);

/** `text` at offset `at` of a zero-padded buffer (as samples-text.ts holds a page), or null if not ASCII. */
function placed(text: string, at: number): Uint8Array | null {
  if (!isAscii(text)) return null;
  const b = new Uint8Array(at + text.length + 64);
  for (let i = 0; i < text.length; i++) b[at + i] = text.charCodeAt(i);
  return b;
}

/** null and NaN are the same answer here; -0 and 0 are not (toBe compares with Object.is). */
const asNullable = (x: number) => (Number.isNaN(x) ? null : x);

/** The byte reader's time for a 26-character string, or undefined where it leaves it to parseAceTime. */
function timeOf(text: string, at: number): number | null | undefined {
  const b = placed(text, at);
  if (!b || text.length !== 26) return undefined;
  const out = new Float64Array([-1, -2]);
  if (!naiveMicrosTimeBytes(b, at, out, 1)) {
    expect(out[1]).toBe(-2); // nothing written
    return undefined;
  }
  return asNullable(out[1] as number);
}

function decimalOf(text: string, at: number): number | null | undefined {
  const b = placed(text, at);
  if (!b) return undefined;
  const page = `${' '.repeat(at)}${text}`;
  const x = plainDecimalBytes(b, at, at + text.length, page);
  return x === NOT_FAST ? undefined : asNullable(x);
}

describe('naiveMicrosTimeBytes against parseAceTime', () => {
  it('answers any string of 26 characters as parseAceTime does, or leaves it to it', () => {
    let answered = 0;
    const stringArb = fc.oneof(
      aceShapedTimeArb,
      mutatedArb(aceShapedTimeArb),
      nearMissTimeArb,
      timeInputArb.filter((t): t is string => typeof t === 'string'),
    );
    fc.assert(
      fc.property(stringArb, fc.nat(40), (text, at) => {
        const got = timeOf(text, at);
        if (got === undefined) return;
        answered++;
        expect(got).toBe(parseAceTime(text));
      }),
      { numRuns: 20_000 },
    );
    expect(answered).toBeGreaterThan(5_000);
  });

  it('answers every date and clock edge alike (leap days, month 13, hour 24, minute and second 60)', () => {
    for (const y of ['0000', '0099', '1900', '1970', '2000', '2023', '2024', '2100', '9999']) {
      for (let mo = 0; mo <= 13; mo++) {
        for (let d = 0; d <= 32; d++) {
          for (const clock of [
            '00:00:00.000000',
            '23:59:59.999999',
            '24:00:00.000000',
            '12:60:00.000000',
            '12:00:60.000000',
          ]) {
            for (const sep of ['T', ' ', 't']) {
              const text = `${y}-${pad(mo, 2)}-${pad(d, 2)}${sep}${clock}`;
              const got = timeOf(text, 3);
              if (got !== undefined) expect(got).toBe(parseAceTime(text));
            }
          }
        }
      }
    }
  });
});

describe('plainDecimalBytes against parseAceValue', () => {
  it.each([
    // 17 significant digits: the fast path must round as Number() does, or leave it.
    ['90.07199254740993', 90.07199254740993],
    // 23 digits after the point: a tiny value, not a dropped one.
    ['0.00000000000000000000001', 1e-23],
    ['-0.5', -0.5],
  ])('reads %s itself, exactly as parseAceValue does', (text, value) => {
    expect(parseAceValue(text)).toBe(value);
    expect(decimalOf(text, 3)).toBe(value);
  });

  it('leaves a decimal with no digit before its point to parseAceValue', () => {
    expect(decimalOf('.5', 0)).toBeUndefined();
    expect(parseAceValue('.5')).toBe(0.5);
  });

  it('answers any string as parseAceValue does, or leaves it to it', () => {
    let answered = 0;
    const stringArb = fc.oneof(
      plainDecimalArb,
      mutatedArb(plainDecimalArb),
      valueInputArb.filter((v): v is string => typeof v === 'string'),
      fc.double().map((x) => String(x)),
      fc.float({ noNaN: true }).map((x) => String(x)),
      fc.stringMatching(/^-?[0-9]{15,25}(\.[0-9]{0,25})?$/),
    );
    fc.assert(
      fc.property(stringArb, fc.nat(40), (text, at) => {
        const got = decimalOf(text, at);
        if (got === undefined) return;
        answered++;
        expect(got).toBe(parseAceValue(text));
      }),
      { numRuns: 20_000 },
    );
    expect(answered).toBeGreaterThan(8_000);
  });
});
