// Reading a job's result for its owner: the job must be the principal's (else not_found), have
// succeeded (else conflict) and its result must not have expired (else gone). The result is the
// consumer's frames (result-format.ts), each gzip-compressed, in one object or, for a job that ran
// as several tasks, in one object per task read in task order: read whole (`read`, for the
// layouts that need every point's series at once) or frame by frame (`open`, for the exports,
// whatever the result's size). Owns no HTTP and no layout.

import type { ChunkSeries } from '../cache/chunk-codec.ts';
import type { Clock } from '../clock.ts';
import type { ColumnSeries } from '../encoding/layout.ts';
import { err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { decodeFrames, readFrames } from './result-format.ts';
import type { Job, JobStore } from './store.ts';
import type { TaskStore } from './task-store.ts';

export interface JobResultRead {
  job: Job;
  series: ColumnSeries[];
}

export interface JobResultStream {
  job: Job;
  /** The frames in time order; throws MalformedResult past the last good one if the object is. */
  frames: AsyncGenerator<ChunkSeries[]>;
}

export interface JobResults {
  /**
   * The result, unless it holds more than `maxSamples(job)` samples (payload_too_large, decided
   * from the job row before a byte is read from R2).
   */
  read(id: string, principal: string, maxSamples?: (job: Job) => number): Promise<Result<JobResultRead>>;
  /** The result as a stream of frames: no size limit, one frame in memory at a time. */
  open(id: string, principal: string): Promise<Result<JobResultStream>>;
}

export interface JobResultsOptions {
  store: Pick<JobStore, 'get'>;
  tasks: Pick<TaskStore, 'keys'>;
  bucket: R2Bucket;
  clock: Clock;
  log: Logger;
}

const GONE = { kind: 'gone', message: 'the result has expired' } as const;

/** Creates the reader. */
export function createJobResults(options: JobResultsOptions): JobResults {
  const { store, tasks, bucket, clock, log } = options;
  const UNAVAILABLE = { kind: 'unavailable', message: 'the result store failed', dependency: 'r2' } as const;

  /** The principal's succeeded, unexpired job (refusals as the module header says). */
  async function readable(id: string, principal: string): Promise<Result<Job>> {
    const found = await store.get(id, principal);
    if (!found.ok) return found;
    const job = found.value;
    if (!job) return err({ kind: 'not_found', message: 'no such job' });
    if (job.status !== 'succeeded') {
      return err({ kind: 'conflict', message: `the job has no result: it is ${job.status}` });
    }
    if (!job.result || job.result.expiresAt <= clock.now()) return err(GONE);
    return ok(job);
  }

  /** The object keys of the result, in the order their frames are read. */
  async function keysOf(job: Job): Promise<Result<string[]>> {
    const key = (job.result as NonNullable<Job['result']>).key;
    if (job.tasks.total <= 1) return ok([key]);
    const keys = await tasks.keys(job.id, job.tasks.total);
    if (keys.ok) return keys;
    log.error('jobs.result_parts_unreadable', { job_id: job.id, error_kind: keys.error.kind });
    return err(UNAVAILABLE);
  }

  /** One object's body, or gone / unavailable. */
  async function body(job: Job, key: string): Promise<Result<R2ObjectBody>> {
    try {
      const got = await bucket.get(key);
      return got ? ok(got) : err(GONE);
    } catch (e) {
      log.error('jobs.result_read_failed', { job_id: job.id, ...describeError(e) });
      return err(UNAVAILABLE);
    }
  }

  /**
   * The result's bytes as one stream: its objects one after another, each opened when the one
   * before is read to its end. The first is opened here, so a missing result is a refusal, not a
   * cut stream; a later part missing errors the stream.
   */
  async function object(job: Job): Promise<Result<ReadableStream<Uint8Array>>> {
    const keys = await keysOf(job);
    if (!keys.ok) return keys;
    const first = await body(job, keys.value[0] as string);
    if (!first.ok) return first;
    if (keys.value.length === 1) return ok(first.value.body);
    const rest = keys.value.slice(1);
    let reader = first.value.body.getReader();
    return ok(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          for (;;) {
            const { done, value } = await reader.read();
            if (!done) {
              controller.enqueue(value);
              return;
            }
            const next = rest.shift();
            if (next === undefined) {
              controller.close();
              return;
            }
            const got = await body(job, next);
            if (!got.ok) {
              controller.error(new Error(`result part missing: ${got.error.kind}`));
              return;
            }
            reader = got.value.body.getReader();
          }
        },
        async cancel(reason) {
          await reader.cancel(reason);
        },
      }),
    );
  }

  return {
    async read(id, principal, maxSamples) {
      const found = await readable(id, principal);
      if (!found.ok) return found;
      const job = found.value;
      const limit = maxSamples?.(job) ?? Number.POSITIVE_INFINITY;
      if ((job.result?.samples ?? 0) > limit) {
        return err({
          kind: 'payload_too_large',
          message: `the result holds ${job.result?.samples} samples, more than ${limit} in this layout; ask for layout=columns or compact, or format=ndjson or csv`,
        });
      }
      const got = await object(job);
      if (!got.ok) return got;
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await new Response(got.value).arrayBuffer());
      } catch (e) {
        log.error('jobs.result_read_failed', { job_id: id, ...describeError(e) });
        return err(UNAVAILABLE);
      }
      const series = await decodeFrames(bytes);
      if (!series) {
        log.error('jobs.result_undecodable', { job_id: id });
        return err({ kind: 'unavailable', message: 'the result could not be read', dependency: 'r2' });
      }
      return ok({ job, series });
    },

    async open(id, principal) {
      const found = await readable(id, principal);
      if (!found.ok) return found;
      const got = await object(found.value);
      if (!got.ok) return got;
      return ok({ job: found.value, frames: readFrames(got.value) });
    },
  };
}
