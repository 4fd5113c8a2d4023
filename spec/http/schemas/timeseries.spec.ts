// http/schemas/timeseries.ts (review 5, 10, 16): the timeseries request as GET query and as POST
// body parse to the same TimeseriesInput; every bad input is reported with the exact `details`
// paths the client will see (through validation.ts, the hook's own translation).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_POINTS,
  MAX_RANGE_MS,
  type TimeseriesInput,
  timeseriesBodySchema,
  timeseriesQuerySchema,
} from '../../../src/http/schemas/timeseries.ts';
import { fieldIssues, MAX_DETAILS } from '../../../src/http/validation.ts';
import { pointNamesArb, windowArb } from '../../support/arbitraries/time.ts';

const START = '2025-06-01T00:00:00Z';
const END = '2025-06-02T00:00:00Z';
const START_MS = Date.UTC(2025, 5, 1);
const END_MS = Date.UTC(2025, 5, 2);
const DAY = 86_400_000;

/** The details paths a query would produce (sorted), or 'ok'. */
function queryPaths(query: Record<string, string>): string[] | 'ok' {
  const r = timeseriesQuerySchema.safeParse(query);
  return r.success
    ? 'ok'
    : fieldIssues(r.error, 'query')
        .map((i) => i.path)
        .sort();
}

function bodyPaths(body: unknown): string[] | 'ok' {
  const r = timeseriesBodySchema.safeParse(body);
  return r.success
    ? 'ok'
    : fieldIssues(r.error, 'json')
        .map((i) => i.path)
        .sort();
}

const goodQuery = { points: 'a,b', start: START, end: END };
const goodBody = { points: ['a', 'b'], start: START, end: END };

describe('valid requests', () => {
  it('takes a job priority, and refuses an unknown one', () => {
    expect(timeseriesBodySchema.parse({ ...goodBody, priority: 'high' }).priority).toBe('high');
    expect(bodyPaths({ ...goodBody, priority: 'urgent' })).toEqual(['priority']);
  });

  it('GET and POST parse to the same request, with defaults', () => {
    const expected: TimeseriesInput = {
      points: ['a', 'b'],
      start: START_MS,
      end: END_MS,
      interval: 'raw',
      layout: 'columns',
      priority: 'normal',
    };
    expect(timeseriesQuerySchema.parse(goodQuery)).toEqual(expected);
    expect(timeseriesBodySchema.parse(goodBody)).toEqual(expected);
  });

  it('takes every field when given, epoch ms included', () => {
    const fields = { interval: '1h', layout: 'rows', format: 'msgpack', priority: 'high' };
    const q = { ...goodQuery, start: String(START_MS), ...fields };
    const b = { ...goodBody, start: START_MS, ...fields };
    const expected = { points: ['a', 'b'], start: START_MS, end: END_MS, ...fields };
    expect(timeseriesQuerySchema.parse(q)).toEqual(expected);
    expect(timeseriesBodySchema.parse(b)).toEqual(expected);
  });

  it('ignores unknown query keys (cache busters) but not unknown body fields', () => {
    expect(queryPaths({ ...goodQuery, _: '123' })).toBe('ok');
    expect(bodyPaths({ ...goodBody, _: '123' })).toEqual(['_']);
  });

  it('accepts any 1–500 distinct names, comma-joined in GET or listed in POST, in order', () => {
    fc.assert(
      fc.property(pointNamesArb(MAX_POINTS), (points) => {
        expect(timeseriesQuerySchema.parse({ ...goodQuery, points: points.join(',') }).points).toEqual(
          points,
        );
        expect(timeseriesBodySchema.parse({ ...goodBody, points }).points).toEqual(points);
      }),
      { numRuns: 50 },
    );
  });

  it('accepts any window of up to 366 days and refuses any longer one, naming `end`', () => {
    fc.assert(
      fc.property(windowArb(1, MAX_RANGE_MS + 3 * DAY), ({ startMs, endMs }) => {
        const paths = queryPaths({ points: 'a', start: String(startMs), end: String(endMs) });
        expect(paths).toEqual(endMs - startMs <= MAX_RANGE_MS ? 'ok' : ['end']);
      }),
      { numRuns: 300 },
    );
  });
});

