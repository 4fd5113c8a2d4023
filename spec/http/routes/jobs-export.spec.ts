// A job's result as a streamed download (GET /api/jobs/{id}/result as NDJSON or CSV, chosen by
// ?format= or Accept), through the Worker with the real local queue, R2 and D1, ACE behind msw:
// for every point the download holds exactly the samples a direct read of the same window
// returns, in the same order, raw or downsampled; the refusals (406, 409, 404) in the contract's
// shape; and a stored result cut short is never delivered as a whole download.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../../fixtures/ace/catalogue.ts';
import { principalOf } from '../../../src/http/middleware/auth.ts';
import { newJobFor } from '../../../src/jobs/requests.ts';
import { encodeFrame } from '../../../src/jobs/result-format.ts';
import { createServices } from '../../../src/services.ts';
import { call, freshToken, post, untilFinished } from '../jobs-client.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 2, 2);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 3)
  .map((p) => p.point.name);

interface Series {
  point: string;
  t: number[];
  v: number[];
}

/** Submits a job, waits for it to succeed, and returns its id with the direct read's series. */
async function finishedJob(token: string, body: Record<string, unknown>) {
  const accepted = await post(token, body, { prefer: 'respond-async' });
  expect(accepted.status).toBe(202);
  const { job } = (await accepted.json()) as { job: { id: string } };
  expect((await untilFinished(job.id, token)).status).toBe('succeeded');
  const direct = (await (await post(token, body)).json()) as { series: Series[] };
  return { id: job.id, direct: direct.series };
}

/** Samples grouped by point, in the order they came, from [point, t, v] triples. */
function byPoint(samples: readonly (readonly [string, number, number])[]): Series[] {
  const out = new Map<string, Series>();
  for (const [point, t, v] of samples) {
    const s = out.get(point) ?? { point, t: [], v: [] };
    s.t.push(t);
    s.v.push(v);
    out.set(point, s);
  }
  return [...out.values()];
}

const fromNdjson = (text: string) =>
  byPoint(
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { point: string; t: number; v: number })
      .map((o) => [o.point, o.t, o.v] as const),
  );

/** CSV without quoted fields (these point names need none): header, then point,time,value. */
function fromCsv(text: string): { header: string; series: Series[] } {
  const [header = '', ...lines] = text.split('\r\n').filter((l) => l !== '');
  const rows = lines.map((l) => l.split(','));
  expect(rows.every((r) => r.length === 3)).toBe(true);
  return {
    header,
    series: byPoint(rows.map((r) => [r[0] as string, Date.parse(r[1] as string), Number(r[2])] as const)),
  };
}

/** The direct read's series without the points that have no samples (an export has no line for them). */
const withSamples = (series: readonly Series[]) => series.filter((s) => s.t.length > 0);

