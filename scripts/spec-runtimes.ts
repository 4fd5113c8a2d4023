// Decides where each spec file runs: in workerd (the `workers` vitest project) when it reaches,
// through its own imports or the spec helpers it imports, the Workers runtime's test module
// (`cloudflare:test` or `cloudflare:workers`) or the synthetic ACE over fetch (spec/support/ace.ts:
// the Worker calls ACE with workerd's fetch, so specs of those calls run there); otherwise in plain
// Node (the `unit` project), where a file costs no runtime start-up. Read by vitest.config.ts and
// the mutation-testing config; pure Node.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const RUNTIME_MODULE = /from\s+['"]cloudflare:(?:test|workers)['"]/;
const RELATIVE_IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return specFiles(full);
    return entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** Whether `file` (an absolute path) needs workerd, following relative imports inside `specRoot`. */
function needsWorkerd(file: string, specRoot: string, memo: Map<string, boolean>): boolean {
  const known = memo.get(file);
  if (known !== undefined) return known;
  memo.set(file, false); // an import cycle adds nothing
  const source = readFileSync(file, 'utf8');
  let answer = RUNTIME_MODULE.test(source) || file === path.join(specRoot, 'support', 'ace.ts');
  for (const match of source.matchAll(RELATIVE_IMPORT)) {
    if (answer) break;
    const target = path.resolve(path.dirname(file), match[1] as string);
    // Only spec helpers can reach the test runtime: src/ and fixtures/ are runtime-agnostic.
    if (target.startsWith(specRoot) && target.endsWith('.ts')) answer = needsWorkerd(target, specRoot, memo);
  }
  memo.set(file, answer);
  return answer;
}

/** The spec files of each project, as paths relative to `root`. */
export function specRuntimes(root: string): { workers: string[]; unit: string[] } {
  const specRoot = path.join(root, 'spec');
  const memo = new Map<string, boolean>();
  const workers: string[] = [];
  const unit: string[] = [];
  for (const file of specFiles(specRoot).sort()) {
    (needsWorkerd(file, specRoot, memo) ? workers : unit).push(path.relative(root, file));
  }
  return { workers, unit };
}
