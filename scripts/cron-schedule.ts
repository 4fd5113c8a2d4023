// The cron triggers of wrangler.toml, fired on their schedule for `npm start`: `wrangler dev` runs
// no cron triggers by itself (only `/__scheduled` by hand, with --test-scheduled), so without this
// a job whose isolate died stays `running` until someone calls the reaper. Here: the top-level
// `crons` of wrangler.toml, and whether a five-field cron expression (minute hour day-of-month
// month day-of-week; `*`, `*/n`, `a-b`, `a-b/n`, lists) matches a UTC minute, as Cloudflare reads
// them. Pure, apart from reading the file.
import { readFileSync } from 'node:fs';

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 }, // 0 and 7 are both Sunday
] as const;

export interface Cron {
  expression: string;
  /** Per field, the values it matches. */
  fields: ReadonlySet<number>[];
  /** Whether day of month and day of week were both restricted (then either may match). */
  eitherDay: boolean;
}

function parseField(text: string, min: number, max: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron ${name}: cannot read "${part}"`);
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1)
      throw new Error(`cron ${name}: "${part}" is out of range`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a five-field cron expression; throws on anything else (names like MON are not used here). */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}": five fields expected`);
  const fields = FIELDS.map((f, i) => parseField(parts[i] as string, f.min, f.max, f.name));
  const dow = fields[4] as Set<number>;
  if (dow.has(7)) dow.add(0);
  return { expression, fields, eitherDay: parts[2] !== '*' && parts[4] !== '*' };
}

/** Whether the cron fires at this minute (UTC). */
export function matches(cron: Cron, at: Date): boolean {
  const [minute, hour, dom, month, dow] = cron.fields as [
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
  ];
  if (!minute.has(at.getUTCMinutes()) || !hour.has(at.getUTCHours()) || !month.has(at.getUTCMonth() + 1))
    return false;
  const byDom = dom.has(at.getUTCDate());
  const byDow = dow.has(at.getUTCDay());
  return cron.eitherDay ? byDom || byDow : byDom && byDow;
}

/** The top-level `crons = [...]` of a wrangler.toml's text (not an environment's). */
export function cronsOf(toml: string): string[] {
  const top = toml.split(/^\[env\./m)[0] ?? '';
  const m = /^crons\s*=\s*\[([^\]]*)\]/m.exec(top);
  if (!m) return [];
  return [...(m[1] as string).matchAll(/"([^"]*)"/g)].map((x) => x[1] as string);
}

/** The crons of the wrangler.toml at this path, parsed. */
export const cronsFromFile = (file: string): Cron[] => cronsOf(readFileSync(file, 'utf8')).map(parseCron);
