// The Hono environment type shared by the app, its middleware and its routes: services arrive
// through Hono's "Bindings" slot (built in index.ts), per-request values through Variables.
import type { Logger } from '../obs/log.ts';
import type { Services } from '../services.ts';

export interface AppEnv {
  Bindings: { services: Services };
  Variables: { requestId: string; log: Logger };
}
