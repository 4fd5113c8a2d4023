// The read vocabulary every layer shares: who asks (a Caller) and for what (a SeriesRequest). The
// HTTP edge builds them from validated input, the timeseries service serves them, the ACE client
// fetches their windows, jobs carry them. Types only.
import type { Interval } from './timeseries/intervals.ts';

/** Who asks: the token is forwarded to ACE, the principal (hex SHA-256 of it) keys everything else. */
export interface Caller {
  principal: string;
  token: string;
  /**
   * The client's address (CF-Connecting-IP) when a client asks: the key of the budget for tokens
   * the Worker has no proof for. Absent for the Worker's own callers (crons, jobs).
   */
  address?: string | undefined;
}

/** One read of a site's series: points over [startMs, endMs), raw or downsampled. */
export interface SeriesRequest {
  site: string;
  points: readonly string[];
  /** Inclusive, epoch ms. */
  startMs: number;
  /** Exclusive, epoch ms. */
  endMs: number;
  interval: Interval;
}

/** The part of a request ACE is asked for: always raw samples. */
export type SeriesWindow = Pick<SeriesRequest, 'site' | 'points' | 'startMs' | 'endMs'>;
