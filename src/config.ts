// Typed configuration, parsed once from the Worker's vars and secrets. The only module that
// knows var names; everything else receives a Config. Bad config fails loudly at startup.
import { z } from 'zod';

const int = (dflt: number) => z.coerce.number().int().nonnegative().default(dflt);
const positiveNumber = (dflt: number) => z.coerce.number().positive().default(dflt);
// The Rate Limiting binding supports only these periods (seconds).
const ratePeriod = (dflt: 10 | 60) =>
  z.coerce
    .number()
    .refine((n) => n === 10 || n === 60, 'must be 10 or 60')
    .default(dflt);

const configSchema = z.object({
  ACE_BASE_URL: z.url(),
  CORS_ORIGINS: z.string().default(''),
  DIRECT_MAX_SAMPLES: int(250_000),
  DIRECT_BUDGET_MS: int(15_000),
  JOB_MAX_SAMPLES: int(1_000_000),
  JOB_TASK_MAX_SAMPLES: int(1_000_000),
  CACHED_STREAM_MAX_SAMPLES: int(10_000_000),
  DEFAULT_SAMPLES_PER_SECOND: positiveNumber(1 / 30),
  CACHE_MAX_BYTES: int(5 * 1024 ** 3),
  CACHE_HISTORY_TTL_S: int(7 * 86_400),
  CACHE_RECENT_TTL_S: int(60),
  RESULT_TTL_S: int(86_400),
  CHUNK_MEMORY_MAX_BYTES: int(16 * 1024 ** 2),
  CHUNK_MEMORY_TTL_S: int(600),
  CHUNK_EDGE_TTL_S: int(3_600),
  BOOKKEEPING_FLUSH_MS: int(5_000),
  D1_READ_REPLICAS: z.enum(['on', 'off']).default('on'),
  D1_TIMEOUT_MS: int(10_000),
  ACE_TIMEOUT_MS: int(25_000),
  ACE_MAX_BYTES: int(64 * 1024 ** 2),
  ACE_MAX_PAGES: int(2_000),
  JOB_HEARTBEAT_TIMEOUT_S: int(300),
  AGG_RETENTION_DAYS: int(90),
  RATE_LIMIT_PERIOD_S: ratePeriod(60),
  JOB_RATE_LIMIT_PERIOD_S: ratePeriod(60),
  VERIFY_RATE_LIMIT_PERIOD_S: ratePeriod(60),
  VERIFY_MAX_IN_FLIGHT: int(16),
  ACCESS_REFUSAL_TTL_S: int(60),
  QUEUE_SIGNING_KEY: z.string().min(16, 'QUEUE_SIGNING_KEY must be at least 16 characters'),
  ADMIN_TOKEN: z.string().min(8, 'ADMIN_TOKEN must be at least 8 characters'),
  ACE_SERVICE_TOKEN: z.string().min(1).optional(),
});

