// Composition root: the one place that turns bindings (env) and the execution context into
// services. index.ts calls createServices once per fetch/queue/scheduled invocation and passes
// the result down; no other module reads env.
import { type Clock, type IdGenerator, randomId, systemClock } from './clock.ts';
import { type Config, parseConfig } from './config.ts';
import { createAceReachabilityProbe, createHealthChecker, type HealthChecker } from './obs/health.ts';
import { createLogger, type Logger } from './obs/log.ts';

/** Everything a handler may use. */
export interface Services {
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  health: HealthChecker;
  /** Schedules work that may outlive the response (ctx.waitUntil). */
  defer(promise: Promise<unknown>): void;
}

/** Overrides a spec may pass to control time, ids or outbound fetch. */
export interface ServiceOverrides {
  clock?: Clock;
  ids?: IdGenerator;
  fetch?: typeof fetch;
}

// Parsed once per isolate: vars do not change within an isolate's life.
let cachedConfig: { source: unknown; config: Config } | undefined;

function configFor(env: Env): Config {
  if (cachedConfig?.source !== env) cachedConfig = { source: env, config: parseConfig({ ...env }) };
  return cachedConfig.config;
}

// Isolate-scoped state shared across invocations (probe caches, later breakers and coalescing).
const isolate: { aceProbe?: ReturnType<typeof createAceReachabilityProbe>; probeBase?: string } = {};

/** Builds the services for one invocation. */
export function createServices(env: Env, ctx: ExecutionContext, overrides: ServiceOverrides = {}): Services {
  const config = configFor(env);
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? randomId;
  const outbound = overrides.fetch ?? ((input, init) => fetch(input, init));
  const log = createLogger({ service: 'vitals-edge' });

  if (overrides.fetch || isolate.probeBase !== config.aceBaseUrl || !isolate.aceProbe) {
    isolate.aceProbe = createAceReachabilityProbe({ baseUrl: config.aceBaseUrl, fetch: outbound, clock });
    isolate.probeBase = config.aceBaseUrl;
  }

  return {
    config,
    clock,
    ids,
    log,
    health: createHealthChecker({
      db: env.DB,
      bucket: env.CACHE,
      queue: env.JOBS,
      aceProbe: isolate.aceProbe,
      clock,
    }),
    defer: (promise) => ctx.waitUntil(promise),
  };
}
