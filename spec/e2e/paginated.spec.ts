// The ACE drop-in through the Worker: paging through /api/sites/{site}/timeseries/paginated with
// any page size yields exactly what the synthetic ACE itself answers for the same window (its
// finite samples, in its order, in its time format), for a point filter and for the whole site.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { aceFetch } from '../support/ace.ts';

const D0 = Date.UTC(2026, 0, 12);
const HOUR = 3_600_000;
const PAGE_SIZES = [3, 10, 50, 100, 500, 1000, 5000] as const;
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 4)
  .map((p) => p.point.name);

interface AceSample {
  name: string;
  value: string;
  time: string;
}
interface AcePage {
  point_samples: AceSample[];
  next_cursor: string | null;
  has_more: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '');

/** Every sample ACE itself gives for the window, following its cursors. */
async function fromAce(start: number, end: number): Promise<AceSample[]> {
  const out: AceSample[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({
      start_time: iso(start),
      end_time: iso(end),
      page_size: '5000',
      raw_data: 'true',
    });
    if (cursor) q.set('cursor', cursor);
    const page = await (await aceFetch(`/sites/demo-small/timeseries/paginated?${q}`)).json<AcePage>();
    out.push(...page.point_samples);
    cursor = page.next_cursor;
  } while (cursor);
  return out.filter((s) => Number.isFinite(Number(s.value)));
}

/** Every sample the Worker's drop-in gives, page by page. */
async function fromWorker(
  start: number,
  end: number,
  pageSize: number,
  token: string,
  pointNames?: string[],
) {
  const out: AceSample[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q = new URLSearchParams({
      start_time: iso(start),
      end_time: iso(end),
      page_size: String(pageSize),
      raw_data: 'true',
    });
    if (pointNames) q.set('point_names', pointNames.join(','));
    if (cursor) q.set('cursor', cursor);
    const res = await exports.default.fetch(
      `https://vitals.test/api/sites/demo-small/timeseries/paginated?${q}`,
      {
        headers: { 'x-ace-token': token },
      },
    );
    expect(res.status).toBe(200);
    const page = await res.json<AcePage>();
    expect(page.has_more).toBe(page.next_cursor !== null);
    expect(page.point_samples.length).toBeLessThanOrEqual(pageSize);
    out.push(...page.point_samples);
    cursor = page.next_cursor;
    pages++;
  } while (cursor && pages < 2000);
  return out;
}

const normalise = (samples: AceSample[]) => samples.map((s) => `${s.time}|${s.name}|${Number(s.value)}`);

describe('GET /api/sites/{site}/timeseries/paginated (ACE drop-in)', () => {
  it('pages through exactly what ACE answers, filtered to point_names, for any page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...PAGE_SIZES),
        async (startHour, hours, pageSize) => {
          // Small pages over short windows, so one run stays far inside the per-principal rate limit.
          const start = D0 + startHour * HOUR;
          const end = start + (pageSize < 100 ? Math.min(hours, 2) : hours) * HOUR;
          const expected = (await fromAce(start, end)).filter((s) => names.includes(s.name));
          const got = await fromWorker(start, end, pageSize, `drop-in-${crypto.randomUUID()}`, names);
          expect(normalise(got)).toEqual(normalise(expected));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('serves the whole site without point_names, in ACE order and time format', async () => {
    const start = D0 + 100 * HOUR;
    const end = start + 3 * HOUR;
    const expected = await fromAce(start, end);
    const got = await fromWorker(start, end, 1000, 'drop-in-site');
    expect(got.length).toBeGreaterThan(100);
    expect(normalise(got)).toEqual(normalise(expected));
    expect(got[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
  });

  it('serves a site of thousands of points, whose cache lookups span several D1 batches', async () => {
    // demo-large has about 5,400 points: 99 bound per statement, over the 50 statements of one batch.
    expect(sitePoints('demo-large').length).toBeGreaterThan(50 * 99);
    const q = new URLSearchParams({ start_time: iso(D0), end_time: iso(D0 + HOUR), page_size: '10' });
    const res = await exports.default.fetch(
      `https://vitals.test/api/sites/demo-large/timeseries/paginated?${q}`,
      { headers: { 'x-ace-token': 'drop-in-large' } },
    );
    expect(res.status).toBe(200);
    const page = await res.json<AcePage>();
    expect(page.point_samples).toHaveLength(10);
    expect(page.has_more).toBe(true);
  });

  it('refuses page sizes outside ACE’s enum, and a cursor of another query', async () => {
    const q = new URLSearchParams({ start_time: iso(D0), end_time: iso(D0 + HOUR), page_size: '30000' });
    const bad = await exports.default.fetch(
      `https://vitals.test/api/sites/demo-small/timeseries/paginated?${q}`,
      {
        headers: { 'x-ace-token': 'drop-in-bad' },
      },
    );
    expect(bad.status).toBe(400);
    q.set('page_size', '3');
    const first = await (
      await exports.default.fetch(
        `https://vitals.test/api/sites/demo-small/timeseries/paginated?${q}&point_names=${encodeURIComponent(names[0] ?? '')}`,
        {
          headers: { 'x-ace-token': 'drop-in-bad' },
        },
      )
    ).json<AcePage>();
    expect(first.next_cursor).not.toBeNull();
    q.set('end_time', iso(D0 + 2 * HOUR));
    q.set('cursor', first.next_cursor ?? '');
    const foreign = await exports.default.fetch(
      `https://vitals.test/api/sites/demo-small/timeseries/paginated?${q}`,
      {
        headers: { 'x-ace-token': 'drop-in-bad' },
      },
    );
    expect(foreign.status).toBe(400);
  });
});
