// Two projects. `workers`: specs that touch a binding run inside workerd with real local D1, R2
// and Queues (miniflare), configured from wrangler.toml; files share a runtime per vitest worker,
// and spec/support/setup-workers.ts gives each file empty storage and a fresh isolate state.
// `unit`: specs of the pure core run in plain Node (no runtime start-up; Stryker runs these).
// scripts/spec-runtimes.ts decides which is which from each file's imports. Only outbound fetch
// to ACE is mocked, with msw (spec/support/setup-ace.ts).
import os from 'node:os';
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { specRuntimes } from './scripts/spec-runtimes.ts';

const root = import.meta.dirname;
const migrations = await readD1Migrations(path.join(root, 'migrations'));
const runtimes = specRuntimes(root);

export default defineConfig({
  test: {
    // Reproducible property runs: FC_SEED pins fast-check's seed (see spec/support/fc.ts).
    provide: { fcSeed: process.env.FC_SEED ?? '' },
    // Every core: vitest's default in a run is one less, which on the 2-core machine meant one
    // file at a time (about 210 s of specs against about 127 s with two). Each vitest worker of
    // the workers project is its own workerd process with its own in-memory D1, R2 and Queues,
    // so two files at once never share storage.
    maxWorkers: os.availableParallelism(),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Log lines of passing specs are noise (and slow to print); a failing spec shows its own.
    silent: 'passed-only',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: runtimes.unit,
          // No msw here: a spec that talks to ACE runs in workerd (scripts/spec-runtimes.ts).
          setupFiles: ['./spec/support/fc.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        plugins: [
          cloudflareTest({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Spec requests carry no client address, so they share one budget of unproven tokens:
              // the suite's own limit is out of the way, and SPEC_VERIFY_LIMITER has the real one
              // for the specs of that budget (spec/robustness/amplification.spec.ts).
              ratelimits: {
                VERIFY_RATE_LIMITER: { namespace_id: '9003', simple: { limit: 1_000_000, period: 60 } },
                SPEC_VERIFY_LIMITER: { namespace_id: '9004', simple: { limit: 20, period: 60 } },
              },
              // Test-only bindings: the migrations for the setup file, and fixed secrets.
              bindings: {
                TEST_MIGRATIONS: migrations,
                QUEUE_SIGNING_KEY: 'spec-queue-signing-key',
                ADMIN_TOKEN: 'spec-admin-token',
                // The ACE token of the service account jobs and warming fetch with.
                ACE_SERVICE_TOKEN: 'spec-service-token',
                ACE_BASE_URL: 'https://ace.test/api',
                CORS_ORIGINS: 'https://dashboard.example',
                // Bookkeeping is written right after each response, so specs see it when the
                // request's waitUntil settles (production batches it every BOOKKEEPING_FLUSH_MS).
                BOOKKEEPING_FLUSH_MS: '0',
                // Specs send bursts of new principals at once (coalescing); the cap on verifications
                // in flight has its own spec (spec/robustness/amplification.spec.ts).
                VERIFY_MAX_IN_FLIGHT: '1000',
                // The Cache API outlives a file's storage reset (nothing can list it): specs of the
                // edge tier turn it on with their own keys (spec/cache/chunk-tiers.spec.ts).
                CHUNK_EDGE_TTL_S: '0',
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: runtimes.workers,
          setupFiles: [
            './spec/support/fc.ts',
            './spec/support/setup-workers.ts',
            './spec/support/setup-ace.ts',
          ],
          // One runtime per vitest worker, reused by its files (setup-workers.ts resets storage).
          isolate: false,
        },
      },
    ],
    coverage: {
      provider: 'istanbul',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      // Thresholds only ever rise: raise them when coverage grows, never lower them.
      thresholds: { lines: 96, branches: 88, functions: 97, statements: 95 },
    },
  },
});
