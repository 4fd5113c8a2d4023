// Specs run inside workerd with real local D1, R2 and Queues (miniflare), configured from
// wrangler.toml. Only outbound fetch to ACE is mocked, with msw (spec/support/setup.ts).
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './src/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // Test-only bindings: the migrations for the setup file, and fixed secrets.
        bindings: {
          TEST_MIGRATIONS: migrations,
          QUEUE_SIGNING_KEY: 'spec-queue-signing-key',
          ADMIN_TOKEN: 'spec-admin-token',
          // The ACE token of the service account jobs and warming fetch with.
          ACE_SERVICE_TOKEN: 'spec-service-token',
          ACE_BASE_URL: 'https://ace.test/api',
          CORS_ORIGINS: 'https://dashboard.example',
        },
      },
    }),
  ],
  test: {
    include: ['spec/**/*.spec.ts'],
    setupFiles: ['./spec/support/fc.ts', './spec/support/setup.ts'],
    // Reproducible property runs: FC_SEED pins fast-check's seed (see spec/support/fc.ts).
    provide: { fcSeed: process.env.FC_SEED ?? '' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'istanbul',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      // Thresholds only ever rise: raise them when coverage grows, never lower them.
      thresholds: { lines: 96, branches: 88, functions: 97, statements: 95 },
    },
  },
});
