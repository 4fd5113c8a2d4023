-- vitals-edge initial schema. Every table the system uses. Times are epoch milliseconds (UTC).
-- Never edit this file once applied anywhere: add 0002_*.sql instead.
-- D1 enforces foreign keys, so ON DELETE CASCADE below is real (review 32).

-- Principals: the hex SHA-256 of an ACE token. The token itself is never stored.
CREATE TABLE principals (
  id TEXT PRIMARY KEY CHECK (length(id) = 64),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Background jobs (review 17). Status set = the HTTP contract's; the code writes nothing else.
CREATE TABLE queue_jobs (
  id TEXT PRIMARY KEY,                       -- random UUID, never derived from the clock
  principal TEXT NOT NULL,
  site TEXT NOT NULL,
  request_key TEXT NOT NULL,                 -- hex SHA-256 of the canonical request
  request TEXT NOT NULL,                     -- JSON {points, start, end, interval, layout}
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled', 'dead')),
  priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  estimated_samples INTEGER,
  progress_pages INTEGER NOT NULL DEFAULT 0,
  progress_samples INTEGER NOT NULL DEFAULT 0,
  progress_bytes INTEGER NOT NULL DEFAULT 0,
  progress_percent REAL NOT NULL DEFAULT 0 CHECK (progress_percent >= 0 AND progress_percent <= 100),
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  result_key TEXT,
  result_bytes INTEGER,
  result_samples INTEGER,
  result_expires_at INTEGER,
  error_code TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  heartbeat_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX idx_queue_jobs_status_created ON queue_jobs (status, created_at DESC);
CREATE INDEX idx_queue_jobs_principal_created ON queue_jobs (principal, created_at DESC);
-- Identical active jobs are impossible: one active job per principal and canonical request.
CREATE UNIQUE INDEX uq_queue_jobs_active_request ON queue_jobs (principal, request_key)
  WHERE status IN ('queued', 'running', 'retrying');
-- The reaper's scan: running jobs by heartbeat age.
CREATE INDEX idx_queue_jobs_running_heartbeat ON queue_jobs (heartbeat_at) WHERE status = 'running';
-- Result expiry: succeeded jobs by result expiry.
CREATE INDEX idx_queue_jobs_result_expiry ON queue_jobs (result_expires_at) WHERE result_key IS NOT NULL;

-- Jobs whose messages exhausted their retries (review 18). One open record per job.
CREATE TABLE dead_letters (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES queue_jobs (id) ON DELETE CASCADE,
  queue TEXT NOT NULL,
  error_code TEXT,
  error_message TEXT,
  attempts INTEGER NOT NULL,
  request TEXT NOT NULL,                     -- the job's original request JSON (no token)
  created_at INTEGER NOT NULL,
  replayed_at INTEGER,
  replay_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX uq_dead_letters_open_job ON dead_letters (job_id) WHERE replayed_at IS NULL;
CREATE INDEX idx_dead_letters_created ON dead_letters (created_at DESC, id);

-- Queue messages refused before execution: bad signature, stale, malformed, unknown job (review 19, 38).
CREATE TABLE queue_rejections (
  id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('malformed', 'bad_signature', 'stale', 'unknown_job')),
  job_id TEXT,
  body_sha256 TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX idx_queue_rejections_received ON queue_rejections (received_at DESC, id);

-- Hourly and daily aggregates per point (review 13, 33, 36).
CREATE TABLE timeseries_agg (
  site TEXT NOT NULL,
  point TEXT NOT NULL,
  bucket TEXT NOT NULL CHECK (bucket IN ('1h', '1d')),
  t INTEGER NOT NULL,                        -- bucket start
  count INTEGER NOT NULL CHECK (count > 0),
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  first REAL NOT NULL,
  first_t INTEGER NOT NULL,
  last REAL NOT NULL,
  last_t INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, point, bucket, t)
) WITHOUT ROWID;
CREATE INDEX idx_timeseries_agg_retention ON timeseries_agg (bucket, t);

-- Learned sample densities for the estimator (review 26).
CREATE TABLE point_stats (
  site TEXT NOT NULL,
  point TEXT NOT NULL,
  samples_per_second REAL NOT NULL CHECK (samples_per_second >= 0),   -- EWMA over fetches
  observations INTEGER NOT NULL DEFAULT 0,   -- fetches that contributed
  samples_seen INTEGER NOT NULL DEFAULT 0,
  collect_interval_s INTEGER,                -- from the catalogue, when known
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, point)
) WITHOUT ROWID;

-- The R2 result cache's index: R2 listings carry no custom metadata (review 3, 34).
CREATE TABLE cache_entries (
  key TEXT PRIMARY KEY,                      -- the R2 object key
  site TEXT NOT NULL,
  interval TEXT NOT NULL,
  chunk_start INTEGER NOT NULL,
  chunk_end INTEGER NOT NULL,
  points INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  bytes INTEGER NOT NULL,                    -- stored (compressed) size
  raw_bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_access_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_cache_entries_lru ON cache_entries (last_access_at, key);
CREATE INDEX idx_cache_entries_expires ON cache_entries (expires_at);
CREATE INDEX idx_cache_entries_site ON cache_entries (site);

-- Request counters by day, route and cache status: admin stats and hit rate.
CREATE TABLE request_counts (
  day INTEGER NOT NULL,                      -- UTC day start
  route TEXT NOT NULL,
  cache TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, route, cache)
) WITHOUT ROWID;

-- What dashboards ask for most: the input of cache warming (review 6, 30).
CREATE TABLE hot_requests (
  site TEXT NOT NULL,
  points_key TEXT NOT NULL,                  -- hex SHA-256 of the sorted point set
  points TEXT NOT NULL,                      -- JSON array
  interval TEXT NOT NULL,
  range_ms INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  last_requested_at INTEGER NOT NULL,
  PRIMARY KEY (site, points_key, interval, range_ms)
) WITHOUT ROWID;
CREATE INDEX idx_hot_requests_rank ON hot_requests (last_requested_at DESC);

-- Proof that ACE accepted a principal's token for a site recently: the shared cache's gate.
CREATE TABLE site_access (
  principal TEXT NOT NULL,
  site TEXT NOT NULL,
  verified_at INTEGER NOT NULL,
  PRIMARY KEY (principal, site)
) WITHOUT ROWID;

-- Saved chart configurations, owned by a principal; deleting the owner deletes them (review 32).
CREATE TABLE chart_configs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  site TEXT NOT NULL,
  points TEXT NOT NULL,                      -- JSON array
  range TEXT NOT NULL,                       -- JSON object
  options TEXT NOT NULL DEFAULT '{}',        -- JSON object, size-limited by the API
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX idx_chart_configs_owner_updated ON chart_configs (owner, updated_at DESC, id);
