// Mutant switch (README.md): one worker thread. Loads the specs against the instrumented copy of
// src/ (a fresh module graph per mutant, so module-level code sees the active mutant too), runs
// their tests with no mutant, then for each mutant until the first test that fails.
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OWN = pathToFileURL(`${ROOT}/`).href;
const REAL = pathToFileURL(`${ROOT}/src/`).href;
const MUTATED = pathToFileURL(`${ROOT}/.tmp/mutant-switch/src/`).href;
const SHIM = new URL('./shim.mjs', import.meta.url).href;
globalThis.__switchVersion = 'base';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'vitest' && context.parentURL?.includes('/spec/')) {
      return { url: SHIM, shortCircuit: true, format: 'module' };
    }
    const resolved = next(specifier, context);
    let url = resolved.url.split('?')[0];
    if (url.startsWith(REAL)) url = MUTATED + url.slice(REAL.length);
    const fresh = url.startsWith(OWN) && !url.includes('/node_modules/') && !url.endsWith('.mjs');
    return fresh ? { ...resolved, url: `${url}?v=${globalThis.__switchVersion}` } : resolved;
  },
});
const shim = await import(SHIM);
globalThis.__stryker__ ??= {};
const stryker = globalThis.__stryker__;

async function load(version) {
  globalThis.__switchVersion = version;
  shim.tests.length = 0;
  await import(`${OWN}spec/support/fc.ts?v=${version}`);
  for (const file of workerData.specs) {
    globalThis.__switchFile = file;
    await import(`${OWN}${file}?v=${version}`);
  }
}

stryker.activeMutant = undefined;
await load('base');
parentPort.postMessage({ ready: shim.tests.length });
for (const t of shim.tests) {
  try {
    await t.fn();
  } catch (e) {
    parentPort.postMessage({ baselineFail: t.name, message: String(e?.message).slice(0, 200) });
  }
}
for (const id of workerData.ids) {
  parentPort.postMessage({ start: id });
  stryker.activeMutant = String(id);
  let killedBy = null;
  try {
    await load(`m${id}`);
  } catch (e) {
    killedBy = `loading: ${String(e?.message).slice(0, 80)}`;
  }
  for (const t of killedBy ? [] : shim.tests) {
    try {
      await t.fn();
    } catch {
      killedBy = `${t.file} > ${t.name}`;
      break;
    }
  }
  parentPort.postMessage({ id, killedBy });
}
parentPort.postMessage({ done: true });
