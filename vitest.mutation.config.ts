// The vitest config Stryker runs (stryker.config.mjs): of the `unit` project's specs (the pure
// core's, in plain Node; scripts/spec-runtimes.ts decides which), those whose imports reach a
// mutated module (scripts/mutation-targets.ts). workerd specs cannot run under Stryker's
// instrumented modules. fast-check's seed is pinned so a mutant is killed or survives the same way
// every run; FC_SEED overrides it.
import { defineConfig } from 'vitest/config';
import { specsReachingMutated } from './scripts/mutation-targets.ts';
import { specRuntimes } from './scripts/spec-runtimes.ts';

const root = import.meta.dirname;

export default defineConfig({
  test: {
    provide: { fcSeed: process.env.FC_SEED ?? '20261201' },
    include: specsReachingMutated(root, specRuntimes(root).unit),
    setupFiles: ['./spec/support/fc.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    silent: 'passed-only',
  },
});
