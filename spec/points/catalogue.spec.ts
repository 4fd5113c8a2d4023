// Specifies src/points/catalogue.ts: keyset paging that visits every point exactly once, search
// over name and display name, malformed cursors refused, the listing built from ACE (msw) with
// missing fields tolerated (review 37), and one listing per site in the isolate, paged only to
// callers whose access is proven.
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../fixtures/ace/catalogue.ts';
import { createAceClient } from '../../src/ace/client.ts';
import { parsePointInfo } from '../../src/ace/parse.ts';
import { createAceUpstream } from '../../src/ace/resilience.ts';
import type { Clock } from '../../src/clock.ts';
import { createLogger } from '../../src/obs/log.ts';
import {
  createCatalogueCache,
  createPointsCatalogue,
  decodePointsCursor,
  encodePointsCursor,
  type PointItem,
  pagePoints,
  toPointItem,
} from '../../src/points/catalogue.ts';
import { ACE_TEST_BASE, ACE_TEST_TOKEN, aceMock, aceServer } from '../support/ace.ts';
import { siteAccessFor } from '../support/builders.ts';

const described = (site: string): PointItem[] =>
  (CATALOGUE.get(site)?.points ?? []).flatMap((p) => {
    const info = parsePointInfo(p.point);
    return info ? [toPointItem(info)] : [];
  });
const LARGE = described('demo-large');

/** Pages through everything, returning the items in order (bounded, so a loop fails the spec). */
function pageAll(items: readonly PointItem[], limit: number, search?: string): PointItem[] {
  const out: PointItem[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 10_000; n++) {
    const r = pagePoints(items, { limit, search, cursor });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.items.length).toBeLessThanOrEqual(limit);
    out.push(...r.value.items);
    if (r.value.next_cursor === null) return out;
    cursor = r.value.next_cursor;
  }
  throw new Error('paging did not end');
}

const itemsArb = fc
  .uniqueArray(fc.integer({ min: 0, max: LARGE.length - 1 }), { maxLength: 300 })
  .map((idx) => idx.sort((a, b) => a - b).flatMap((i) => LARGE[i] ?? []));

describe('pagePoints', () => {
  it('visits every point exactly once, in catalogue order, for any page size', () => {
    fc.assert(
      fc.property(itemsArb, fc.integer({ min: 1, max: 120 }), (items, limit) => {
        expect(pageAll(items, limit)).toEqual(items);
      }),
    );
  });

  it('with a search, visits exactly the points whose name or display name contains it (any case)', () => {
    const needles = fc.constantFrom(
      'zone temp',
      'ZONETEMP',
      'vav-1',
      'chw',
      'B05',
      'Setpoint',
      'nothing-matches',
      ' ',
    );
    fc.assert(
      fc.property(itemsArb, fc.integer({ min: 1, max: 50 }), needles, (items, limit, search) => {
        const q = search.trim().toLowerCase();
        const expected = items.filter(
          (p) => p.name.toLowerCase().includes(q) || p.display_name.toLowerCase().includes(q),
        );
        expect(pageAll(items, limit, search)).toEqual(expected);
      }),
    );
  });

  it('has a next cursor exactly when more matching points follow', () => {
    const items = LARGE.slice(0, 10);
    expect(pagePoints(items, { limit: 10 })).toMatchObject({ value: { next_cursor: null } });
    expect(pagePoints(items, { limit: 9 }).ok && pagePoints(items, { limit: 9 })).toMatchObject({
      value: { next_cursor: expect.any(String) },
    });
    expect(pagePoints(items, { limit: 1, search: items[9]?.name })).toMatchObject({
      value: { items: [items[9]], next_cursor: null },
    });
  });

  it('resumes after the last point seen even if the catalogue shifted, or where it was if it vanished', () => {
    const items = LARGE.slice(0, 6);
    const first = pagePoints(items, { limit: 3 });
    if (!first.ok || !first.value.next_cursor) throw new Error('expected a cursor');
    const cursor = first.value.next_cursor;
    const shifted = [items[5], ...items] as PointItem[];
    expect(pagePoints(shifted, { limit: 10, cursor })).toMatchObject({ value: { items: items.slice(3) } });
    const vanished = items.filter((_, i) => i !== 2);
    expect(pagePoints(vanished, { limit: 10, cursor })).toMatchObject({ value: { items: items.slice(4) } });
  });

  it.each([
    'x',
    '!!!',
    btoa('not json'),
    btoa('{"v":2,"i":1,"n":"a"}'),
    btoa('{"v":1,"i":-1,"n":"a"}'),
    btoa('{"v":1,"i":1.5,"n":"a"}'),
    btoa('{"v":1,"i":1}'),
    btoa('[1]'),
    'A'.repeat(3000),
  ])('refuses the malformed cursor %j as invalid_input on `cursor`', (cursor) => {
    expect(pagePoints(LARGE, { limit: 5, cursor })).toMatchObject({
      ok: false,
      error: { kind: 'invalid_input', issues: [{ path: 'cursor' }] },
    });
  });

  it('round-trips its own cursors, non-ASCII names included', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string({ unit: 'grapheme', maxLength: 80 }), (i, n) => {
        expect(decodePointsCursor(encodePointsCursor({ i, n }))).toEqual({ i, n });
      }),
    );
  });
});

