// Runs before every spec file of both projects: msw serves the synthetic ACE at ACE_TEST_BASE,
// and every other outbound fetch is an error. The mock's faults and stats are reset after each test.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { aceMock, aceServer } from './ace.ts';

beforeAll(() => aceServer.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  aceServer.resetHandlers();
  aceMock.reset();
});
afterAll(() => aceServer.close());
