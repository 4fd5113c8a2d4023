// `npm run typecheck`'s compilers: the Worker, the specs and the Node code type-checked by three
// tsc runs at once (they share nothing, and run one after another they were ~20 of the suite's
// seconds on the 2-core machine). Prints each one's output; exits non-zero if any failed.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const projects = ['tsconfig.json', 'spec/tsconfig.json', 'tsconfig.node.json'];

const runs = projects.map(
  (project) =>
    new Promise<{ project: string; code: number; output: string }>((resolve) => {
      const child = spawn(tsc, ['-p', project], { cwd: root });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ project, code: code ?? 1, output }));
    }),
);
const results = await Promise.all(runs);
for (const r of results) if (r.output) process.stdout.write(`tsc -p ${r.project}:\n${r.output}`);
const failed = results.filter((r) => r.code !== 0).map((r) => r.project);
if (failed.length > 0) {
  console.error(`typecheck failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
