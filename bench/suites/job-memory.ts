// Memory of a job as the consumer runs it (issue 15): every task of a job of 1 M and of 10 M
// samples, planned as the consumer plans them (src/jobs/tasks.ts), each run by the real task
// runner (src/jobs/task-runner.ts) — the real ACE client paging the synthetic ACE (fixtures/ace,
// called in process), the pages parsed, each slice's frame encoded and streamed to an upload that
// keeps only a byte count (R2 holds the result, not the isolate). Live memory (full GCs) is
// sampled at every page boundary; what is reported is the peak above the start, which must not grow
// with the job (issue 15: < 64 MB at both sizes, ≤ 1.2× from 1 M to 10 M). Reported, not gated:
// it takes minutes.
// Two things of the harness, not of the Worker, are kept out (docs/PERFORMANCE.md, "Jobs of any
// size"): the synthetic ACE's request log (its last 1,000 requests, 200 names each — 4.8 MB at
// 600 pages, which was the whole of a 1.25× growth) is cleared at every page boundary; and each
// ACE answer arrives after a turn of the event loop, as a real fetch's does — answered within one
// chain of promises, no job ever ended, so every page buffer the reader had replaced stayed alive
// (V8 keeps a WeakRef's target until the current job ends).
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { countSamples } from '../../fixtures/ace/generator.ts';
import { createAceMock } from '../../fixtures/ace/routes.ts';
import { createAceClient } from '../../src/ace/client.ts';
import { createAceUpstream } from '../../src/ace/resilience.ts';
import { ok } from '../../src/errors.ts';
import type { Job } from '../../src/jobs/job.ts';
import { SLICE_MAX_SAMPLES } from '../../src/jobs/result-format.ts';
import { createTaskRunner, type TaskCounts } from '../../src/jobs/task-runner.ts';
import { planTask, START, TASK_MAX_SAMPLES, type TaskPosition, taskDensity } from '../../src/jobs/tasks.ts';
import { createLogger } from '../../src/obs/log.ts';
import { pointDensity } from '../../src/timeseries/estimator.ts';
import { SITE, START_MS } from '../datasets.ts';
import type { Metric } from '../lib.ts';
import { type MemoryRow, printMemoryRows } from './direct-path.ts';

const DAY_MS = 86_400_000;
const BASE = 'https://ace.bench';
/** 200 points of the site that report, as the jobs. */
const POINTS = 200;
export const JOB_SIZES = [1_000_000, 10_000_000] as const;
const WARM_UP_SAMPLES = 100_000;
/**
 * A live-memory sample (two full GCs) at every page boundary: sampling every 10th page let the
 * 10 M job (600 pages) catch peaks the 1 M job (64) missed, so the sizes were not compared alike.
 */
const SAMPLE_EVERY_PAGES = 1;

