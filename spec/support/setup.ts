// Runs before every spec file: applies the D1 migrations to this file's isolated database and
// starts msw so that every outbound fetch is either an ACE route the fixture serves or an error.
import { applyD1Migrations, env } from 'cloudflare:test';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { aceMock, aceServer } from './ace.ts';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

beforeAll(() => aceServer.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  aceServer.resetHandlers();
  aceMock.reset();
});
afterAll(() => aceServer.close());
