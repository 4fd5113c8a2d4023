// A job's tasks (src/jobs/tasks.ts): worked by hand on whole UTC days, then as properties — the
// tasks of a job, run one after another from each one's `next`, read every (point, instant) of the
// job exactly once, point-major (each point's window in time order, the points in the job's
// order), each within the task limit (or one slice of one point), whatever the limits were when
// each was planned; and a job planned before point batches resumes in time order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planTask, START, type TaskLimits, type TaskPosition } from '../../src/jobs/tasks.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 0, 5);
const days = (n: number) => ({ startMs: D0, endMs: D0 + n * DAY });
const span = (from: number, to: number) => ({ startMs: D0 + from * DAY, endMs: D0 + to * DAY });

describe('planTask, worked', () => {
  // Slices of ≤ 200 samples, tasks of ≤ 400.
  const limits: TaskLimits = { sliceMaxSamples: 200, taskMaxSamples: 400 };

  it('reads 10 points of 7 days at 140 samples each in batches of 2 points, each one task', () => {
    // 1,400 samples: 140 a point, 400 / 140 → 2 points a task, 20 samples a point-day.
    const first = planTask(days(7), 10, 1_400, START, limits);
    // The batch holds 280 samples, 40 a day: slices of 5 days, then 2.
    expect(first).toEqual({
      points: { from: 0, count: 2 },
      slices: [span(0, 5), span(5, 7)],
      last: false,
      remaining: 5,
      next: { point: 2, ms: null },
    });
    const fifth = planTask(days(7), 10, 1_400, { point: 8, ms: null }, limits);
    expect(fifth).toMatchObject({ points: { from: 8, count: 2 }, last: true, remaining: 1 });
    expect(planTask(days(7), 10, 1_400, { point: 10, ms: null }, limits)).toBeNull();
  });

  it('ends with a smaller batch when the points do not divide', () => {
    // 5 points of 140 samples: batches of 2, 2, 1.
    expect(planTask(days(7), 5, 700, START, limits)).toMatchObject({ remaining: 3 });
    const last = planTask(days(7), 5, 700, { point: 4, ms: null }, limits);
    expect(last).toMatchObject({
      points: { from: 4, count: 1 },
      slices: [days(7)],
      last: true,
      remaining: 1,
    });
  });

  it('is one task when the whole job fits one', () => {
    expect(planTask(days(3), 4, 300, START, limits)).toEqual({
      points: { from: 0, count: 4 },
      slices: [span(0, 2), span(2, 3)],
      last: true,
      remaining: 1,
      next: { point: 4, ms: null },
    });
  });

  it('splits a point whose window alone is over the limit in time, then moves to the next point', () => {
    // 2 points of 700 samples over 7 days: 100 a day, slices of 2 days, tasks of 2 slices.
    const first = planTask(days(7), 2, 1_400, START, limits);
    expect(first).toEqual({
      points: { from: 0, count: 1 },
      slices: [span(0, 2), span(2, 4)],
      last: false,
      remaining: 4,
      next: { point: 0, ms: D0 + 4 * DAY },
    });
    const second = planTask(days(7), 2, 1_400, { point: 0, ms: D0 + 4 * DAY }, limits);
    expect(second).toEqual({
      points: { from: 0, count: 1 },
      slices: [span(4, 6), span(6, 7)],
      last: false,
      remaining: 3,
      next: { point: 1, ms: null },
    });
    const third = planTask(days(7), 2, 1_400, { point: 1, ms: null }, limits);
    expect(third).toMatchObject({ points: { from: 1, count: 1 }, slices: [span(0, 2), span(2, 4)] });
  });

  it('gives a slice over the task limit a task of its own', () => {
    // One point of 1,000 samples a day: every slice is one day over both limits.
    const plan = planTask(days(3), 1, 3_000, START, limits);
    expect(plan?.slices).toEqual([span(0, 1)]);
    expect(plan?.remaining).toBe(3);
  });

  it('resumes a split point where the plan has no boundary (limits changed mid-job)', () => {
    const plan = planTask(days(4), 3, 3_000, { point: 1, ms: D0 + DAY + 3_600_000 }, limits);
    expect(plan?.points).toEqual({ from: 1, count: 1 });
    expect(plan?.slices[0]).toEqual({ startMs: D0 + DAY + 3_600_000, endMs: D0 + 2 * DAY });
  });

  it('without an estimate reads every point together, counting each one-day slice as full', () => {
    const plan = planTask(days(5), 3, null, START, limits);
    expect(plan).toEqual({
      points: { from: 0, count: 3 },
      slices: [span(0, 1), span(1, 2)],
      last: false,
      remaining: 3,
      next: { point: 0, ms: D0 + 2 * DAY },
    });
  });

  it('resumes a job planned before point batches (no point, a time) in time order over every point', () => {
    // 700 samples over 7 days, 100 a day: from day 2, slices of 2 days, 2 a task.
    const plan = planTask(days(7), 10, 700, { point: null, ms: D0 + 2 * DAY }, limits);
    expect(plan).toEqual({
      points: { from: 0, count: 10 },
      slices: [span(2, 4), span(4, 6)],
      last: false,
      remaining: 2,
      next: { point: null, ms: D0 + 6 * DAY },
    });
    expect(planTask(days(7), 10, 700, { point: null, ms: D0 + 6 * DAY }, limits)).toMatchObject({
      slices: [span(6, 7)],
      last: true,
    });
  });

  it('plans nothing for an empty window or no points', () => {
    expect(planTask({ startMs: D0, endMs: D0 }, 3, 10, START, limits)).toBeNull();
    expect(planTask(days(1), 0, 10, START, limits)).toBeNull();
  });
});

