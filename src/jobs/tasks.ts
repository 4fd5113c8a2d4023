// How a job of any size runs: as a chain of tasks, each one queue message and one invocation,
// small enough for one invocation's CPU and memory. A task is a run of consecutive slices
// (result-format.ts: whole UTC days, one ACE fetch and one frame each) estimated at no more than
// the task limit together; the job row keeps where the done tasks' results end (resumeMs), and
// the next task starts there. Pure: the consumer runs the plan (consumer.ts, task-store.ts).
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

export interface TaskPlan {
  /** The next task's slices, consecutive and in time order, starting at the resume point. */
  slices: Slice[];
  /** Whether it is the job's last task: its end is the window's. */
  last: boolean;
  /** Tasks still to run, this one included. */
  remaining: number;
}

/** A slice's share of the job's estimate (null: unknown, counted as a full slice). */
function sliceEstimate(slice: Slice, window: Slice, estimated: number | null, limits: TaskLimits): number {
  if (estimated === null) return limits.sliceMaxSamples;
  return (estimated * (slice.endMs - slice.startMs)) / (window.endMs - window.startMs);
}

/**
 * The next task of a job over `window` whose done tasks reach `resumeMs` (null: none done). The
 * slices are the job's whole plan from the resume point on, so every task of a job starts where
 * the one before ended, even when the limits changed between two of them (a deploy mid-job); the
 * first is cut at the resume point if the plan no longer has a boundary there. Null when nothing
 * is left (resumeMs at or past the window's end).
 */
export function planTask(
  window: Slice,
  estimatedSamples: number | null,
  resumeMs: number | null,
  limits: TaskLimits,
): TaskPlan | null {
  const from = Math.max(window.startMs, resumeMs ?? window.startMs);
  if (from >= window.endMs) return null;
  const rest = planSlices(window.startMs, window.endMs, estimatedSamples, limits.sliceMaxSamples)
    .filter((s) => s.endMs > from)
    .map((s) => (s.startMs < from ? { startMs: from, endMs: s.endMs } : s));
  const groups: Slice[][] = [];
  let current: Slice[] = [];
  let samples = 0;
  for (const slice of rest) {
    const estimate = sliceEstimate(slice, window, estimatedSamples, limits);
    if (current.length > 0 && samples + estimate > limits.taskMaxSamples) {
      groups.push(current);
      current = [];
      samples = 0;
    }
    current.push(slice);
    samples += estimate;
  }
  groups.push(current);
  const slices = groups[0] as Slice[];
  return { slices, last: groups.length === 1, remaining: groups.length };
}