describe('bad GET queries → the exact details paths', () => {
  const table: [string, Record<string, string>, string[]][] = [
    ['nothing', {}, ['end', 'points', 'start']],
    ['no points', { start: START, end: END }, ['points']],
    ['empty points', { ...goodQuery, points: '' }, ['points.0']],
    ['an empty name in the list', { ...goodQuery, points: 'a,,b' }, ['points.1']],
    ['a trailing comma', { ...goodQuery, points: 'a,b,' }, ['points.2']],
    ['a duplicate', { ...goodQuery, points: 'a,b,a' }, ['points.2']],
    ['a name with surrounding space', { ...goodQuery, points: 'a, b' }, ['points.1']],
    ['a control character', { ...goodQuery, points: 'a,b\u0001' }, ['points.1']],
    [
      '501 points',
      { ...goodQuery, points: Array.from({ length: 501 }, (_, i) => `p${i}`).join(',') },
      ['points'],
    ],
    ['a name of 513 characters', { ...goodQuery, points: 'x'.repeat(513) }, ['points.0']],
    ['a naive start', { ...goodQuery, start: '2025-06-01T00:00:00' }, ['start']],
    ['a bad end', { ...goodQuery, end: 'tomorrow' }, ['end']],
    ['start = end', { ...goodQuery, end: START }, ['end']],
    ['start after end', { ...goodQuery, start: END, end: START }, ['end']],
    ['367 days', { ...goodQuery, end: String(START_MS + 367 * DAY) }, ['end']],
    ['366 days and 1 ms', { ...goodQuery, end: String(START_MS + MAX_RANGE_MS + 1) }, ['end']],
    ['an unknown interval', { ...goodQuery, interval: '2m' }, ['interval']],
    ['an interval in the wrong case', { ...goodQuery, interval: '1H' }, ['interval']],
    ['an unknown layout', { ...goodQuery, layout: 'table' }, ['layout']],
    ['an unknown format', { ...goodQuery, format: 'csv' }, ['format']],
    [
      'several bad fields',
      { points: 'a,a', start: 'x', interval: 'x' },
      ['end', 'interval', 'points.1', 'start'],
    ],
  ];
  it.each(table)('%s', (_, query, paths) => {
    expect(queryPaths(query)).toEqual(paths);
  });
});

describe('bad POST bodies → the exact details paths', () => {
  const table: [string, unknown, string[]][] = [
    ['not an object', [], ['body']],
    ['null', null, ['body']],
    ['a string', 'points=a', ['body']],
    ['empty object', {}, ['end', 'points', 'start']],
    ['points not an array', { ...goodBody, points: 'a,b' }, ['points']],
    ['no points', { ...goodBody, points: [] }, ['points']],
    ['501 points', { ...goodBody, points: Array.from({ length: 501 }, (_, i) => `p${i}`) }, ['points']],
    ['a non-string name', { ...goodBody, points: ['a', 7] }, ['points.1']],
    ['an empty name', { ...goodBody, points: ['a', ''] }, ['points.1']],
    ['two duplicates', { ...goodBody, points: ['a', 'b', 'a', 'b'] }, ['points.2', 'points.3']],
    ['a fractional epoch', { ...goodBody, start: START_MS + 0.5 }, ['start']],
    ['a negative epoch', { ...goodBody, start: -1 }, ['start']],
    ['a boolean time', { ...goodBody, end: true }, ['end']],
    ['start after end', { ...goodBody, start: END_MS, end: START_MS }, ['end']],
    ['an unknown interval', { ...goodBody, interval: 'hourly' }, ['interval']],
    ['a null layout', { ...goodBody, layout: null }, ['layout']],
    ['unknown fields', { ...goodBody, point: 'a', limit: 5 }, ['limit', 'point']],
  ];
  it.each(table)('%s', (_, body, paths) => {
    expect(bodyPaths(body)).toEqual(paths);
  });

  it('checks the list length first: 100,000 bad names cost one detail, not 100,000', () => {
    const r = timeseriesBodySchema.safeParse({
      ...goodBody,
      points: Array.from({ length: 100_000 }, () => 7),
    });
    expect(r.success).toBe(false);
    if (!r.success) expect(fieldIssues(r.error).map((i) => i.path)).toEqual(['points']);
  });

  it(`caps details at ${MAX_DETAILS} whatever the body`, () => {
    const r = timeseriesBodySchema.safeParse({ ...goodBody, points: Array.from({ length: 500 }, () => '') });
    expect(r.success).toBe(false);
    if (!r.success) expect(fieldIssues(r.error)).toHaveLength(MAX_DETAILS);
  });

  it('names missing fields as required', () => {
    const r = timeseriesBodySchema.safeParse({});
    expect(r.success).toBe(false);
    if (!r.success)
      expect(new Set(fieldIssues(r.error).map((i) => i.message))).toEqual(new Set(['required']));
  });
});
