// Where a load run points: the local stack it starts itself (default), a stack already running on
// loopback (BASE_URL=http://127.0.0.1:...), or a deployed staging Worker (BASE_URL=https://...).
// Owns the rule that plain-http targets must be loopback and that the synthetic ACE is local-only;
// does not start anything (stack.ts) or send traffic.

/** The resolved target of a run. `aceUrl` is set only when a synthetic ACE is reachable locally. */
export interface LoadTarget {
  kind: 'local' | 'staging';
  /** The Worker API origin, without a trailing slash. */
  baseUrl: string;
  /** The synthetic ACE origin (`/_mock/*` routes); undefined against staging. */
  aceUrl: string | undefined;
  /** True when the runner must start `scripts/start.ts` itself and stop it afterwards. */
  startStack: boolean;
  apiPort: number;
  acePort: number;
  /** The ACE token sent as `Authorization: Bearer`; undefined when none is available. */
  token: string | undefined;
  /**
   * Real tokens to spread a staging run over (LOAD_ACE_TOKENS, comma-separated), so one principal's
   * rate limit does not cap the run; empty locally, where callers are synthetic (callers.ts).
   */
  tokens: string[];
}

export type TargetResult = { ok: true; target: LoadTarget } | { ok: false; message: string };

/** Default ports chosen not to clash with a developer's own `npm start` (8787/8788). */
export const DEFAULT_LOAD_PORT = 8797;
export const DEFAULT_LOAD_ACE_PORT = 8798;
/** Any non-empty token works against the synthetic ACE except `invalid*` and `forbidden*`. */
const LOCAL_TOKEN = 'load-test-token';

/** True for 127.0.0.0/8, `localhost` and `::1` (with or without URL brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4?.slice(1).every((octet) => Number(octet) <= 255) ?? false;
}

function parsePort(raw: string | undefined, fallback: number, name: string): number | string {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  return Number.isInteger(port) && port > 0 && port < 65_536
    ? port
    : `${name} must be a TCP port, got "${raw}"`;
}

function parseOrigin(raw: string, name: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${name} is not a URL: "${raw}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `${name} must be http(s), got ${url.protocol}`;
  if (url.username || url.password) return `${name} must not carry credentials`;
  return url;
}

/**
 * Resolves the target from environment variables: BASE_URL, ACE_URL, LOAD_PORT, LOAD_ACE_PORT,
 * LOAD_ACE_TOKEN, LOAD_ACE_TOKENS. Refuses plain-http targets off loopback, and any synthetic-ACE URL off loopback
 * (the real ACE is never a load target).
 */
export function resolveTarget(env: Record<string, string | undefined>): TargetResult {
  const apiPort = parsePort(env.LOAD_PORT, DEFAULT_LOAD_PORT, 'LOAD_PORT');
  const acePort = parsePort(env.LOAD_ACE_PORT, DEFAULT_LOAD_ACE_PORT, 'LOAD_ACE_PORT');
  if (typeof apiPort === 'string') return { ok: false, message: apiPort };
  if (typeof acePort === 'string') return { ok: false, message: acePort };
  const token = env.LOAD_ACE_TOKEN || undefined;
  const tokens = (env.LOAD_ACE_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');

  const rawBase = env.BASE_URL?.trim();
  if (!rawBase) {
    return {
      ok: true,
      target: {
        kind: 'local',
        baseUrl: `http://127.0.0.1:${apiPort}`,
        aceUrl: `http://127.0.0.1:${acePort}`,
        startStack: true,
        apiPort,
        acePort,
        token: token ?? LOCAL_TOKEN,
        tokens: [],
      },
    };
  }

  const base = parseOrigin(rawBase, 'BASE_URL');
  if (typeof base === 'string') return { ok: false, message: base };
  const baseUrl = base.origin;

  if (isLoopbackHost(base.hostname)) {
    // A stack someone already runs (`npm start`): its synthetic ACE is on ACE_URL, else on the
    // same host at ACE_MOCK_PORT (8788 by default), as scripts/start.ts lays it out.
    const rawAce =
      env.ACE_URL?.trim() || `http://${base.host.replace(/:\d+$/, '')}:${env.ACE_MOCK_PORT || 8788}`;
    const ace = parseOrigin(rawAce, 'ACE_URL');
    if (typeof ace === 'string') return { ok: false, message: ace };
    if (!isLoopbackHost(ace.hostname))
      return { ok: false, message: `ACE_URL must be loopback, got ${ace.host}` };
    return {
      ok: true,
      target: {
        kind: 'local',
        baseUrl,
        aceUrl: ace.origin,
        startStack: false,
        apiPort: Number(base.port || 80),
        acePort: Number(ace.port || 80),
        token: token ?? LOCAL_TOKEN,
        tokens: [],
      },
    };
  }

  if (base.protocol !== 'https:') {
    return {
      ok: false,
      message:
        `refusing BASE_URL ${baseUrl}: plain-http targets must be loopback (127.0.0.0/8, localhost, ::1); ` +
        'a deployed staging Worker is https',
    };
  }
  if (env.ACE_URL) {
    return { ok: false, message: 'ACE_URL is for the local synthetic ACE only; unset it for a staging run' };
  }
  return {
    ok: true,
    target: {
      kind: 'staging',
      baseUrl,
      aceUrl: undefined,
      startStack: false,
      apiPort: 0,
      acePort: 0,
      token: token ?? tokens[0],
      tokens,
    },
  };
}