const gc = (globalThis as { gc?: () => void }).gc;
function live(): number {
  if (!gc) throw new Error('the job-memory suite needs node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** An R2 bucket that keeps nothing but how many bytes it was given. */
function countingBucket(): { bucket: R2Bucket; stored: () => number } {
  let stored = 0;
  const bucket = {
    put: async (_key: string, value: Uint8Array) => {
      stored += value.byteLength;
      return null;
    },
    delete: async () => undefined,
    createMultipartUpload: async () => ({
      uploadPart: async (partNumber: number, data: Uint8Array) => {
        stored += data.byteLength;
        return { partNumber, etag: String(partNumber) };
      },
      complete: async () => null,
      abort: async () => undefined,
    }),
  };
  return { bucket: bucket as unknown as R2Bucket, stored: () => stored };
}

/** The points and the window (from START_MS, whole days) holding about `samples` samples. */
function jobOf(samples: number): { points: string[]; densities: number[]; endMs: number; truth: number } {
  const cat = sitePoints(SITE)
    .filter((p) => p.point.collect_enabled)
    .slice(0, POINTS);
  let endMs = START_MS;
  let truth = 0;
  while (truth < samples) {
    truth += cat.reduce((n, p) => n + countSamples(p, endMs, endMs + DAY_MS), 0);
    endMs += DAY_MS;
  }
  // Each point's density as the service estimates a site nothing was learned of: its catalogue interval.
  const densities = cat.map(
    (p) =>
      pointDensity(
        {
          point: p.point.name,
          learned: null,
          collectIntervalS: p.point.collect_interval,
          collectEnabled: p.point.collect_enabled,
        },
        null,
        1 / 60,
      ).samplesPerSecond,
  );
  return { points: cat.map((p) => p.point.name), densities, endMs, truth };
}

/** Runs every task of the job; the peak live bytes above the start, and what was read and stored. */
async function runJob(samples: number) {
  const { points, densities, endMs, truth } = jobOf(samples);
  const mock = createAceMock({ basePath: '' });
  const log = createLogger({}, () => {});
  const clock = { now: () => endMs + DAY_MS };
  const ace = createAceClient({
    baseUrl: BASE,
    fetch: async (input, init) => {
      await new Promise((resolve) => setImmediate(resolve));
      return mock.handle(new Request(input, init));
    },
    clock,
    log,
    upstream: createAceUpstream({ clock, breakerThreshold: 1_000 }),
    timeoutMs: 60_000,
    maxPages: 100_000,
    maxBytes: 1024 ** 3,
    retries: 0,
  });
  const { bucket, stored } = countingBucket();
  let pages = 0;
  let peak = 0;
  const base = live();
  const runTask = createTaskRunner({
    store: {
      heartbeat: async () => {
        await mock.handle(new Request(`${BASE}/_mock/stats/reset`, { method: 'POST' }));
        if (++pages % SAMPLE_EVERY_PAGES === 0) peak = Math.max(peak, live() - base);
        return ok({ cancelRequested: false });
      },
    },
    ace,
    bucket,
    serviceToken: 'bench',
    clock,
  });
  const window = { startMs: START_MS, endMs };
  const estimated = truth;
  let at: TaskPosition = START;
  let tasks = 0;
  let read: TaskCounts = { pages: 0, samples: 0, bytes: 0 };
  for (;;) {
    const plan = planTask(
      window,
      points.length,
      estimated,
      at,
      { sliceMaxSamples: SLICE_MAX_SAMPLES, taskMaxSamples: TASK_MAX_SAMPLES },
      densities,
    );
    if (plan === null) break;
    const run = await runTask({
      job: { id: `bench-${samples}`, site: SITE } as Job,
      points: points.slice(plan.points.from, plan.points.from + plan.points.count),
      slices: plan.slices,
      key: `results/bench/${tasks}`,
      samplesPerSecond: taskDensity({ points, start: START_MS, end: endMs }, plan),
      base: read,
      percent: () => 0,
      log,
    });
    if (run.kind !== 'written') throw new Error(`task ${tasks}: ${run.kind}`);
    read = { pages: read.pages + run.counts.pages, samples: read.samples + run.counts.samples, bytes: 0 };
    peak = Math.max(peak, live() - base);
    at = plan.next;
    tasks++;
  }
  return {
    peak,
    tasks,
    samples: read.samples,
    pages: read.pages,
    stored: stored(),
    days: (endMs - START_MS) / DAY_MS,
  };
}

export async function runJobMemory(): Promise<{ memory: MemoryRow[]; metrics: Metric[] }> {
  const memory: MemoryRow[] = [];
  const metrics: Metric[] = [];
  // What the first job of a process allocates once (compiled code, the gzip WebAssembly memory,
  // the catalogue) is not the job's: a small job first, so both sizes start alike.
  await runJob(WARM_UP_SAMPLES);
  for (const size of JOB_SIZES) {
    const r = await runJob(size);
    const label = `${size / 1e6}M`;
    memory.push({
      name: `job of ${label} samples run task by task: peak above the start`,
      bytes: r.peak,
      note: `${POINTS} points × ${r.days} days, ${r.samples} samples, ${r.tasks} tasks, ${r.pages} ACE pages, ${(r.stored / 1e6).toFixed(1)} MB stored`,
    });
    metrics.push({ id: `memory.job.${label}.peak_bytes`, value: r.peak, unit: 'B', kind: 'info' });
  }
  return { memory, metrics };
}

// `node --expose-gc bench/suites/job-memory.ts` prints the rows alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { memory } = await runJobMemory();
  printMemoryRows(memory);
}
