// fast-check's global settings for every spec file: reproducible runs. A failing property prints
// its seed and path; `FC_SEED=<seed> npm test` (passed in through vitest's provide/inject, since
// specs run in workerd, not in the Node process that has the environment) replays it.
import fc from 'fast-check';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    fcSeed: string;
  }
}

const seed = Number.parseInt(inject('fcSeed'), 10);
fc.configureGlobal({ ...(Number.isFinite(seed) ? { seed } : {}), verbose: 1 });
