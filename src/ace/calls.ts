// Pure builders of ACE's requests: route, method, path, query and body for each of ACE's four
// routes, the URL a call makes under the API root, and the key identical calls are shared under.
// No I/O: attempt.ts sends a call, client.ts and the page runners choose which.
import type { PageSize } from './plan.ts';

/** The ACE routes, as logs and the synthetic ACE's stats name them. */
export type AceRouteName = 'site' | 'configured_points' | 'get_timeseries' | 'paginated';

/** Window of a timeseries call. */
export interface AceWindow {
  startMs: number;
  endMs: number;
}

/** One page of the paginated endpoint: the window, ACE's page size, and the cursor after the first. */
export type SitePageRequest = AceWindow & { pageSize: PageSize; cursor?: string | undefined };

/** One request to ACE, before the API root and the token are added. */
export interface Call {
  route: AceRouteName;
  method: 'GET' | 'POST';
  path: string;
  query: Array<[string, string]>;
  body?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const sitePath = (site: string) => `/sites/${encodeURIComponent(site)}`;

/** `GET /sites/{site}`. */
export const siteCall = (site: string): Call => ({
  route: 'site',
  method: 'GET',
  path: sitePath(site),
  query: [],
});

/** `GET /sites/{site}/configured_points?page=&per_page=`. */
export const pointsCall = (site: string, page: number, perPage: number): Call => ({
  route: 'configured_points',
  method: 'GET',
  path: `${sitePath(site)}/configured_points`,
  query: [
    ['page', String(page)],
    ['per_page', String(perPage)],
  ],
});

/** `POST /points/get_timeseries` for `names` over the window. */
export const batchCall = (names: readonly string[], window: AceWindow): Call => ({
  route: 'get_timeseries',
  method: 'POST',
  path: '/points/get_timeseries',
  query: [
    ['start_time', iso(window.startMs)],
    ['end_time', iso(window.endMs)],
  ],
  body: JSON.stringify({ points: names.map((name) => ({ name })) }),
});

/** One page of `GET /sites/{site}/timeseries/paginated` (raw_data=true). */
export const pageCall = (site: string, page: SitePageRequest): Call => ({
  route: 'paginated',
  method: 'GET',
  path: `${sitePath(site)}/timeseries/paginated`,
  query: [
    ['start_time', iso(page.startMs)],
    ['end_time', iso(page.endMs)],
    ['page_size', String(page.pageSize)],
    ['raw_data', 'true'],
    ...(page.cursor ? [['cursor', page.cursor] as [string, string]] : []),
  ],
});

/** The call's URL under `baseUrl` (ACE's API root, no trailing slash). */
export function callUrl(baseUrl: string, call: Call): string {
  const url = new URL(`${baseUrl}${call.path}`);
  for (const [k, v] of call.query) url.searchParams.set(k, v);
  return url.toString();
}

/** What identical calls share: method, URL, body and the caller's principal (so never across tokens). */
export const sharingKey = (call: Call, url: string, principal: string): string =>
  `${call.method} ${url}\n${call.body ?? ''}\n${principal}`;
