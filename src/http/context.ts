// The Hono environment type shared by the app, its middleware and its routes: services arrive
// through Hono's "Bindings" slot (built in index.ts), per-request values through Variables.
import type { Context } from 'hono';
import type { Logger } from '../obs/log.ts';
import type { Caller } from '../requests.ts';
import type { Services } from '../services.ts';

export interface AppEnv {
  Bindings: { services: Services };
  Variables: {
    requestId: string;
    log: Logger;
    /** The caller's ACE token, set by the auth middleware on /api/*; forwarded to ACE, never logged or stored. */
    token: string;
    /** Hex SHA-256 of the token: the caller's identity for ownership, rate limits and access proofs. */
    principal: string;
    /** The client's address (CF-Connecting-IP; `unknown` without it): the budget of unproven tokens. */
    address: string;
    /** What a data route served (samples, estimate), for the request's analytics data point. */
    served?: ServedSamples;
  };
}

/** Set by a route that serves samples (the timeseries routes); read by the analytics middleware. */
export interface ServedSamples {
  samples: number;
  estimatedSamples: number;
}

/** The caller of an authenticated /api request (set by the auth middleware). */
export function callerOf(c: Context<AppEnv>): Caller {
  return { principal: c.var.principal, token: c.var.token, address: c.var.address };
}
