// Specifies scripts/cron-schedule.ts: which UTC minutes the project's crons fire at (worked
// examples from the expressions' meaning, not from the code), wrangler.toml's top-level list, and
// refusals of what it cannot read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cronsOf, matches, parseCron } from '../../scripts/cron-schedule.ts';

const at = (iso: string) => new Date(iso);
/** The minutes of one UTC day (from `day`) at which the cron fires, as HH:MM. */
function firings(expression: string, day: string): string[] {
  const cron = parseCron(expression);
  const out: string[] = [];
  for (let m = 0; m < 24 * 60; m++) {
    const t = new Date(Date.parse(`${day}T00:00:00Z`) + m * 60_000);
    if (matches(cron, t)) out.push(t.toISOString().slice(11, 16));
  }
  return out;
}

describe('matches', () => {
  it('fires */5 every five minutes on the minute: 288 times a day, at :00, :05 … :55', () => {
    const f = firings('*/5 * * * *', '2026-12-07');
    expect(f).toHaveLength(288);
    expect(f.slice(0, 3)).toEqual(['00:00', '00:05', '00:10']);
    expect(f.at(-1)).toBe('23:55');
  });

  it('fires "7 * * * *" at seven past every hour, and "30 3 * * *" once, at 03:30', () => {
    const hourly = firings('7 * * * *', '2026-12-07');
    expect(hourly).toHaveLength(24);
    expect(hourly[0]).toBe('00:07');
    expect(hourly[13]).toBe('13:07');
    expect(firings('30 3 * * *', '2026-12-07')).toEqual(['03:30']);
  });

  it('reads ranges, steps within ranges and lists', () => {
    expect(firings('0 9-17/4 * * *', '2026-12-07')).toEqual(['09:00', '13:00', '17:00']);
    expect(firings('15,45 6 * * *', '2026-12-07')).toEqual(['06:15', '06:45']);
  });

  it('takes day of week with Sunday as 0 or 7, and either day field when both are restricted', () => {
    // 2026-12-06 is a Sunday, 2026-12-07 a Monday, 2026-12-01 a Tuesday.
    expect(matches(parseCron('0 0 * * 7'), at('2026-12-06T00:00:00Z'))).toBe(true);
    expect(matches(parseCron('0 0 * * 0'), at('2026-12-06T00:00:00Z'))).toBe(true);
    expect(matches(parseCron('0 0 * * 0'), at('2026-12-07T00:00:00Z'))).toBe(false);
    const firstOrMonday = parseCron('0 0 1 * 1');
    expect(matches(firstOrMonday, at('2026-12-01T00:00:00Z'))).toBe(true); // the 1st, a Tuesday
    expect(matches(firstOrMonday, at('2026-12-07T00:00:00Z'))).toBe(true); // a Monday
    expect(matches(firstOrMonday, at('2026-12-08T00:00:00Z'))).toBe(false);
    // Only day of month restricted: the weekday does not matter.
    expect(matches(parseCron('0 0 1 * *'), at('2026-12-07T00:00:00Z'))).toBe(false);
  });

  it('reads the time in UTC, whatever the local zone', () => {
    expect(matches(parseCron('30 3 * * *'), at('2026-12-07T03:30:59Z'))).toBe(true);
    expect(matches(parseCron('30 3 * * *'), at('2026-12-07T04:30:00+01:00'))).toBe(true);
    expect(matches(parseCron('30 3 * * *'), at('2026-12-07T03:31:00Z'))).toBe(false);
  });
});

describe('parseCron refusals', () => {
  it.each([
    ['* * * *', 'five fields'],
    ['60 * * * *', 'out of range'],
    ['* 24 * * *', 'out of range'],
    ['* * 0 * *', 'out of range'],
    ['*/0 * * * *', 'out of range'],
    ['5-1 * * * *', 'out of range'],
    ['MON * * * *', 'cannot read'],
  ])('refuses "%s" (%s)', (expression, why) => {
    expect(() => parseCron(expression)).toThrow(why);
  });
});

describe('cronsOf', () => {
  it('reads the top-level crons, not an environment’s', () => {
    const toml = [
      '[triggers]',
      'crons = ["*/5 * * * *", "7 * * * *"]',
      '[env.staging.triggers]',
      'crons = ["0 0 * * *"]',
    ].join('\n');
    expect(cronsOf(toml)).toEqual(['*/5 * * * *', '7 * * * *']);
    expect(cronsOf('[vars]\nX = "1"')).toEqual([]);
  });

  it('reads the project’s wrangler.toml, and every cron in it parses', () => {
    const crons = cronsOf(readFileSync('wrangler.toml', 'utf8'));
    expect(crons.length).toBeGreaterThan(0);
    for (const c of crons) expect(parseCron(c).expression).toBe(c);
  });
});