describe('planTask, properties', () => {
  const limitsArb = fc.record({
    sliceMaxSamples: fc.integer({ min: 1, max: 5_000 }),
    taskMaxSamples: fc.integer({ min: 1, max: 20_000 }),
  });
  const jobArb = fc.record({
    startOffset: fc.integer({ min: 0, max: 3 * DAY }),
    length: fc.integer({ min: 1, max: 40 * DAY }),
    points: fc.integer({ min: 1, max: 12 }),
    estimated: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: null }),
    // Limits per task: a deploy may change them between any two tasks.
    limits: fc.array(limitsArb, { minLength: 1, maxLength: 4 }),
    // A job planned before point batches, resumed part way by this planner.
    legacyFrom: fc.option(fc.integer({ min: 1, max: 40 * DAY }), { nil: null }),
  });

  it('runs as tasks that read each point over the window exactly once, point-major, within the limits', () => {
    let legacyRuns = 0;
    fc.assert(
      fc.property(jobArb, ({ startOffset, length, points, estimated, limits, legacyFrom }) => {
        const window = { startMs: D0 + startOffset, endMs: D0 + startOffset + length };
        // Where each point's reading has reached.
        const covered = new Array<number>(points).fill(window.startMs);
        let at: TaskPosition = START;
        if (legacyFrom !== null && legacyFrom < length) {
          at = { point: null, ms: window.startMs + legacyFrom };
          covered.fill(window.startMs + legacyFrom);
          legacyRuns++;
        }
        let lastPoint = 0;
        for (let task = 0; ; task++) {
          const l = limits[task % limits.length] as TaskLimits;
          const plan = planTask(window, points, estimated, at, l);
          if (plan === null) break;
          expect(task).toBeLessThan(points * 45);
          expect(plan.remaining).toBeGreaterThanOrEqual(1);
          expect(plan.slices.length).toBeGreaterThanOrEqual(1);
          const { from, count } = plan.points;
          // Point-major: a task never goes back to an earlier point.
          expect(from).toBeGreaterThanOrEqual(lastPoint);
          lastPoint = from;
          for (let p = from; p < from + count; p++) {
            for (const s of plan.slices) {
              expect(s.startMs).toBe(covered[p]);
              expect(s.endMs).toBeGreaterThan(s.startMs);
              covered[p] = s.endMs;
            }
          }
          const first = (plan.slices[0] as { startMs: number }).startMs;
          const share =
            estimated === null
              ? 0
              : ((estimated / points) * count * ((covered[from] as number) - first)) / length;
          if (plan.slices.length > 1 && estimated !== null)
            expect(share).toBeLessThanOrEqual(l.taskMaxSamples + 1e-6);
          if (count > 1 && estimated !== null && at.point !== null)
            expect(share).toBeLessThanOrEqual(l.taskMaxSamples + 1e-6);
          const done = covered.every((c) => c === window.endMs);
          expect(plan.last).toBe(done);
          if (plan.last) expect(plan.remaining).toBe(1);
          at = plan.next;
        }
        expect(covered).toEqual(new Array(points).fill(window.endMs));
      }),
    );
    expect(legacyRuns).toBeGreaterThan(0);
  });

  it('counts its remaining tasks exactly when the limits do not change', () => {
    fc.assert(
      fc.property(jobArb, ({ startOffset, length, points, estimated, limits }) => {
        const window = { startMs: D0 + startOffset, endMs: D0 + startOffset + length };
        const l = limits[0] as TaskLimits;
        let at: TaskPosition = START;
        let expected: number | null = null;
        for (;;) {
          const plan = planTask(window, points, estimated, at, l);
          if (plan === null) break;
          if (expected !== null) expect(plan.remaining).toBe(expected);
          expected = plan.remaining - 1;
          at = plan.next;
        }
        expect(expected).toBe(0);
      }),
    );
  });
});