function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.UTC(2026, 0, 5);
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

function catalogueOver(ttlMs = 60_000) {
  const clock = manualClock();
  const ace = createAceClient({
    baseUrl: ACE_TEST_BASE,
    fetch: (input, init) => fetch(input, init),
    clock,
    log: createLogger({}, () => {}),
    upstream: createAceUpstream({ clock }),
    timeoutMs: 5_000,
    maxPages: 100,
    maxBytes: 64 * 1024 ** 2,
    retries: 0,
  });
  const access = siteAccessFor({ clock, verify: (token, site) => ace.getSite(site, token) });
  return {
    clock,
    catalogue: createPointsCatalogue({ ace, clock, cache: createCatalogueCache({ ttlMs }), access }),
  };
}

const alice = { token: ACE_TEST_TOKEN, principal: 'a'.repeat(64) };
const bob = { token: 'another-token', principal: 'b'.repeat(64) };

describe('createPointsCatalogue', () => {
  it('lists the whole site with display names, in ACE order', async () => {
    const { catalogue } = catalogueOver();
    const r = await catalogue.list('demo-large', alice);
    expect(r).toEqual({ ok: true, value: LARGE });
  });

  it('serves the site’s listing from the cache to every proven caller until the TTL passes', async () => {
    const { catalogue, clock } = catalogueOver(60_000);
    await catalogue.page('demo-small', alice, { limit: 10 });
    await catalogue.page('demo-small', alice, { limit: 10 });
    await catalogue.page('demo-small', bob, { limit: 10 });
    expect(aceMock.stats().requests.configured_points).toBe(1);
    // Each caller proved its own access once; neither caused a second listing.
    expect(aceMock.stats().requests.site).toBe(2);
    clock.advance(60_000);
    await catalogue.page('demo-small', alice, { limit: 10 });
    expect(aceMock.stats().requests.configured_points).toBe(2);
  });

  it('answers from the last listing when ACE fails transiently after the TTL, never when ACE refuses', async () => {
    const { catalogue, clock } = catalogueOver(60_000);
    const first = await catalogue.list('demo-small', alice);
    clock.advance(60_000);
    aceMock.setFaults({ status: 503 });
    expect(await catalogue.list('demo-small', alice)).toEqual(first);
    aceMock.clearFaults();
    // A refusal is about the caller: nothing stale answers it.
    const refused = await catalogue.list('demo-small', { token: 'forbidden-x', principal: alice.principal });
    expect(refused.ok ? 'listed' : refused.error.kind).toBe('forbidden');
    // Past the stale window ACE's failure is the answer.
    clock.advance(3_600_000);
    aceMock.setFaults({ status: 503 });
    const late = await catalogue.list('demo-small', alice);
    expect(late.ok).toBe(false);
  });

  it('pages a cached listing only to callers ACE accepts, and never one site’s for another', async () => {
    const { catalogue } = catalogueOver();
    await catalogue.page('demo-small', alice, { limit: 5 });
    expect(
      await catalogue.page('demo-small', { token: 'forbidden-x', principal: 'c'.repeat(64) }, { limit: 5 }),
    ).toMatchObject({
      ok: false,
      error: { kind: 'forbidden' },
    });
    expect(
      await catalogue.page('demo-small', { token: 'invalid-x', principal: 'd'.repeat(64) }, { limit: 5 }),
    ).toMatchObject({
      ok: false,
      error: { kind: 'unauthorized' },
    });
    await catalogue.page('demo-small', bob, { limit: 5 });
    const large = await catalogue.page('demo-large', alice, { limit: 5 });
    expect(large.ok && large.value.items[0]?.name).toBe(LARGE[0]?.name);
    // demo-large lists in pages of 1000 (the client's per_page); demo-small once, for everyone.
    const largePages = Math.ceil((CATALOGUE.get('demo-large')?.points.length ?? 0) / 1000);
    expect(aceMock.stats().requests.configured_points).toBe(1 + largePages);
  });

  it('does not cache failures', async () => {
    const { catalogue } = catalogueOver();
    aceMock.setFaults({ status: 500, count: 1 });
    expect(await catalogue.list('demo-small', alice)).toMatchObject({
      ok: false,
      error: { kind: 'upstream_error' },
    });
    expect(await catalogue.list('demo-small', alice)).toMatchObject({ ok: true });
  });

  it('refuses a malformed cursor before asking ACE', async () => {
    const { catalogue } = catalogueOver();
    expect(await catalogue.page('demo-small', alice, { limit: 5, cursor: 'bogus' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid_input' },
    });
    expect(aceMock.stats().total).toBe(0);
  });

  it('tolerates points with missing or mistyped fields, skipping only nameless ones', async () => {
    aceServer.use(
      // The site exists for this token (the catalogue is paged only to proven callers)…
      http.get(`${ACE_TEST_BASE}/sites/odd`, () => HttpResponse.json({ name: 'odd' })),
      // …and lists oddly shaped points.
      http.get(`${ACE_TEST_BASE}/sites/odd/configured_points`, () =>
        HttpResponse.json({
          page: 1,
          pages: 7,
          per_page: 1000,
          total: 4,
          items: [
            { name: 'AHU-9-ZoneTemp' },
            { name: 'ses/odd/1.2.3.4/77/analog-input/1', bacnet_data: null, collect_interval: 'x' },
            { collect_interval: 60 },
            { name: 42 },
            {
              name: 'Vav1.points.DamperPos',
              bacnet_data: { object_units: 'percent' },
              collect_enabled: true,
              collect_interval: 60,
            },
          ],
        }),
      ),
    );
    const { catalogue } = catalogueOver();
    const r = await catalogue.page('odd', alice, { limit: 100 });
    expect(r).toEqual({
      ok: true,
      value: {
        items: [
          {
            name: 'AHU-9-ZoneTemp',
            display_name: 'AHU-9 Zone Temp',
            equipment: 'AHU-9',
            unit: null,
            collect_interval_s: null,
            collect_enabled: false,
          },
          {
            name: 'ses/odd/1.2.3.4/77/analog-input/1',
            display_name: 'Device 77 Analog Input 1',
            equipment: 'Device 77',
            unit: null,
            collect_interval_s: null,
            collect_enabled: false,
          },
          {
            name: 'Vav1.points.DamperPos',
            display_name: 'VAV-1 Damper Position',
            equipment: 'VAV-1',
            unit: '%',
            collect_interval_s: 60,
            collect_enabled: true,
          },
        ],
        next_cursor: null,
      },
    });
  });
});

describe('createCatalogueCache', () => {
  it('keeps at most maxEntries listings, evicting the oldest', () => {
    const cache = createCatalogueCache({ maxEntries: 2, ttlMs: 1_000 });
    const one = LARGE.slice(0, 1);
    cache.set('s1', one, 0);
    cache.set('s2', one, 0);
    cache.set('s3', one, 0);
    expect(cache.get('s1', 0)).toBeUndefined();
    expect(cache.get('s2', 0)).toBe(one);
    expect(cache.get('s3', 999)).toBe(one);
    expect(cache.get('s3', 1_000)).toBeUndefined();
  });

  it('keeps an expired listing for the stale window only', () => {
    const cache = createCatalogueCache({ ttlMs: 1_000, staleMs: 5_000 });
    const one = LARGE.slice(0, 1);
    cache.set('s', one, 0);
    expect(cache.get('s', 1_000)).toBeUndefined();
    expect(cache.getStale('s', 5_999)).toBe(one);
    expect(cache.getStale('s', 6_000)).toBeUndefined();
  });
});
