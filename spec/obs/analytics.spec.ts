// Specifies src/obs/analytics.ts over the real local ANALYTICS binding behind a recording wrapper:
// one data point per call with the layout the file header documents, numbers always finite, the
// index within Analytics Engine's 96 bytes; a throwing write is logged (log.error, structured) and
// never thrown (review 29); without a binding every record is a no-op.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnalytics, type RequestPoint, statusClass } from '../../src/obs/analytics.ts';
import { createLogger, type LogLevel } from '../../src/obs/log.ts';
import { recordingDataset } from '../support/analytics.ts';

function setup() {
  const recorder = recordingDataset(env.ANALYTICS);
  const lines: { level: LogLevel; line: Record<string, unknown> }[] = [];
  const log = createLogger({ service: 'spec' }, (level, line) => lines.push({ level, line }));
  return { recorder, lines, analytics: createAnalytics({ dataset: recorder.dataset, log }) };
}

const REQUEST: RequestPoint = {
  route: '/api/sites/:site/timeseries',
  method: 'GET',
  status: 200,
  cache: 'partial',
  samples: 1234,
  estimatedSamples: 1500,
  durationMs: 42,
};

describe('data point layout', () => {
  it('writes a request as index route, blobs [request, route, method, cache, class], doubles [ms, samples, estimate, status]', () => {
    const { recorder, analytics, lines } = setup();
    analytics.recordRequest(REQUEST);
    expect(recorder.points).toEqual([
      {
        indexes: ['/api/sites/:site/timeseries'],
        blobs: ['request', '/api/sites/:site/timeseries', 'GET', 'partial', '2xx'],
        doubles: [42, 1234, 1500, 200],
      },
    ]);
    expect(lines).toEqual([]);
  });

  it('writes a job as index job, blobs [job, status, priority], doubles [ms, samples, estimate, attempts]', () => {
    const { recorder, analytics } = setup();
    analytics.recordJob({
      status: 'succeeded',
      priority: 'high',
      samples: 900_000,
      estimatedSamples: 1_000_000,
      durationMs: 12_345,
      attempts: 2,
    });
    expect(recorder.points).toEqual([
      { indexes: ['job'], blobs: ['job', 'succeeded', 'high'], doubles: [12_345, 900_000, 1_000_000, 2] },
    ]);
  });

  it('writes exactly one point per call, whatever the values; doubles finite, index ≤ 96 chars', () => {
    fc.assert(
      fc.property(
        fc.record({
          route: fc.string({ maxLength: 300 }),
          method: fc.constantFrom('GET', 'POST', 'DELETE'),
          status: fc.integer({ min: 100, max: 599 }),
          cache: fc.constantFrom('hit', 'partial', 'miss', 'bypass', 'none'),
          samples: fc.double(),
          estimatedSamples: fc.double(),
          durationMs: fc.double(),
        }),
        (point) => {
          const { recorder, analytics } = setup();
          analytics.recordRequest(point);
          expect(recorder.points).toHaveLength(1);
          const written = recorder.points[0];
          expect(written?.doubles?.every(Number.isFinite)).toBe(true);
          expect(String(written?.indexes?.[0]).length).toBeLessThanOrEqual(96);
          expect(written?.blobs?.[0]).toBe('request');
          expect(written?.blobs?.[4]).toBe(statusClass(point.status));
        },
      ),
    );
  });

  it('classes statuses as dashboards group them', () => {
    expect([200, 204, 301, 404, 429, 500, 503, 99, 600, 200.5].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
      'other',
      'other',
      'other',
    ]);
  });
});

describe('a failing write (review 29)', () => {
  it('is logged with log.error as a structured line and never thrown', () => {
    const { recorder, analytics, lines } = setup();
    recorder.failing = true;
    expect(() => analytics.recordRequest(REQUEST)).not.toThrow();
    expect(() =>
      analytics.recordJob({
        status: 'dead',
        priority: 'normal',
        samples: 0,
        estimatedSamples: 0,
        durationMs: 1,
        attempts: 5,
      }),
    ).not.toThrow();
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.level)).toEqual(['error', 'error']);
    expect(lines[0]?.line).toMatchObject({
      event: 'analytics.write_failed',
      kind: 'request',
      service: 'spec',
      error_name: 'Error',
      error_message: 'injected analytics fault',
    });
    expect(lines[1]?.line).toMatchObject({ event: 'analytics.write_failed', kind: 'job' });
    // One JSON object per line, as the console sink writes it.
    expect(JSON.parse(JSON.stringify(lines[0]?.line))).toEqual(lines[0]?.line);
  });

  it('recovers when the binding does', () => {
    const { recorder, analytics } = setup();
    recorder.failing = true;
    analytics.recordRequest(REQUEST);
    recorder.failing = false;
    analytics.recordRequest(REQUEST);
    expect(recorder.points).toHaveLength(1);
  });
});

describe('without a binding', () => {
  it('records nothing and logs nothing', () => {
    const lines: unknown[] = [];
    const analytics = createAnalytics({ dataset: undefined, log: createLogger({}, (_, l) => lines.push(l)) });
    analytics.recordRequest(REQUEST);
    expect(lines).toEqual([]);
  });
});
