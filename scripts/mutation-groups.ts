// `npm run mutation:groups`: the full mutation run (stryker.config.mjs) as one Stryker run per
// group of modules (scripts/mutation-targets.ts, MUTATION_GROUPS), each keeping its results in
// reports/mutation/groups/<group>.json, so a run that stops (a session, a machine) goes on where it
// stopped; a group already run is run again only with --force, and then incrementally (its changed
// code and specs only). When every group has a result, they are merged (mutation-merge.ts) into
// the incremental file and one `stryker run --incremental` writes the full report (HTML, JSON and
// the score, with the break threshold) from them, testing only what changed since — and any
// mutant a group's result lacks: Stryker stopped by a signal writes the results it has, so a group
// stopped part-way is kept as it is and its untested mutants are tested by that last run.
//
//   npm run mutation:groups [-- --force] [-- --only <group>...]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MUTATE, MUTATION_GROUPS } from './mutation-targets.ts';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'reports/mutation/groups');
const { values: args } = parseArgs({
  options: { force: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } },
});

if (new Set(MUTATE).size !== MUTATE.length) throw new Error('a module is in two MUTATION_GROUPS');

const stryker = (extra: string[]) => {
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules/.bin/stryker'), 'run', ...extra], {
    cwd: root,
    stdio: 'inherit',
  });
  return run.status ?? 1;
};

mkdirSync(dir, { recursive: true });
for (const [group, files] of Object.entries(MUTATION_GROUPS)) {
  const file = path.join(dir, `${group}.json`);
  if (args.only && !args.only.includes(group)) continue;
  if (existsSync(file) && !args.force) {
    console.log(`group ${group}: kept (${path.relative(root, file)}; --force runs it again)`);
    continue;
  }
  console.log(`group ${group}: ${files.length} modules`);
  // A group under the break threshold exits 1 all the same: the threshold is the full report's.
  stryker([
    '--incremental',
    '--incrementalFile',
    file,
    '--reporters',
    'clear-text,progress',
    '-m',
    files.join(','),
  ]);
  if (!existsSync(file)) throw new Error(`group ${group}: Stryker wrote no result`);
}

const reports = Object.keys(MUTATION_GROUPS).map((g) => path.join(dir, `${g}.json`));
const absent = reports.filter((f) => !existsSync(f));
if (absent.length > 0) {
  console.log(`not merged: no result yet for ${absent.map((f) => path.basename(f, '.json')).join(', ')}`);
  process.exit(0);
}
const merged = path.join(root, 'reports/mutation/stryker-incremental.json');
const merge = spawnSync(
  process.execPath,
  [path.join(root, 'scripts/mutation-merge.ts'), merged, ...reports],
  {
    stdio: 'inherit',
  },
);
if (merge.status !== 0) process.exit(merge.status ?? 1);
process.exit(stryker(['--incremental']));
