// Reading a job's result for its owner: the job must be the principal's (else not_found), have
// succeeded (else conflict) and its result must not have expired (else gone). The object is the
// consumer's frames (result-format.ts), each gzip-compressed. Owns no HTTP and no layout.
import type { Clock } from '../clock.ts';
import type { ColumnSeries } from '../encoding/layout.ts';
import { err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { decodeFrames } from './result-format.ts';
import type { Job, JobStore } from './store.ts';

export interface JobResultRead {
  job: Job;
  series: ColumnSeries[];
}

export interface JobResults {
  /**
   * The result, unless it holds more than `maxSamples(job)` samples (payload_too_large, decided
   * from the job row before a byte is read from R2).
   */
  read(id: string, principal: string, maxSamples?: (job: Job) => number): Promise<Result<JobResultRead>>;
}

export interface JobResultsOptions {
  store: Pick<JobStore, 'get'>;
  bucket: R2Bucket;
  clock: Clock;
  log: Logger;
}

const GONE = { kind: 'gone', message: 'the result has expired' } as const;

/** Creates the reader. */
export function createJobResults(options: JobResultsOptions): JobResults {
  const { store, bucket, clock, log } = options;
  return {
    async read(id, principal, maxSamples) {
      const found = await store.get(id, principal);
      if (!found.ok) return found;
      const job = found.value;
      if (!job) return err({ kind: 'not_found', message: 'no such job' });
      if (job.status !== 'succeeded') {
        return err({ kind: 'conflict', message: `the job has no result: it is ${job.status}` });
      }
      if (!job.result || job.result.expiresAt <= clock.now()) return err(GONE);
      const limit = maxSamples?.(job) ?? Number.POSITIVE_INFINITY;
      if (job.result.samples > limit) {
        return err({
          kind: 'payload_too_large',
          message: `the result holds ${job.result.samples} samples, more than ${limit} in this layout; ask for layout=columns or compact`,
        });
      }
      let bytes: Uint8Array;
      try {
        const object = await bucket.get(job.result.key);
        if (!object) return err(GONE);
        bytes = new Uint8Array(await object.arrayBuffer());
      } catch (e) {
        log.error('jobs.result_read_failed', { job_id: id, ...describeError(e) });
        return err({ kind: 'unavailable', message: 'the result store failed', dependency: 'r2' });
      }
      const series = await decodeFrames(bytes);
      if (!series) {
        log.error('jobs.result_undecodable', { job_id: id });
        return err({ kind: 'unavailable', message: 'the result could not be read', dependency: 'r2' });
      }
      return ok({ job, series });
    },
  };
}
