// `npm run bench:prove`: shows the benchmark gate can fail. For every BENCH_SLOW target (a gated
// path made to do its work twice, or to keep memory it should drop), runs the gate on that path's
// suite and expects exit 1 with a regression of that path's own metric; then runs the unchanged
// tree's gate twice and expects it to pass both times. Exits 1 on any surprise.
// The targets of one suite are slowed in the same run: each gated figure is its own path over a
// fixed reference, so slowing one path moves no other path's figure, and each target must still
// fail its own metric (one gate run per suite instead of one per target: minutes, not an hour).
// With --alone, one run per target.
//   --targets a,b   only these targets (names below); --no-clean skips the two unchanged runs.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATED_VARIANTS } from './suites/encoding.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface Target {
  /** The BENCH_SLOW name (bench/lib.ts slowed()). */
  slow: string;
  /** The suite to run (bench/run.ts SUITES). */
  suite: string;
  /** A regression the gate must report: a metric id matching this. */
  fails: RegExp;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const TARGETS: readonly Target[] = [
  ...GATED_VARIANTS.flatMap((v) =>
    (['encode', 'decode'] as const).map((op) => ({
      slow: `${v}-${op}`,
      suite: 'encoding',
      fails: new RegExp(`^encoding\\.\\w+\\.${esc(v)}\\.${op}_over_json_`),
    })),
  ),
  { slow: 'chunk-encode', suite: 'chunk', fails: /^chunk\.\w+\.encode_over_json_stringify$/ },
  { slow: 'chunk-decode', suite: 'chunk', fails: /^chunk\.\w+\.decode_over_json_parse$/ },
  { slow: 'transform', suite: 'hot', fails: /^hot\.page\.transform_over_json_parse$/ },
  { slow: 'hit', suite: 'hit', fails: /^hit\.[\w-]+\.answer_over_json_stringify$/ },
  { slow: 'direct', suite: 'direct', fails: /^direct\.[\w-]+\.json-columns\.path_over_json_parse$/ },
  {
    slow: 'direct-memory',
    suite: 'direct',
    fails: /^direct\.[\w-]+\.json-columns\.gated_peak_bytes_per_sample$/,
  },
];

/** Runs the gate (only `suite` when given) with BENCH_SLOW set; its exit code and stderr. */
function gate(slow: string, suite?: string): { code: number; out: string } {
  const args = ['--expose-gc', join(here, 'gate.ts'), ...(suite ? ['--only', suite] : [])];
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, BENCH_SLOW: slow },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 1, out: `${r.stdout}\n${r.stderr}` };
}

/** The metric ids the gate reported as regressions (its "✗ id:" lines). */
export const failedIds = (out: string): string[] => [...out.matchAll(/✗ (\S+):/g)].map((m) => m[1] as string);

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--targets');
  const chosen = i >= 0 ? (args[i + 1] ?? '').split(',') : null;
  const targets = chosen ? TARGETS.filter((t) => chosen.includes(t.slow)) : TARGETS;
  if (chosen && targets.length !== chosen.length) throw new Error(`--targets: unknown name in ${chosen}`);
  const surprises: string[] = [];
  const groups = args.includes('--alone')
    ? targets.map((t) => [t])
    : [...new Set(targets.map((t) => t.suite))].map((suite) => targets.filter((t) => t.suite === suite));
  for (const group of groups) {
    const t0 = performance.now();
    const slow = group.map((t) => t.slow).join(',');
    const r = gate(slow, group[0]?.suite);
    const ids = failedIds(r.out);
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(`BENCH_SLOW=${slow} --only ${group[0]?.suite}: exit ${r.code} (${secs} s)`);
    for (const t of group) {
      const hit = ids.filter((id) => t.fails.test(id));
      const caught = r.code === 1 && hit.length > 0;
      console.log(`  ${caught ? '✓' : '✗'} ${t.slow}: ${hit.join(', ') || 'no regression of its metric'}`);
      if (!caught) surprises.push(`BENCH_SLOW=${t.slow} was not caught`);
    }
    for (const line of r.out.split('\n').filter((l) => l.includes('✗ '))) console.log(`    ${line.trim()}`);
  }
  if (!args.includes('--no-clean')) {
    for (let run = 1; run <= 2; run++) {
      const r = gate('');
      console.log(`${r.code === 0 ? '✓' : '✗'} unchanged tree, run ${run}: exit ${r.code}`);
      if (r.code !== 0) surprises.push(`the unchanged tree failed run ${run}:\n${r.out.slice(-2000)}`);
    }
  }
  if (surprises.length > 0) {
    for (const s of surprises) console.error(s);
    process.exitCode = 1;
  }
}