describe('a job result as a download', () => {
  it('NDJSON and CSV hold, for every point, exactly the direct read’s samples in its order', async () => {
    const token = freshToken();
    const { id, direct } = await finishedJob(token, { points: names, start: D0, end: D0 + 3 * DAY });
    expect(direct.reduce((n, s) => n + s.t.length, 0)).toBeGreaterThan(1000);

    const nd = await call('GET', `/api/jobs/${id}/result?format=ndjson`, token);
    expect(nd.status).toBe(200);
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson');
    expect(nd.headers.get('content-disposition')).toBe(`attachment; filename="${id}.ndjson"`);
    expect(nd.headers.get('cache-control')).toBe('private, no-store');
    expect(fromNdjson(await nd.text())).toEqual(withSamples(direct));

    const csv = await call('GET', `/api/jobs/${id}/result`, token, { headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('vary')).toMatch(/Accept/);
    const parsed = fromCsv(await csv.text());
    expect(parsed.header).toBe('point,time,value');
    expect(parsed.series).toEqual(withSamples(direct));
  });

  it('resumes: Range gives those bytes of the whole text (206, uncompressed), 416 past its end', async () => {
    const token = freshToken();
    const { id } = await finishedJob(token, { points: names, start: D0 + 20 * DAY, end: D0 + 21 * DAY });
    for (const format of ['ndjson', 'csv'] as const) {
      const path = `/api/jobs/${id}/result?format=${format}`;
      const whole = await call('GET', path, token);
      const etag = whole.headers.get('etag') ?? '';
      expect(etag).toBe(`"${id}.${format}.v1"`);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      const bytes = new Uint8Array(await whole.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(1000);
      const ranged = async (range: string, extra: Record<string, string> = {}) =>
        call('GET', path, token, { headers: { range, 'accept-encoding': 'gzip', ...extra } });

      // From an offset to the end, as a resumed download asks.
      const tail = await ranged('bytes=777-');
      expect(tail.status).toBe(206);
      expect(tail.headers.get('content-range')).toBe(`bytes 777-${bytes.length - 1}/${bytes.length}`);
      expect(tail.headers.get('content-encoding')).toBeNull();
      expect(tail.headers.get('etag')).toBe(etag);
      expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(777));

      // A closed range, and one running past the end (cut at the end).
      const middle = await ranged('bytes=100-199');
      expect(middle.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
      expect(new Uint8Array(await middle.arrayBuffer())).toEqual(bytes.slice(100, 200));
      const over = await ranged(`bytes=${bytes.length - 5}-${bytes.length + 100}`);
      expect(new Uint8Array(await over.arrayBuffer())).toEqual(bytes.slice(bytes.length - 5));

      // Past the end: 416 in the error shape, naming the length.
      const beyond = await ranged(`bytes=${bytes.length}-`);
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe('invalid_request');

      // If-Range naming another version, or a suffix range: the whole download.
      const stale = await ranged('bytes=10-', { 'if-range': '"another"' });
      expect(stale.status).toBe(200);
      expect((await stale.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const suffix = await ranged('bytes=-10');
      expect(suffix.status).toBe(200);
      await suffix.arrayBuffer();
    }
  });

  it('Parquet holds, for every point, exactly the direct read’s samples in its order', async () => {
    const token = freshToken();
    const { id, direct } = await finishedJob(token, {
      points: names,
      start: D0 + 23 * DAY,
      end: D0 + 25 * DAY,
    });
    const res = await call('GET', `/api/jobs/${id}/result`, token, {
      headers: { accept: 'application/vnd.apache.parquet' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${id}.parquet"`);
    const file = await res.arrayBuffer();
    const rows = (await parquetReadObjects({ file })) as Array<{ point: string; time: Date; value: number }>;
    // One row group per stored frame (a job slice of whole days), at least one.
    expect((await parquetMetadataAsync(file)).row_groups.length).toBeGreaterThanOrEqual(1);
    expect(byPoint(rows.map((r) => [r.point, r.time.getTime(), r.value] as const))).toEqual(
      withSamples(direct),
    );
  });

  it('downsamples as the job asked, the same as the direct read at that interval', async () => {
    const token = freshToken();
    const body = { points: names, start: D0 + 5 * DAY, end: D0 + 7 * DAY, interval: '1h' };
    const { id, direct } = await finishedJob(token, body);
    const nd = await call('GET', `/api/jobs/${id}/result?format=ndjson`, token);
    expect(fromNdjson(await nd.text())).toEqual(withSamples(direct));
  });

  it('answers 406 in the error shape for a format it cannot write, by ?format= or by Accept', async () => {
    const token = freshToken();
    const { id } = await finishedJob(token, {
      points: names.slice(0, 1),
      start: D0 + 9 * DAY,
      end: D0 + 10 * DAY,
    });
    for (const [path, headers] of [
      [`/api/jobs/${id}/result?format=xml`, {}],
      [`/api/jobs/${id}/result?format=xlsx`, {}],
      [`/api/jobs/${id}/result`, { accept: 'image/png' }],
    ] as const) {
      const res = await call('GET', path, token, { headers });
      expect(res.status, path).toBe(406);
      const error = ((await res.json()) as { error: Record<string, unknown> }).error;
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'request_id']);
    }
  });

  it('is 409 before success and 404 for another principal, as the other formats are', async () => {
    const owner = freshToken();
    const services = createServices(env, createExecutionContext());
    const made = await services.jobStore.create(
      await newJobFor(await principalOf(owner), {
        site: 'demo-small',
        points: names,
        startMs: D0 + 12 * DAY,
        endMs: D0 + 13 * DAY,
        interval: 'raw',
        layout: 'columns',
        priority: 'normal',
        estimatedSamples: 10,
      }),
    );
    if (!made.ok) throw new Error(made.error.kind);
    const path = `/api/jobs/${made.value.job.id}/result?format=csv`;
    expect((await call('GET', path, owner)).status).toBe(409);
    expect((await call('GET', path, freshToken())).status).toBe(404);
  });

  it('never ends a download cleanly when the stored result is cut short', async () => {
    const token = freshToken();
    const services = createServices(env, createExecutionContext());
    const made = await services.jobStore.create(
      await newJobFor(await principalOf(token), {
        site: 'demo-small',
        points: ['p1'],
        startMs: D0 + 14 * DAY,
        endMs: D0 + 15 * DAY,
        interval: 'raw',
        layout: 'columns',
        priority: 'normal',
        estimatedSamples: 10,
      }),
    );
    if (!made.ok) throw new Error(made.error.kind);
    const id = made.value.job.id;
    const whole = await encodeFrame([{ point: 'p1', t: [D0 + 14 * DAY], v: [1] }]);
    const key = `results/${id}`;
    await env.CACHE.put(key, new Uint8Array([...whole, ...whole.subarray(0, whole.byteLength - 3)]));
    expect((await services.jobStore.claim(id)).ok).toBe(true);
    const done = await services.jobStore.succeed(id, {
      key,
      bytes: 1,
      samples: 2,
      expiresAt: Date.now() + 60_000,
    });
    expect(done.ok).toBe(true);
    const res = await call('GET', `/api/jobs/${id}/result?format=ndjson`, token);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });
});
