// Mutant switch, step 2 (README.md): runs the given spec files against each mutant listed by
// instrument.mjs, in one worker thread at a time (restarted after a mutant that does not finish
// in time, counted as a timeout), and prints the survivors. MUTANTS=id,id,… runs only those.
// Usage: node scripts/mutant-switch/run.mjs <timeout ms> <spec files…>
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const OUT = path.resolve(import.meta.dirname, '../../.tmp/mutant-switch');
const [timeoutMs, ...specs] = process.argv.slice(2);
let mutants = JSON.parse(readFileSync(path.join(OUT, 'mutants.json'), 'utf8'));
if (process.env.MUTANTS) {
  const only = new Set(process.env.MUTANTS.split(','));
  mutants = mutants.filter((m) => only.has(m.id));
}
const results = {};
let queue = mutants.map((m) => m.id);
while (queue.length > 0) {
  const ids = queue;
  let current = null;
  await new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { specs, ids } });
    let timer;
    worker.on('message', (m) => {
      if (m.baselineFail) console.error('fails with no mutant:', m.baselineFail, m.message);
      if (m.start !== undefined) {
        current = m.start;
        clearTimeout(timer);
        timer = setTimeout(() => {
          results[current] = 'Timeout';
          worker.terminate();
        }, Number(timeoutMs));
      }
      if (m.id !== undefined) results[m.id] = m.killedBy ?? 'Survived';
      if (m.done) worker.terminate();
    });
    worker.on('error', (e) => {
      if (current !== null) results[current] ??= `Error: ${e.message.slice(0, 80)}`;
    });
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  queue = ids.filter((id) => results[id] === undefined);
  if (queue.length === ids.length) {
    results[queue[0]] = 'Error: worker stopped';
    queue = queue.slice(1);
  }
}
const out = mutants.map((m) => ({ ...m, status: results[m.id] }));
writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(out, null, 1));
const survived = out.filter((m) => m.status === 'Survived');
const timedOut = out.filter((m) => m.status === 'Timeout').length;
console.log(`${out.length} mutants, ${survived.length} survived, ${timedOut} timed out`);
for (const m of survived)
  console.log(
    `${m.file}:${m.line} [${m.id}] ${m.mutator}: ${m.replacement.replace(/\s+/g, ' ').slice(0, 90)}`,
  );