/** The parsed configuration every service factory draws from. */
export interface Config {
  aceBaseUrl: string;
  corsOrigins: string[];
  directMaxSamples: number;
  /** Wall time a direct request may take before it counts against the adaptive threshold. */
  directBudgetMs: number;
  /**
   * The largest answer (samples) in JSON or MessagePack, direct or a job's result read in those
   * formats. Jobs themselves have no size limit: their NDJSON and CSV downloads stream.
   */
  jobMaxSamples: number;
  /** Samples one task of a job (one queue message, one invocation) may be estimated at. */
  jobTaskMaxSamples: number;
  /**
   * The largest fully cached answer (samples) streamed from the chunk cache series by series
   * (timeseries/cached-stream.ts) when it is over `jobMaxSamples`; a larger one becomes a job.
   */
  cachedStreamMaxSamples: number;
  defaultSamplesPerSecond: number;
  cacheMaxBytes: number;
  cacheHistoryTtlMs: number;
  cacheRecentTtlMs: number;
  resultTtlMs: number;
  /** Budget of the isolate's memory tier of decoded chunks (0: no memory tier). */
  chunkMemoryMaxBytes: number;
  /** The longest a chunk stays in an isolate's memory: how long a purge takes to reach them all. */
  chunkMemoryTtlMs: number;
  /** The longest a chunk stays in a data centre's Cache API (0: no Cache API tier). */
  chunkEdgeTtlMs: number;
  /** Hot-path bookkeeping (LRU touches, request counts, hot point sets) is written this often. */
  bookkeepingFlushMs: number;
  /** Read the hot path's D1 lookups through a Sessions API session (replicas, where enabled). */
  d1ReadReplicas: boolean;
  d1TimeoutMs: number;
  aceTimeoutMs: number;
  aceMaxBytes: number;
  aceMaxPages: number;
  jobHeartbeatTimeoutMs: number;
  aggRetentionDays: number;
  /** The RATE_LIMITER binding's period (wrangler.toml `simple.period`): Retry-After when limited. */
  rateLimitPeriodS: number;
  /** The JOB_RATE_LIMITER binding's period. */
  jobRateLimitPeriodS: number;
  /** The VERIFY_RATE_LIMITER binding's period: Retry-After of an address over its budget of new tokens. */
  verifyRateLimitPeriodS: number;
  /** Most ACE verifications of unproven tokens in flight in one isolate. */
  verifyMaxInFlight: number;
  /** How long ACE's refusal of a token is answered without asking ACE again. */
  accessRefusalTtlMs: number;
  queueSigningKey: string;
  adminToken: string;
  /** Optional ACE token of a service account, used only by the cache-warming cron. */
  aceServiceToken: string | undefined;
}

/** Parses vars and secrets (strings) into a Config; throws with every bad name on failure. */
export function parseConfig(vars: Record<string, unknown>): Config {
  const parsed = configSchema.safeParse(vars);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${names}`);
  }
  const v = parsed.data;
  return {
    aceBaseUrl: v.ACE_BASE_URL.replace(/\/+$/, ''),
    corsOrigins: v.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0),
    directMaxSamples: v.DIRECT_MAX_SAMPLES,
    directBudgetMs: v.DIRECT_BUDGET_MS,
    jobMaxSamples: v.JOB_MAX_SAMPLES,
    jobTaskMaxSamples: v.JOB_TASK_MAX_SAMPLES,
    cachedStreamMaxSamples: v.CACHED_STREAM_MAX_SAMPLES,
    defaultSamplesPerSecond: v.DEFAULT_SAMPLES_PER_SECOND,
    cacheMaxBytes: v.CACHE_MAX_BYTES,
    cacheHistoryTtlMs: v.CACHE_HISTORY_TTL_S * 1000,
    cacheRecentTtlMs: v.CACHE_RECENT_TTL_S * 1000,
    resultTtlMs: v.RESULT_TTL_S * 1000,
    chunkMemoryMaxBytes: v.CHUNK_MEMORY_MAX_BYTES,
    chunkMemoryTtlMs: v.CHUNK_MEMORY_TTL_S * 1000,
    chunkEdgeTtlMs: v.CHUNK_EDGE_TTL_S * 1000,
    bookkeepingFlushMs: v.BOOKKEEPING_FLUSH_MS,
    d1ReadReplicas: v.D1_READ_REPLICAS === 'on',
    d1TimeoutMs: v.D1_TIMEOUT_MS,
    aceTimeoutMs: v.ACE_TIMEOUT_MS,
    aceMaxBytes: v.ACE_MAX_BYTES,
    aceMaxPages: v.ACE_MAX_PAGES,
    jobHeartbeatTimeoutMs: v.JOB_HEARTBEAT_TIMEOUT_S * 1000,
    aggRetentionDays: v.AGG_RETENTION_DAYS,
    rateLimitPeriodS: v.RATE_LIMIT_PERIOD_S,
    jobRateLimitPeriodS: v.JOB_RATE_LIMIT_PERIOD_S,
    verifyRateLimitPeriodS: v.VERIFY_RATE_LIMIT_PERIOD_S,
    verifyMaxInFlight: v.VERIFY_MAX_IN_FLIGHT,
    accessRefusalTtlMs: v.ACCESS_REFUSAL_TTL_S * 1000,
    queueSigningKey: v.QUEUE_SIGNING_KEY,
    adminToken: v.ADMIN_TOKEN,
    aceServiceToken: v.ACE_SERVICE_TOKEN,
  };
}
