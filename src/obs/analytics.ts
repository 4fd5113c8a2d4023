// Analytics Engine data points: one per /api request and one per finished job attempt (review 8,
// 25). A failing write is logged with log.error and never reaches the caller (review 29). Owns the
// data point layout below and nothing else: the request middleware and the job consumer call it.
//
// Layout (blob1 tells the kinds apart; double1–3 mean the same in both):
//   request: index1 = route · blobs = ['request', route, method, cache, status class ('2xx')]
//            doubles = [duration ms, samples served, estimated samples, HTTP status]
//   job:     index1 = 'job'  · blobs = ['job', job status, priority]
//            doubles = [duration ms, samples, estimated samples, attempts]
// e.g. `SELECT blob2 AS route, SUM(_sample_interval) AS requests, quantileWeighted(0.95, double1,
// _sample_interval) AS p95_ms FROM vitals_edge WHERE blob1 = 'request' GROUP BY route`.
import { describeError, type Logger } from './log.ts';

/** One answered /api request. */
export interface RequestPoint {
  /** The matched route pattern (`/api/sites/:site/timeseries`), never the raw path. */
  route: string;
  method: string;
  status: number;
  /** `hit` | `partial` | `miss` | `bypass` from X-Cache, else `none`. */
  cache: string;
  samples: number;
  estimatedSamples: number;
  durationMs: number;
}

/** One job attempt that ended (succeeded, failed, retrying, dead, cancelled). */
export interface JobPoint {
  status: string;
  priority: string;
  samples: number;
  estimatedSamples: number;
  durationMs: number;
  attempts: number;
}

export interface Analytics {
  /** Writes one request data point; never throws. A failure goes to `log` (the request's) if given. */
  recordRequest(point: RequestPoint, log?: Logger): void;
  /** Writes one job data point; never throws. A failure goes to `log` (the job's) if given. */
  recordJob(point: JobPoint, log?: Logger): void;
}

export interface AnalyticsOptions {
  /** The ANALYTICS binding; absent (e.g. a local run without it) makes every record a no-op. */
  dataset: AnalyticsEngineDataset | undefined;
  log: Logger;
}

// Analytics Engine caps an index at 96 bytes; routes are code-authored ASCII, so chars ≈ bytes.
const MAX_INDEX_CHARS = 96;
// Blobs share a 16 KB budget per point; no field here comes near it, this only bounds a surprise.
const MAX_BLOB_CHARS = 256;

const blob = (value: string) => value.slice(0, MAX_BLOB_CHARS);
const num = (value: number) => (Number.isFinite(value) ? value : 0);

/** `2xx`, `4xx`, ...: what dashboards group by. */
export function statusClass(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599
    ? `${Math.floor(status / 100)}xx`
    : 'other';
}

/** Creates the recorder over the ANALYTICS binding. */
export function createAnalytics(options: AnalyticsOptions): Analytics {
  const { dataset, log } = options;

  const write = (kind: 'request' | 'job', point: AnalyticsEngineDataPoint, to: Logger = log) => {
    if (!dataset) return;
    try {
      dataset.writeDataPoint(point);
    } catch (e) {
      to.error('analytics.write_failed', { kind, ...describeError(e) });
    }
  };

  return {
    recordRequest(p, to) {
      write(
        'request',
        {
          indexes: [p.route.slice(0, MAX_INDEX_CHARS)],
          blobs: ['request', blob(p.route), blob(p.method), blob(p.cache), statusClass(p.status)],
          doubles: [num(p.durationMs), num(p.samples), num(p.estimatedSamples), num(p.status)],
        },
        to,
      );
    },
    recordJob(p, to) {
      write(
        'job',
        {
          indexes: ['job'],
          blobs: ['job', blob(p.status), blob(p.priority)],
          doubles: [num(p.durationMs), num(p.samples), num(p.estimatedSamples), num(p.attempts)],
        },
        to,
      );
    },
  };
}
