// Runs one task of a job: its slices fetched from ACE one at a time, with a heartbeat and a
// cancellation check at every page boundary, each slice's frame streamed to the task's result
// object in R2 while the next is fetched (review 24). Says what happened; what that means for
// the job and its message is the consumer's (consumer.ts).
import type { AceClient, AcePageEvent, PageVerdict } from '../ace/client.ts';
import { createStreamingUpload, type UploadResult } from '../cache/r2-upload.ts';
import type { Clock } from '../clock.ts';
import type { AppError, Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { FetchObservation } from '../timeseries/fetch-observation.ts';
import type { Job, JobProgress } from './job.ts';
import { encodeFrame, RESULT_ENCODING, type Slice } from './result-format.ts';

/** What the task's slices and pages add up to (ACE bytes, not stored ones). */
export interface TaskCounts {
  pages: number;
  samples: number;
  bytes: number;
}

export type TaskRun =
  | { kind: 'written'; counts: TaskCounts; stored: UploadResult }
  /** A cancel was requested (stop at this page), or the job is no longer this attempt's. */
  | { kind: 'stopped'; why: 'cancel' | 'lost' }
  /** ACE failed or ended early: nothing was stored. */
  | { kind: 'fetch_failed'; error: AppError }
  /** R2 refused the result: nothing was stored. */
  | { kind: 'store_failed'; cause: unknown };

/** The job store's heartbeat (store.ts): progress written, and whether a cancel was requested. */
export type Heartbeat = (
  id: string,
  progress: JobProgress,
) => Promise<Result<{ cancelRequested: boolean }, { kind: string }>>;

export interface TaskRunnerOptions {
  store: { heartbeat: Heartbeat };
  ace: AceClient;
  bucket: R2Bucket;
  serviceToken: string;
  clock: Clock;
  onFetched?: (observation: FetchObservation) => void;
  partBytes?: number;
}

export interface TaskInput {
  job: Job;
  points: string[];
  slices: Slice[];
  /** Where the task's result object goes. */
  key: string;
  /** The job's estimate per point and second, to size ACE calls on (null: the client's default). */
  samplesPerSecond: number | null;
  /** Progress of the job before this task (its done tasks). */
  base: TaskCounts;
  /** The job's percent after `slice` of the task's slices, `event` being its latest page. */
  percent: (slice: number, event: AcePageEvent) => number;
  log: Logger;
}

const add = (a: TaskCounts, b: TaskCounts): TaskCounts => ({
  pages: a.pages + b.pages,
  samples: a.samples + b.samples,
  bytes: a.bytes + b.bytes,
});

/**
 * How a task's ACE calls are sized: calls of at most 25,000 expected samples, at most 50,000 in
 * flight, so a task's pages take the same memory whether its batch is 200 points over a day
 * (four 50-name calls) or 18 points over three weeks (which the client's defaults would fetch as
 * 100,000-sample pages, 6 at a time). Jobs trade fetch concurrency for memory that does not grow
 * with the batch (docs/PERFORMANCE.md, Jobs of any size).
 */
export const TASK_FETCH_CALLS = { maxSamplesPerCall: 25_000, maxSamplesInFlight: 50_000 } as const;

/** Creates the runner of one task. */
export function createTaskRunner(options: TaskRunnerOptions) {
  const { store, ace, bucket, serviceToken, clock } = options;

  // Heartbeat with the job's progress; `stop` when a cancel was requested or the job is gone.
  const pageObserver =
    (input: TaskInput, done: TaskCounts, stopped: { why: 'cancel' | 'lost' | null }) =>
    (slice: number) =>
    async (event: AcePageEvent): Promise<PageVerdict> => {
      const progress: JobProgress = {
        ...add(add(input.base, done), { pages: event.pages, samples: event.samples, bytes: event.bytes }),
        percent: input.percent(slice, event),
      };
      const beat = await store.heartbeat(input.job.id, progress);
      if (beat.ok) {
        if (!beat.value.cancelRequested) return undefined;
        stopped.why = 'cancel';
        return 'stop';
      }
      // No longer running (reaped, or ended elsewhere): another attempt may own it now.
      if (beat.error.kind === 'conflict' || beat.error.kind === 'not_found') {
        stopped.why = 'lost';
        return 'stop';
      }
      // D1 hiccup: keep going; the next page tries again and the reaper's limit is minutes.
      input.log.warn('jobs.heartbeat_failed', { error_kind: beat.error.kind });
      return undefined;
    };

  return async function runTask(input: TaskInput): Promise<TaskRun> {
    const { job } = input;
    const upload = createStreamingUpload(bucket, input.key, {
      // Frames are gzip-compressed one by one (result-format.ts); the object as a whole is not gzip.
      httpMetadata: { contentType: 'application/octet-stream' },
      customMetadata: {
        job_id: job.id,
        site: job.site,
        encoding: RESULT_ENCODING,
        created_at: String(clock.now()),
      },
      ...(options.partBytes !== undefined ? { partBytes: options.partBytes } : {}),
    });
    const stopped: { why: 'cancel' | 'lost' | null } = { why: null };
    const done: TaskCounts = { pages: 0, samples: 0, bytes: 0 };
    const onPage = pageObserver(input, done, stopped);
    for (const [i, slice] of input.slices.entries()) {
      const fetched = await ace.fetchTimeseries(
        { site: job.site, points: input.points, startMs: slice.startMs, endMs: slice.endMs },
        {
          token: serviceToken,
          onPage: onPage(i),
          calls: TASK_FETCH_CALLS,
          ...(input.samplesPerSecond !== null ? { samplesPerSecond: input.samplesPerSecond } : {}),
        },
      );
      if (stopped.why !== null || !fetched.ok || !fetched.value.complete) {
        await upload.abort();
        if (stopped.why !== null) return { kind: 'stopped', why: stopped.why };
        if (!fetched.ok) return { kind: 'fetch_failed', error: fetched.error };
        return { kind: 'fetch_failed', error: { kind: 'upstream_error', message: 'the fetch ended early' } };
      }
      options.onFetched?.({
        site: job.site,
        startMs: slice.startMs,
        endMs: Math.min(slice.endMs, clock.now()),
        series: fetched.value.series,
      });
      const frame = await encodeFrame(fetched.value.series);
      const samples = fetched.value.series.reduce((n, s) => n + s.t.length, 0);
      // The observer reads `done` by reference: replace its fields, not the object.
      Object.assign(done, add(done, { pages: fetched.value.pages, samples, bytes: fetched.value.bytes }));
      try {
        await upload.write(frame);
      } catch (cause) {
        await upload.abort();
        return { kind: 'store_failed', cause };
      }
    }
    try {
      const stored = await upload.close();
      return { kind: 'written', counts: done, stored };
    } catch (cause) {
      await upload.abort();
      return { kind: 'store_failed', cause };
    }
  };
}
