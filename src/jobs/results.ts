// Reading a job's result for its owner: the job must be the principal's (else not_found), have
// succeeded (else conflict) and its result must not have expired (else gone). The result is the
// consumer's frames (result-format.ts), each gzip-compressed, in one object or, for a job that ran
// as several tasks, in one object per task read in task order: as batches of points (`series`,
// for the JSON and MessagePack answers written series by series, result-series.ts) or frame by
// frame (`open`, for the exports), whatever the result's size. Owns no HTTP and no layout.

import type { ChunkSeries } from '../cache/chunk-codec.ts';
import type { Clock } from '../clock.ts';
import { err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { readFrames } from './result-format.ts';
import {
  batchesOf,
  type OpenPart,
  oversizedBatch,
  type ResultBatch,
  type ResultPart,
} from './result-series.ts';
import type { Job, JobStore } from './store.ts';
import type { TaskStore } from './task-store.ts';

export interface JobResultSeries {
  job: Job;
  /** The result's batches of points, in the job's order. */
  batches: ResultBatch[];
  /** Opens one part's bytes (throws when R2 cannot). */
  open: OpenPart;
}

export interface JobResultStream {
  job: Job;
  /** The frames in time order; throws MalformedResult past the last good one if the object is. */
  frames: AsyncGenerator<ChunkSeries[]>;
}

export interface JobResults {
  /**
   * The result as batches of points. A batch of several points is read whole when written: one
   * over `maxInMemory` samples (a job planned before point batches, or without an estimate) is
   * payload_too_large, decided from D1 before a byte is read from R2.
   */
  series(
    id: string,
    principal: string,
    options: { pointCount: (job: Job) => number; maxInMemory: number },
  ): Promise<Result<JobResultSeries>>;
  /** The result as a stream of frames: no size limit, one frame in memory at a time. */
  open(id: string, principal: string): Promise<Result<JobResultStream>>;
}

export interface JobResultsOptions {
  store: Pick<JobStore, 'get'>;
  tasks: Pick<TaskStore, 'parts'>;
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

  /** The result's parts, in the order their frames are read. */
  async function partsOf(job: Job): Promise<Result<ResultPart[]>> {
    const result = job.result as NonNullable<Job['result']>;
    if (job.tasks.total <= 1)
      return ok([{ key: result.key, points: { from: 0, count: null }, samples: result.samples }]);
    const parts = await tasks.parts(job.id, job.tasks.total);
    if (parts.ok) return parts;
    log.error('jobs.result_parts_unreadable', { job_id: job.id, error_kind: parts.error.kind });
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
    const parts = await partsOf(job);
    if (!parts.ok) return parts;
    const keys = parts.value.map((p) => p.key);
    const first = await body(job, keys[0] as string);
    if (!first.ok) return first;
    if (keys.length === 1) return ok(first.value.body);
    const rest = keys.slice(1);
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
    async series(id, principal, options) {
      const found = await readable(id, principal);
      if (!found.ok) return found;
      const job = found.value;
      const parts = await partsOf(job);
      if (!parts.ok) return parts;
      const batches = batchesOf(parts.value, options.pointCount(job));
      if (!batches) {
        log.error('jobs.result_parts_mismatched', { job_id: id });
        return err({ kind: 'unavailable', message: 'the result could not be read', dependency: 'r2' });
      }
      const over = oversizedBatch(batches, options.maxInMemory);
      if (over) {
        return err({
          kind: 'payload_too_large',
          message: `the result's points ${over.from + 1}–${over.from + over.count} were read together (${over.samples} samples, more than ${options.maxInMemory} can be laid out at once); ask for format=ndjson, csv or parquet`,
        });
      }
      // The first part is opened now, so a missing result is a refusal (410), not a cut stream;
      // its body serves the first read of it.
      const firstKey = parts.value[0]?.key as string;
      const first = await body(job, firstKey);
      if (!first.ok) return first;
      let opened: ReadableStream<Uint8Array> | undefined = first.value.body;
      const open: OpenPart = async (key) => {
        if (opened && key === firstKey) {
          const stream = opened;
          opened = undefined;
          return stream;
        }
        const got = await body(job, key);
        if (!got.ok) throw new Error(`result part unreadable: ${got.error.kind}`);
        return got.value.body;
      };
      return ok({ job, batches, open });
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
