// A job's tasks (src/jobs/tasks.ts): worked by hand on whole UTC days, then as properties — the
// tasks of a job, run one after another from each one's end, cover its window exactly, in order,
// each within the task limit (or one slice), whatever the limits were when each was planned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planTask, type TaskLimits } from '../../src/jobs/tasks.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 0, 5);
const days = (n: number) => ({ startMs: D0, endMs: D0 + n * DAY });

describe('planTask, worked', () => {
  // 7 days estimated at 700 samples: 100 a day. Slices of ≤ 200 samples hold 2 days.
  const limits: TaskLimits = { sliceMaxSamples: 200, taskMaxSamples: 400 };

  it('cuts 7 days of 100 samples into tasks of two 2-day slices, then the last 3 days', () => {
    const first = planTask(days(7), 700, null, limits);
    expect(first).toEqual({
      slices: [
        { startMs: D0, endMs: D0 + 2 * DAY },
        { startMs: D0 + 2 * DAY, endMs: D0 + 4 * DAY },
      ],
      last: false,
      remaining: 2,
    });
    const second = planTask(days(7), 700, D0 + 4 * DAY, limits);
    expect(second).toEqual({
      slices: [
        { startMs: D0 + 4 * DAY, endMs: D0 + 6 * DAY },
        { startMs: D0 + 6 * DAY, endMs: D0 + 7 * DAY },
      ],
      last: true,
      remaining: 1,
    });
    expect(planTask(days(7), 700, D0 + 7 * DAY, limits)).toBeNull();
  });

  it('is one task when the whole job fits one', () => {
    expect(planTask(days(3), 300, null, limits)).toEqual({
      slices: [
        { startMs: D0, endMs: D0 + 2 * DAY },
        { startMs: D0 + 2 * DAY, endMs: D0 + 3 * DAY },
      ],
      last: true,
      remaining: 1,
    });
  });

  it('gives a slice over the task limit a task of its own', () => {
    // 1,000 samples a day: every slice is one day over both limits.
    const plan = planTask(days(3), 3_000, null, limits);
    expect(plan?.slices).toEqual([{ startMs: D0, endMs: D0 + DAY }]);
    expect(plan?.remaining).toBe(3);
  });

  it('starts at the resume point even where the plan has no boundary (limits changed mid-job)', () => {
    const plan = planTask(days(4), 400, D0 + DAY + 3_600_000, limits);
    expect(plan?.slices[0]).toEqual({ startMs: D0 + DAY + 3_600_000, endMs: D0 + 2 * DAY });
  });

  it('without an estimate counts each one-day slice as full: tasks of taskMax / sliceMax slices', () => {
    const plan = planTask(days(5), null, null, limits);
    expect(plan?.slices).toEqual([
      { startMs: D0, endMs: D0 + DAY },
      { startMs: D0 + DAY, endMs: D0 + 2 * DAY },
    ]);
    expect(plan?.remaining).toBe(3);
  });
});

describe('planTask, properties', () => {
  const limitsArb = fc.record({
    sliceMaxSamples: fc.integer({ min: 1, max: 5_000 }),
    taskMaxSamples: fc.integer({ min: 1, max: 20_000 }),
  });
  const jobArb = fc.record({
    startOffset: fc.integer({ min: 0, max: 3 * DAY }),
    length: fc.integer({ min: 1, max: 60 * DAY }),
    estimated: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: null }),
    // Limits per task: a deploy may change them between any two tasks.
    limits: fc.array(limitsArb, { minLength: 1, maxLength: 4 }),
  });

  it('runs as tasks that cover the window exactly, in order, each within its limit or one slice', () => {
    fc.assert(
      fc.property(jobArb, ({ startOffset, length, estimated, limits }) => {
        const window = { startMs: D0 + startOffset, endMs: D0 + startOffset + length };
        let resume: number | null = null;
        let covered = window.startMs;
        for (let task = 0; ; task++) {
          const l = limits[task % limits.length] as TaskLimits;
          const plan = planTask(window, estimated, resume, l);
          if (plan === null) break;
          expect(plan.remaining).toBeGreaterThanOrEqual(1);
          expect(plan.slices.length).toBeGreaterThanOrEqual(1);
          for (const s of plan.slices) {
            expect(s.startMs).toBe(covered);
            expect(s.endMs).toBeGreaterThan(s.startMs);
            covered = s.endMs;
          }
          const first = plan.slices[0] as { startMs: number };
          if (plan.slices.length > 1 && estimated !== null) {
            const share = (estimated * (covered - first.startMs)) / length;
            expect(share).toBeLessThanOrEqual(l.taskMaxSamples + 1e-6);
          }
          expect(plan.last).toBe(covered === window.endMs);
          if (plan.last) expect(plan.remaining).toBe(1);
          resume = covered;
          expect(task).toBeLessThan(70);
        }
        expect(covered).toBe(window.endMs);
      }),
    );
  });
});
