// Drives the real Hono app from specs: the Worker's own createApp and createServices over the
// real local bindings, with a spec's env overrides (wrapped bindings, vars), service overrides
// (log sink) and extra routes mounted for what no production route exercises yet.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../../src/http/app.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { handleFetch } from '../../src/index.ts';
import type { LogLevel } from '../../src/obs/log.ts';
import { createServices, type ServiceOverrides } from '../../src/services.ts';

/** A base URL for requests to the Worker in specs. */
export const BASE = 'https://vitals.test';

/** A token that passes the edge's syntax check (ACE's opinion of it is not consulted here). */
export const TOKEN = 'spec-edge-token';

/** One captured log line. */
export interface LogLine {
  level: LogLevel;
  line: Record<string, unknown>;
}

export interface Harness {
  app: OpenAPIHono<AppEnv>;
  /** Log lines written by every request so far. */
  logs: LogLine[];
  /** Sends a request through the app with fresh services, as index.ts would. */
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

export interface HarnessOptions {
  /** Bindings or vars to replace (e.g. a wrapped RATE_LIMITER). */
  env?: Partial<Env>;
  services?: ServiceOverrides;
  /** Mounts extra routes on the app before the first request. */
  mount?: (app: OpenAPIHono<AppEnv>) => void;
}

/** Builds an app (with `mount`'s routes) and a fetch that runs it like the Worker does. */
export function harness(options: HarnessOptions = {}): Harness {
  const app = createApp();
  options.mount?.(app);
  const logs: LogLine[] = [];
  const bindings = { ...env, ...options.env };
  return {
    app,
    logs,
    async fetch(input, init) {
      const request = typeof input === 'string' ? new Request(new URL(input, BASE), init) : input;
      const ctx = createExecutionContext();
      const services = createServices(bindings, ctx, {
        logSink: (level, line) => logs.push({ level, line }),
        ...options.services,
      });
      const res = await handleFetch(app, request, services, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
  };
}

/** Headers carrying a bearer token. */
export function bearer(token: string = TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The JSON error body of the contract. */
export interface ErrorJson {
  error: { code: string; message: string; request_id: string; details?: { path: string; message: string }[] };
}
