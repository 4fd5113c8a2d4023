// Mutant switch, step 1 (README.md): instruments the given modules with Stryker's own instrumenter
// into a copy of src/ under .tmp/mutant-switch, and lists their mutants (lines 1-based).
// Usage: node scripts/mutant-switch/instrument.mjs src/cache/chunk-times.ts [more modules]
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Instrumenter } from '@stryker-mutator/instrumenter';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(ROOT, '.tmp/mutant-switch');
const OUT_SRC = path.join(OUT, 'src');
const files = process.argv.slice(2);
rmSync(OUT_SRC, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
cpSync(path.join(ROOT, 'src'), OUT_SRC, { recursive: true });
const quiet = () => false;
const log = {
  isDebugEnabled: quiet,
  isTraceEnabled: quiet,
  isInfoEnabled: quiet,
  debug() {},
  trace() {},
  info() {},
  warn: console.warn,
  error: console.error,
  fatal: console.error,
};
const result = await new Instrumenter(log).instrument(
  files.map((f) => ({
    name: path.join(ROOT, f),
    content: readFileSync(path.join(ROOT, f), 'utf8'),
    mutate: true,
  })),
  { plugins: null, excludedMutations: [], ignorers: [] },
);
for (const f of result.files) writeFileSync(f.name.replace(path.join(ROOT, 'src'), OUT_SRC), f.content);
const mutants = result.mutants.map((m) => ({
  id: m.id,
  file: path.relative(ROOT, m.fileName),
  line: m.location.start.line + 1,
  mutator: m.mutatorName,
  replacement: m.replacement,
}));
writeFileSync(path.join(OUT, 'mutants.json'), JSON.stringify(mutants));
console.log(`${mutants.length} mutants`);
