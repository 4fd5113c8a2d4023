// What mutation testing covers (stryker.config.mjs, vitest.mutation.config.ts): the pure core's
// modules, and the specs of the `unit` project that can reach them through their imports (the
// others cannot kill a mutant, and every static mutant would run them all). Pure Node.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The pure core (issue 18): the modules Stryker mutates, relative to the repository root, in
 * groups of about equal run time for `npm run mutation:groups` (scripts/mutation-groups.ts): each
 * group is its own Stryker run whose results are kept, so a run of all of them can stop and go on,
 * and their reports merge into one incremental file for the full report.
 */
export const MUTATION_GROUPS: Readonly<Record<string, readonly string[]>> = {
  core: [
    'src/timeseries/chunks.ts',
    'src/timeseries/estimator.ts',
    'src/timeseries/router.ts',
    'src/timeseries/downsample.ts',
    'src/jobs/state.ts',
    'src/jobs/backoff.ts',
    'src/jobs/messages.ts',
    'src/ace/backoff.ts',
    'src/encoding/codec.ts',
    'src/encoding/compact.ts',
    'src/encoding/gzip.ts',
    'src/encoding/layout.ts',
    'src/aggregates/buckets.ts',
  ],
  codecs: [
    'src/cache/cache-key.ts',
    'src/cache/chunk-codec.ts',
    'src/cache/chunk-codec-v2.ts',
    'src/cache/chunk-time-edits.ts',
    'src/encoding/varint.ts',
  ],
  'codec-v3': ['src/cache/chunk-times.ts', 'src/cache/chunk-codec-v3.ts', 'src/cache/chunk-values.ts'],
  names: [
    'src/points/display-name.ts',
    'src/points/equipment.ts',
    'src/points/humanize.ts',
    'src/points/tags.ts',
    'src/points/units.ts',
  ],
  'ace-plan': ['src/ace/parse.ts', 'src/ace/plan.ts', 'src/ace/calls.ts', 'src/ace/name-index.ts'],
  // The page reader's specs are the slowest per mutant (oracle properties over whole page texts).
  'ace-text': ['src/ace/samples-text.ts'],
  'ace-fields': ['src/ace/sample-fields.ts'],
  'ace-bytes': ['src/ace/sample-bytes.ts', 'src/ace/page-names.ts'],
};

/** Every module Stryker mutates (`npm run mutation`): the groups' modules, each once. */
export const MUTATE: readonly string[] = Object.values(MUTATION_GROUPS).flat();

const RELATIVE_IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Whether `file` (absolute) imports, directly or through relative imports, one of `targets`. */
function reaches(file: string, targets: ReadonlySet<string>, memo: Map<string, boolean>): boolean {
  const known = memo.get(file);
  if (known !== undefined) return known;
  memo.set(file, false); // an import cycle adds nothing
  let answer = targets.has(file);
  if (!answer) {
    for (const match of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = path.resolve(path.dirname(file), match[1] as string);
      if (target.endsWith('.ts') && reaches(target, targets, memo)) {
        answer = true;
        break;
      }
    }
  }
  memo.set(file, answer);
  return answer;
}

/** Of `specs` (paths relative to `root`), those whose imports reach a mutated module. */
export function specsReachingMutated(root: string, specs: readonly string[]): string[] {
  const targets = new Set(MUTATE.map((f) => path.join(root, f)));
  const memo = new Map<string, boolean>();
  return specs.filter((spec) => reaches(path.join(root, spec), targets, memo));
}
