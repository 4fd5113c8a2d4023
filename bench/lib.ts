// Shared measuring helpers: a tinybench wrapper that returns the median time per call, and the
// result record every suite emits. Times are only ever compared as ratios within one run.
import { Bench } from 'tinybench';

/** One measured figure. `kind` says how the gate may compare it. */
export interface Metric {
  /** Stable id, e.g. `encoding.large.msgpack-columns.encode_ns_per_sample`. */
  id: string;
  value: number;
  unit: string;
  /**
   * bytes: deterministic, must not grow > 1%; ratio: same-run CPU ratio to a fixed-work reference;
   * memory: live bytes (full GC) per unit of work, gated like a ratio; info: reported only.
   */
  kind: 'bytes' | 'ratio' | 'memory' | 'info';
}

export interface TimedTask {
  name: string;
  fn: () => unknown;
}

export interface TimeOptions {
  /** Time budget per task in ms (tinybench `time`). */
  timeMs: number;
  /** Minimum iterations per task. */
  iterations: number;
  /** Independent tinybench runs (task order reversed on every other one); default 3. */
  rounds?: number;
  /** Full GC before each iteration (only for calls of several ms: a GC costs ~10–50 ms). */
  gcEachIteration?: boolean;
}

// With `node --expose-gc` a full collection runs before every iteration (untimed), so one task's
// garbage is not collected on the next task's clock: the main source of noise in the ratios.
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Runs the tasks sequentially with tinybench in several rounds; returns, per task, the smallest of
 * the rounds' medians (ms per call). Noise on a shared machine only ever adds time, so the minimum
 * of medians is the most repeatable figure of the code itself.
 */
export async function medianMs(tasks: readonly TimedTask[], opts: TimeOptions): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const rounds = opts.rounds ?? 3;
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: opts.timeMs,
      iterations: opts.iterations,
      warmupTime: Math.min(100, opts.timeMs),
      warmupIterations: 2,
      throws: true,
    });
    const ordered = round % 2 === 0 ? tasks : [...tasks].reverse();
    for (const t of ordered)
      bench.add(t.name, t.fn, gc && opts.gcEachIteration ? { beforeEach: () => gc() } : {});
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`bench task ${task.name}: ${r.state}`);
      const prev = out.get(task.name);
      out.set(task.name, prev === undefined ? r.latency.p50 : Math.min(prev, r.latency.p50));
    }
  }
  return out;
}

/** The median of a map entry, failing loudly on a missing name. */
export function get(m: Map<string, number>, name: string): number {
  const v = m.get(name);
  if (v === undefined) throw new Error(`no measurement named ${name}`);
  return v;
}

/** Deliberate slowdowns for proving the gate can fail: BENCH_SLOW=name[,name] (see bench/README.md). */
export function slowed(name: string): boolean {
  return (process.env.BENCH_SLOW ?? '').split(',').includes(name);
}

/** CPU time of this thread in ms (user + system): time the scheduler gave to other processes is not in it. */
export function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * a and b each repeated the same number of times, enough for the shorter to take about
 * `targetMs` (wall clock, measured once): thread CPU time advances in coarse ticks on some
 * machines (4 ms here), so the paired ratio of calls shorter than a few ticks is mostly
 * quantisation. Equal counts keep the ratio the ratio of one call each.
 */
export function repeatedPair(
  a: () => unknown,
  b: () => unknown,
  targetMs = 40,
): [() => unknown, () => unknown] {
  const wall = (fn: () => unknown) => {
    fn();
    const t0 = performance.now();
    fn();
    return Math.max(performance.now() - t0, 0.001);
  };
  const times = Math.max(1, Math.ceil(targetMs / Math.min(wall(a), wall(b))));
  const loop = (fn: () => unknown) => () => {
    for (let i = 1; i < times; i++) fn();
    return fn();
  };
  return [loop(a), loop(b)];
}

export interface PairedRatio {
  /** Median over pairs of cpu(a) / cpu(b). */
  ratio: number;
  /** Median CPU ms per call of each side. */
  aMs: number;
  bMs: number;
  pairs: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * The gate's CPU statistic: a / b measured as interleaved pairs (a b, then b a, alternating, so a
 * slow drift hits both sides alike) in this thread's CPU time (so a busy machine's descheduling
 * is not counted), with a full GC before every call (so no call pays for another's garbage), and
 * the median of the per-pair ratios (so an outlier pair does not move it). For calls of a few ms
 * or more: thread CPU time is read with µs precision.
 */
export function pairedRatio(a: () => unknown, b: () => unknown, pairs = 15): PairedRatio {
  const once = (fn: () => unknown): number => {
    gc?.();
    const t0 = threadCpuMs();
    fn();
    return threadCpuMs() - t0;
  };
  for (let i = 0; i < 2; i++) {
    once(a);
    once(b);
  }
  const ratios: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let ta: number;
    let tb: number;
    if (i % 2 === 0) {
      ta = once(a);
      tb = once(b);
    } else {
      tb = once(b);
      ta = once(a);
    }
    as.push(ta);
    bs.push(tb);
    ratios.push(ta / tb);
  }
  return { ratio: median(ratios), aMs: median(as), bMs: median(bs), pairs };
}
