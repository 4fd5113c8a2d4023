// How a job of any size runs: as a chain of tasks, each one queue message and one invocation,
// small enough for one invocation's CPU and memory. The job's points are read in batches, in the
// order the job names them, so its result is point-major and can be written series by series:
// a batch is as many points as the task limit holds over the whole window (one task), or a single
// point whose window alone is over it, split in time into tasks of consecutive slices
// (result-format.ts: whole UTC days, one ACE fetch and one frame each). The job row keeps where the
// next task starts (TaskPosition). Pure: the consumer runs the plan (job-run.ts, task-store.ts).
import { planSlices, type Slice } from './result-format.ts';

/**
 * Samples one task may be estimated at (JOB_TASK_MAX_SAMPLES): what one invocation was trusted
 * with before jobs ran as tasks, about 3 s of CPU for ACE's pages and the frames
 * (docs/PERFORMANCE.md, Jobs of any size).
 */
export const TASK_MAX_SAMPLES = 1_000_000;

export interface TaskLimits {
  /** One slice (one ACE fetch, one frame) at most. */
  sliceMaxSamples: number;
  /** One task (one invocation) at most; at least one slice whatever its estimate. */
  taskMaxSamples: number;
}

/** Where a job's next task starts. */
export interface TaskPosition {
  /**
   * The first point (index into the job's points) of the batch the next task reads. Null on a job
   * whose tasks were planned before point batches (every point, in time order) once it has begun.
   */
  point: number | null;
  /** Where in the window the next task starts within a batch split in time; null at a batch's start. */
  ms: number | null;
}

export const START: TaskPosition = { point: null, ms: null };

export interface TaskPlan {
  /** The points the task reads: the job's points [from, from + count). */
  points: { from: number; count: number };
  /** Its slices, consecutive and in time order. */
  slices: Slice[];
  /** The batch's estimated samples over the whole window (null without an estimate). */
  batchEstimate: number | null;
  /** Whether it is the job's last task. */
  last: boolean;
  /** Tasks still to run, this one included. */
  remaining: number;
  /** Where the task after it starts. */
  next: TaskPosition;
}

/** A slice's share of a batch's estimate (null: unknown, counted as a full slice). */
function sliceEstimate(slice: Slice, window: Slice, estimated: number | null, limits: TaskLimits): number {
  if (estimated === null) return limits.sliceMaxSamples;
  return (estimated * (slice.endMs - slice.startMs)) / (window.endMs - window.startMs);
}

/**
 * A batch's slices from `from` on, grouped into tasks: runs of consecutive slices estimated at no
 * more than the task limit together (at least one slice each). `whole`: the batch was sized to fit
 * one task, so its slices are one group.
 */
function timeGroups(
  window: Slice,
  from: number,
  estimated: number | null,
  limits: TaskLimits,
  whole: boolean,
): Slice[][] {
  const rest = planSlices(window.startMs, window.endMs, estimated, limits.sliceMaxSamples)
    .filter((s) => s.endMs > from)
    .map((s) => (s.startMs < from ? { startMs: from, endMs: s.endMs } : s));
  if (whole) return [rest];
  const groups: Slice[][] = [];
  let current: Slice[] = [];
  let samples = 0;
  for (const slice of rest) {
    const estimate = sliceEstimate(slice, window, estimated, limits);
    if (current.length > 0 && samples + estimate > limits.taskMaxSamples) {
      groups.push(current);
      current = [];
      samples = 0;
    }
    current.push(slice);
    samples += estimate;
  }
  groups.push(current);
  return groups;
}

/**
 * Each point's share of the job's estimate: in proportion to its own density when the job has one
 * per point (a batch of dense points is then as many samples as one of sparse points), equal
 * shares otherwise (jobs without densities, or densities that cannot be used). Null without an
 * estimate.
 */
function pointEstimates(
  pointCount: number,
  estimated: number | null,
  densities: readonly number[] | undefined,
): number[] | null {
  if (estimated === null) return null;
  const equal = () => new Array<number>(pointCount).fill(estimated / pointCount);
  if (densities?.length !== pointCount || !densities.every((d) => Number.isFinite(d) && d >= 0))
    return equal();
  const total = densities.reduce((a, d) => a + d, 0);
  return total > 0 && Number.isFinite(total) ? densities.map((d) => (estimated * d) / total) : equal();
}

/** Estimates of runs of consecutive points, from prefix sums of the points' estimates. */
function batchEstimates(perPoint: number[] | null) {
  const prefix = perPoint === null ? null : [0];
  if (prefix && perPoint) for (const e of perPoint) prefix.push((prefix.at(-1) as number) + e);
  return (from: number, n: number): number | null =>
    prefix === null ? null : (prefix[from + n] as number) - (prefix[from] as number);
}

/** Points in the batch from `from`: as many as one task holds (≥ 1); the rest without an estimate. */
function batchSize(
  pointCount: number,
  from: number,
  estimateOf: (from: number, n: number) => number | null,
  limits: TaskLimits,
): number {
  let n = 1;
  while (from + n < pointCount && (estimateOf(from, n + 1) ?? 0) <= limits.taskMaxSamples) n++;
  return n;
}

