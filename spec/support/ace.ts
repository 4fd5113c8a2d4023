// The synthetic ACE as specs see it: one shared mock mounted by msw at ACE_TEST_BASE (the Worker's
// ACE_BASE_URL in vitest.config.ts), and a helper to call it directly. Owns the wiring only; the
// ACE behaviour is fixtures/ace, and setup-ace.ts starts the server and resets the mock after each test.
import { setupServer } from 'msw/node';
import { expect } from 'vitest';
import type { CataloguePoint } from '../../fixtures/ace/catalogue.ts';
import { pointSamples } from '../../fixtures/ace/generator.ts';
import { aceHandlers } from '../../fixtures/ace/msw.ts';
import type { AceWireSample } from '../../fixtures/ace/pages.ts';
import { createAceMock } from '../../fixtures/ace/routes.ts';
import { formatAceTime } from '../../fixtures/ace/time.ts';

/** Where specs' ACE lives (vitest.config.ts gives the Worker this ACE_BASE_URL). */
export const ACE_TEST_BASE = 'https://ace.test/api';

/** A token the mock accepts for every site. */
export const ACE_TEST_TOKEN = 'spec-ace-token';

/** The shared mock behind msw: read its stats and set its faults from specs. */
export const aceMock = createAceMock({ basePath: '/api' });

/** msw's server for every spec file; only ACE_TEST_BASE is served, anything else is an error. */
export const aceServer = setupServer(...aceHandlers(aceMock, ACE_TEST_BASE));

export interface AceFetchInit extends RequestInit {
  /** Bearer token to send (default ACE_TEST_TOKEN); null sends no Authorization header. */
  token?: string | null;
}

/** Fetches `${ACE_TEST_BASE}${path}` through the global fetch (so through msw) with a bearer token. */
export function aceFetch(path: string, init: AceFetchInit = {}): Promise<Response> {
  const { token = ACE_TEST_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${ACE_TEST_BASE}${path}`, { ...rest, headers });
}

/**
 * What ACE must answer for these points over [startMs, endMs), built independently of the mock's
 * heap merge: every point's truth, sorted by time, ties in list order (catalogue order for a site).
 */
export function aceTruth(points: readonly CataloguePoint[], startMs: number, endMs: number): AceWireSample[] {
  const all = points.flatMap((p, i) =>
    pointSamples(p, startMs, endMs).map((s) => ({ ...s, i, name: p.point.name })),
  );
  all.sort((a, b) => a.t - b.t || a.i - b.i);
  return all.map((s) => ({ name: s.name, value: s.value, time: formatAceTime(s.t) }));
}

/**
 * Asserts two sample lists are identical, fast for 100k-sample lists (a deep toEqual is not):
 * on a mismatch it reports the first differing position with a little context.
 */
export function expectSameSamples(
  actual: readonly AceWireSample[],
  expected: readonly AceWireSample[],
): void {
  const n = Math.min(actual.length, expected.length);
  let k = 0;
  while (k < n) {
    const a = actual[k];
    const e = expected[k];
    if (!a || !e || a.name !== e.name || a.value !== e.value || a.time !== e.time) break;
    k++;
  }
  if (k === actual.length && k === expected.length) return;
  expect({ at: k, actual: actual.slice(k, k + 3), length: actual.length }).toEqual({
    at: k,
    actual: expected.slice(k, k + 3),
    length: expected.length,
  });
}
