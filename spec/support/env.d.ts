// Test-only bindings added in vitest.config.ts (miniflare.bindings).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    /** VERIFY_RATE_LIMITER as deployed (20 a minute per key): vitest.config.ts. */
    SPEC_VERIFY_LIMITER: RateLimit;
  }
}