/**
 * The next task of a job of `pointCount` points over `window`, from `at` (START: none done). Every
 * task starts where the one before ended, even when the limits changed between two of them (a
 * deploy mid-job): a batch split in time stays one point (all of them without an estimate, or on
 * a job planned before point batches), and a time slice is cut at the resume point if the plan no
 * longer has a boundary there. `densities` (samples per second of each point, in the job's order)
 * share the estimate among the points; the same arguments always plan the same task. Null when
 * nothing is left.
 */
export function planTask(
  window: Slice,
  pointCount: number,
  estimatedSamples: number | null,
  at: TaskPosition,
  limits: TaskLimits,
  densities?: readonly number[],
): TaskPlan | null {
  if (window.endMs <= window.startMs || pointCount < 1) return null;
  const byTime = at.point === null && at.ms !== null;
  const split = byTime || estimatedSamples === null;
  const from = at.point ?? 0;
  if (from >= pointCount) return null;
  const estimateOf = batchEstimates(pointEstimates(pointCount, estimatedSamples, densities));
  const sizeAt = (p: number) => (split ? pointCount - p : batchSize(pointCount, p, estimateOf, limits));
  // Resuming inside a batch: it is the one point (or, unestimated or planned before batches,
  // every point) that was split in time.
  const count = at.ms === null ? sizeAt(from) : split ? pointCount : 1;
  // A batch estimated within one task is one task (however the slices' shares round).
  const whole = (e: number | null) => e !== null && e <= limits.taskMaxSamples;
  const startMs = Math.max(window.startMs, at.ms ?? window.startMs);
  if (startMs >= window.endMs) {
    // A split batch done to the window's end: the next batch (never planned so, but a row may say it).
    return byTime
      ? null
      : planTask(window, pointCount, estimatedSamples, { point: from + count, ms: null }, limits, densities);
  }
  const batchEstimate = estimateOf(from, count);
  const groups = timeGroups(window, startMs, batchEstimate, limits, whole(batchEstimate));
  const slices = groups[0] as Slice[];
  const end = from + count;
  const inBatch = groups.length > 1;
  return {
    points: { from, count },
    slices,
    batchEstimate,
    last: !inBatch && end === pointCount,
    remaining: groups.length + laterTasks(window, end, pointCount, sizeAt, estimateOf, limits),
    next: inBatch
      ? { point: byTime ? null : from, ms: (slices.at(-1) as Slice).endMs }
      : { point: end, ms: null },
  };
}

/** Tasks of the batches from point `from` on, each from the window's start. */
function laterTasks(
  window: Slice,
  from: number,
  pointCount: number,
  sizeAt: (p: number) => number,
  estimateOf: (from: number, n: number) => number | null,
  limits: TaskLimits,
): number {
  // A batch within one task is one; a point split in time is counted once per distinct estimate
  // (points of one density are alike), so a job of thousands of points plans in linear time.
  const splitTasks = new Map<number | null, number>();
  let tasks = 0;
  for (let p = from; p < pointCount; ) {
    const n = sizeAt(p);
    const e = estimateOf(p, n);
    if (e !== null && e <= limits.taskMaxSamples) tasks++;
    else {
      let t = splitTasks.get(e);
      if (t === undefined) {
        t = timeGroups(window, window.startMs, e, limits, false).length;
        splitTasks.set(e, t);
      }
      tasks += t;
    }
    p += n;
  }
  return tasks;
}

/** What a job's stored request says of its shape: its points and epoch-ms window. */
export interface JobShape {
  points: readonly string[];
  /** Each point's samples per second as estimated when the job was made (jobs since 2026-12-07). */
  densities?: readonly number[] | undefined;
  start: number;
  end: number;
}

/** The job's next task; a job with an empty window is one task of no slices. */
export function jobTask(
  job: JobShape,
  estimatedSamples: number | null,
  at: TaskPosition,
  limits: TaskLimits,
): TaskPlan {
  const count = job.points.length;
  return (
    planTask({ startMs: job.start, endMs: job.end }, count, estimatedSamples, at, limits, job.densities) ?? {
      points: { from: 0, count },
      slices: [],
      batchEstimate: null,
      last: true,
      remaining: 1,
      next: { point: count, ms: null },
    }
  );
}

/**
 * What the plan assumes of the task's points, per point and second, for sizing its ACE calls: its
 * batch's estimate over its points and the window (a batch of dense points is read in calls of
 * fewer seconds); null without an estimate.
 */
export function taskDensity(job: JobShape, plan: TaskPlan): number | null {
  const { batchEstimate, points } = plan;
  return batchEstimate !== null && batchEstimate > 0 && points.count > 0 && job.end > job.start
    ? batchEstimate / points.count / ((job.end - job.start) / 1000)
    : null;
}
