// A job's tasks (src/jobs/tasks.ts): worked by hand on whole UTC days, then as properties — the
// tasks of a job, run one after another from each one's `next`, read every (point, instant) of the
// job exactly once, point-major (each point's window in time order, the points in the job's
// order), each within the task limit (or one slice of one point), whatever the limits were when
// each was planned; and a job planned before point batches resumes in time order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jobTask,
  planTask,
  START,
  type TaskLimits,
  type TaskPosition,
  taskDensity,
} from '../../src/jobs/tasks.ts';

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
      batchEstimate: 280,
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
      batchEstimate: 300,
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
      batchEstimate: 700,
      last: false,
      remaining: 4,
      next: { point: 0, ms: D0 + 4 * DAY },
    });
    const second = planTask(days(7), 2, 1_400, { point: 0, ms: D0 + 4 * DAY }, limits);
    expect(second).toEqual({
      points: { from: 0, count: 1 },
      slices: [span(4, 6), span(6, 7)],
      batchEstimate: 700,
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
      batchEstimate: null,
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
      batchEstimate: 700,
      last: false,
      remaining: 2,
      next: { point: null, ms: D0 + 6 * DAY },
    });
    expect(planTask(days(7), 10, 700, { point: null, ms: D0 + 6 * DAY }, limits)).toMatchObject({
      slices: [span(6, 7)],
      last: true,
    });
  });

  it("batches by each point's density: a dense point alone, four sparse ones together", () => {
    // 1,200 samples over 7 days shared 4:1:1:1:1:4 — 400, 100, 100, 100, 100, 400 — in tasks of
    // ≤ 400: [p0], [p1 … p4], [p5]. Shared equally (200 each) the batches would be pairs, and the
    // first would read 500.
    const densities = [4, 1, 1, 1, 1, 4];
    const at = (point: number) => planTask(days(7), 6, 1_200, { point, ms: null }, limits, densities);
    expect(planTask(days(7), 6, 1_200, START, limits, densities)).toMatchObject({
      points: { from: 0, count: 1 },
      batchEstimate: 400,
      remaining: 3,
      next: { point: 1, ms: null },
    });
    expect(at(1)).toMatchObject({ points: { from: 1, count: 4 }, batchEstimate: 400, remaining: 2 });
    expect(at(5)).toMatchObject({ points: { from: 5, count: 1 }, batchEstimate: 400, last: true });
    expect(planTask(days(7), 6, 1_200, START, limits)).toMatchObject({
      points: { from: 0, count: 2 },
      batchEstimate: 400,
      remaining: 3,
    });
  });

  it('shares the estimate equally when the densities cannot be used', () => {
    const equal = planTask(days(7), 4, 800, START, limits);
    expect(equal).toMatchObject({ points: { count: 2 }, batchEstimate: 400 });
    for (const densities of [
      [1, 2, 3],
      [1, -1, 1, 1],
      [1, Number.NaN, 1, 1],
      [0, 0, 0, 0],
      [1, Infinity, 1, 1],
    ])
      expect(planTask(days(7), 4, 800, START, limits, densities)).toEqual(equal);
  });

  it("sizes a task's ACE calls on its batch's density, not the job's", () => {
    // 7 days = 604,800 s. The batch [p1 … p4] is 400 samples over 4 points: 100 / 604,800 a second
    // each, where the job's average is 200 / 604,800.
    const job = {
      points: ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'],
      start: D0,
      end: D0 + 7 * DAY,
      densities: [4, 1, 1, 1, 1, 4],
    };
    const second = jobTask(job, 1_200, { point: 1, ms: null }, limits);
    expect(taskDensity(job, second)).toBeCloseTo(100 / 604_800, 15);
    expect(taskDensity(job, jobTask(job, 1_200, START, limits))).toBeCloseTo(400 / 604_800, 15);
    expect(taskDensity(job, jobTask(job, null, START, limits))).toBeNull();
    expect(taskDensity(job, jobTask(job, 0, START, limits))).toBeNull();
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
    // Each point's density (cut to the job's points; some jobs have none, as jobs made before them).
    densities: fc.option(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 12, maxLength: 12 }), {
      nil: undefined,
    }),
    // Limits per task: a deploy may change them between any two tasks.
    limits: fc.array(limitsArb, { minLength: 1, maxLength: 4 }),
    // A job planned before point batches, resumed part way by this planner.
    legacyFrom: fc.option(fc.integer({ min: 1, max: 40 * DAY }), { nil: null }),
  });

  it('runs as tasks that read each point over the window exactly once, point-major, within the limits', () => {
    let legacyRuns = 0;
    let batchesChecked = 0;
    fc.assert(
      fc.property(
        jobArb,
        ({ startOffset, length, points, estimated, densities: all, limits, legacyFrom }) => {
          const window = { startMs: D0 + startOffset, endMs: D0 + startOffset + length };
          const densities = all?.slice(0, points);
          // Each point's estimate: its share by density, or an equal share without usable ones.
          const total = densities?.reduce((a, d) => a + d, 0) ?? 0;
          const own = (p: number) =>
            estimated === null
              ? 0
              : total > 0
                ? (estimated * (densities?.[p] ?? 0)) / total
                : estimated / points;
          const sum = (from: number, n: number) =>
            Array.from({ length: n }, (_, k) => own(from + k)).reduce((a, e) => a + e, 0);
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
            const plan = planTask(window, points, estimated, at, l, densities);
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
            const share = (sum(from, count) * ((covered[from] as number) - first)) / length;
            if (plan.slices.length > 1 && estimated !== null)
              expect(share).toBeLessThanOrEqual(l.taskMaxSamples + 1e-6);
            if (count > 1 && estimated !== null && at.point !== null)
              expect(share).toBeLessThanOrEqual(l.taskMaxSamples + 1e-6);
            // A batch of points holds as many as the task limit does: one more would be over it.
            if (estimated !== null && at.point !== null && at.ms === null && from + count < points) {
              batchesChecked++;
              expect(sum(from, count + 1)).toBeGreaterThan(l.taskMaxSamples - 1e-6);
            }
            const done = covered.every((c) => c === window.endMs);
            expect(plan.last).toBe(done);
            if (plan.last) expect(plan.remaining).toBe(1);
            at = plan.next;
          }
          expect(covered).toEqual(new Array(points).fill(window.endMs));
        },
      ),
    );
    expect(legacyRuns).toBeGreaterThan(0);
    expect(batchesChecked).toBeGreaterThan(0);
  });

  it('counts its remaining tasks exactly when the limits do not change', () => {
    fc.assert(
      fc.property(jobArb, ({ startOffset, length, points, estimated, densities, limits }) => {
        const window = { startMs: D0 + startOffset, endMs: D0 + startOffset + length };
        const l = limits[0] as TaskLimits;
        let at: TaskPosition = START;
        let expected: number | null = null;
        for (;;) {
          const plan = planTask(window, points, estimated, at, l, densities?.slice(0, points));
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
