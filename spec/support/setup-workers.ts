// Runs before every spec file of the workers project. Files share one workerd runtime per vitest
// worker (starting one per file cost most of the suite's time), so each file starts as it would
// on its own runtime: migrations applied (once; D1 records them), every table and the bucket
// emptied, and the isolate's state (breakers, caches, flights) forgotten.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll } from 'vitest';
import { resetIsolateState } from '../../src/isolate.ts';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

/** Deletes every row of every table the migrations made (not the migrations' own record). */
async function emptyTables(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'`,
    )
    .all<{ name: string }>();
  if (results.length > 0) await db.batch(results.map((t) => db.prepare(`DELETE FROM "${t.name}"`)));
}

/** Deletes every object of the bucket, a listing page at a time. */
async function emptyBucket(bucket: R2Bucket): Promise<void> {
  for (;;) {
    const listed = await bucket.list({ limit: 1000 });
    if (listed.objects.length === 0) return;
    await bucket.delete(listed.objects.map((o) => o.key));
  }
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
type Forwarding = Record<(typeof CONSOLE_METHODS)[number], (...args: unknown[]) => void>;
// Kept on the global the first time: this file runs again for every spec file, and by then an
// earlier file's afterAll may have muted the console.
const holder = globalThis as { __specConsole?: Forwarding };
holder.__specConsole ??= Object.fromEntries(CONSOLE_METHODS.map((m) => [m, console[m]])) as Forwarding;
const forwarding = holder.__specConsole;

beforeAll(async () => {
  Object.assign(console, forwarding);
  await Promise.all([emptyTables(env.DB), emptyBucket(env.CACHE)]);
  resetIsolateState();
});

// Work a file started may outlive it (a queue message redelivered after a retry delay, a waitUntil):
// its log lines are dropped once the file is done, rather than sent to a runner that may be closing
// (vitest then fails the run with "Closing rpc while onUserConsoleLog was pending"). The next file
// restores the console first thing.
afterAll(() => {
  for (const m of CONSOLE_METHODS) console[m] = () => {};
});
