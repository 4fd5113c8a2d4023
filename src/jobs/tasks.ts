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

/** Points per batch: all of them without an estimate, else as many as one task holds (≥ 1). */
function batchSize(pointCount: number, estimated: number | null, limits: TaskLimits): number {
  if (estimated === null || estimated <= 0) return pointCount;
  const perPoint = estimated / pointCount;
  return Math.max(1, Math.min(pointCount, Math.floor(limits.taskMaxSamples / perPoint)));
}

/**
 * The next task of a job of `pointCount` points over `window`, from `at` (START: none done). Every
 * task starts where the one before ended, even when the limits changed between two of them (a
 * deploy mid-job): a batch split in time stays one point (all of them without an estimate, or on
 * a job planned before point batches), and a time slice is cut at the resume point if the plan no
 * longer has a boundary there. Null when nothing is left.
 */
export function planTask(
  window: Slice,
  pointCount: number,
  estimatedSamples: number | null,
  at: TaskPosition,
  limits: TaskLimits,
): TaskPlan | null {
  if (window.endMs <= window.startMs || pointCount < 1) return null;
  const byTime = at.point === null && at.ms !== null;
  const split = byTime || estimatedSamples === null;
  const size = split ? pointCount : batchSize(pointCount, estimatedSamples, limits);
  const from = at.point ?? 0;
  if (from >= pointCount) return null;
  // Resuming inside a batch: it is the one point (or, unestimated or planned before batches,
  // every point) that was split in time.
  const count = at.ms === null ? Math.min(size, pointCount - from) : split ? pointCount : 1;
  const perPoint = estimatedSamples === null ? null : estimatedSamples / pointCount;
  const estimateOf = (n: number) => (perPoint === null ? null : perPoint * n);
  // A batch estimated within one task is one task (however the slices' shares round).
  const whole = (n: number) => perPoint !== null && perPoint * n <= limits.taskMaxSamples;
  const startMs = Math.max(window.startMs, at.ms ?? window.startMs);
  if (startMs >= window.endMs) {
    // A split batch done to the window's end: the next batch (never planned so, but a row may say it).
    return byTime
      ? null
      : planTask(window, pointCount, estimatedSamples, { point: from + count, ms: null }, limits);
  }
  const groups = timeGroups(window, startMs, estimateOf(count), limits, whole(count));
  const slices = groups[0] as Slice[];
  const end = from + count;
  // The batches after this one, each from the window's start.
  const tasksOf = (n: number) => timeGroups(window, window.startMs, estimateOf(n), limits, whole(n)).length;
  const left = pointCount - end;
  const fullBatches = Math.floor(left / size);
  const later =
    fullBatches * (fullBatches > 0 ? tasksOf(size) : 0) + (left % size > 0 ? tasksOf(left % size) : 0);
  const inBatch = groups.length > 1;
  return {
    points: { from, count },
    slices,
    last: !inBatch && left === 0,
    remaining: groups.length + later,
    next: inBatch
      ? { point: byTime ? null : from, ms: (slices.at(-1) as Slice).endMs }
      : { point: end, ms: null },
  };
}

/** What a job's stored request says of its shape: its points and epoch-ms window. */
export interface JobShape {
  points: readonly string[];
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
    planTask({ startMs: job.start, endMs: job.end }, count, estimatedSamples, at, limits) ?? {
      points: { from: 0, count },
      slices: [],
      last: true,
      remaining: 1,
      next: { point: count, ms: null },
    }
  );
}

/** The job's estimate per point and second (what the plan assumes), for sizing ACE calls; null without one. */
export function jobDensity(job: JobShape, estimatedSamples: number | null): number | null {
  return estimatedSamples !== null && estimatedSamples > 0 && job.end > job.start
    ? estimatedSamples / job.points.length / ((job.end - job.start) / 1000)
    : null;
}
