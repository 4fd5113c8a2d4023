// What the stack checks (job-check.ts, cached-check.ts) share: the Worker they talk to (local
// `npm start` by default, BASE_URL otherwise), JSON requests with a bearer token, the first points
// of a site, the resident memory of the local workerd processes, and series compared exactly.
import { readdirSync, readFileSync } from 'node:fs';

export const BASE = (process.env.BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(
  /\/$/,
  '',
);
const TOKEN = process.env.LOAD_ACE_TOKEN ?? 'job-check-token';
export const headers = { authorization: `Bearer ${TOKEN}` };

export interface Series {
  t: number[];
  v: number[];
}

export async function json<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${BASE}${path}`, { ...init, headers: { ...headers, ...init.headers } });
  return { status: res.status, body: (await res.json()) as T };
}

/** The first `n` points of the site that collect data, in catalogue order. */
export async function pointNames(site: string, n: number): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  while (names.length < n) {
    const q = new URLSearchParams({ limit: '500', ...(cursor ? { cursor } : {}) });
    const { body } = await json<{
      items: Array<{ name: string; collect_enabled: boolean }>;
      next_cursor: string | null;
    }>(`/api/sites/${site}/points?${q}`);
    names.push(...body.items.filter((p) => p.collect_enabled).map((p) => p.name));
    if (!body.next_cursor) break;
    cursor = body.next_cursor;
  }
  return names.slice(0, n);
}

/** Resident memory (bytes) of the local workerd processes, summed; 0 against a remote Worker. */
export function workerdRss(): number {
  if (process.env.BASE_URL) return 0;
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/** The same times and values in the same order (values by Object.is: -0 and NaN count). */
export function sameSeries(a: Series, b: Series): boolean {
  if (a.t.length !== b.t.length) return false;
  for (let i = 0; i < a.t.length; i++) {
    if (a.t[i] !== b.t[i] || !Object.is(a.v[i], b.v[i])) return false;
  }
  return true;
}
