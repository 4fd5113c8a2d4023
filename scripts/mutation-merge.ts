// Merges Stryker reports of disjoint module groups (`npm run mutation -- -m <group>
// --incrementalFile <one per group>`) into one incremental file, so that a full
// `npm run mutation -- --incremental` reuses every group's results and only tests what changed
// since (Stryker matches tests by file and name, mutants by file and location: the ids inside a
// report are its own, so tests are numbered afresh here and every mutant's references remapped).
//
//   node scripts/mutation-merge.ts <out.json> <report.json>...
import { readFileSync, writeFileSync } from 'node:fs';

interface Test {
  id: string;
  name: string;
  location?: { start: { line: number; column: number } };
}
interface Mutant {
  coveredBy?: string[];
  killedBy?: string[];
  [key: string]: unknown;
}
interface Report {
  files: Record<string, { mutants: Mutant[]; [key: string]: unknown }>;
  testFiles?: Record<string, { tests: Test[]; [key: string]: unknown }>;
  [key: string]: unknown;
}

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) throw new Error('usage: mutation-merge.ts <out.json> <report.json>...');

const reports = inputs.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report);
const merged: Report = { ...(reports[0] as Report), files: {}, testFiles: {} };
const testFiles = merged.testFiles as NonNullable<Report['testFiles']>;
const idOf = new Map<string, string>();
const keyOf = (file: string, t: Test) =>
  JSON.stringify([file, t.name, t.location?.start.line ?? null, t.location?.start.column ?? null]);

for (const report of reports) {
  const remap = new Map<string, string>();
  for (const [file, tf] of Object.entries(report.testFiles ?? {})) {
    if (!testFiles[file]) testFiles[file] = { ...tf, tests: [] };
    const target = testFiles[file];
    for (const t of tf.tests) {
      const key = keyOf(file, t);
      let id = idOf.get(key);
      if (id === undefined) {
        id = String(idOf.size);
        idOf.set(key, id);
        target.tests.push({ ...t, id });
      }
      remap.set(t.id, id);
    }
  }
  const ids = (list: string[] | undefined) => list?.map((id) => remap.get(id) ?? id);
  for (const [file, result] of Object.entries(report.files)) {
    if (merged.files[file]) throw new Error(`${file} is in two reports: the groups must be disjoint`);
    merged.files[file] = {
      ...result,
      mutants: result.mutants.map((m) => ({ ...m, coveredBy: ids(m.coveredBy), killedBy: ids(m.killedBy) })),
    };
  }
}
writeFileSync(out, JSON.stringify(merged));
const mutants = Object.values(merged.files).reduce((n, f) => n + f.mutants.length, 0);
console.log(`${out}: ${Object.keys(merged.files).length} files, ${mutants} mutants, ${idOf.size} tests`);
