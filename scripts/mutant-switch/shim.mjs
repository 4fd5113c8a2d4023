// Mutant switch (README.md): stands in for `vitest` inside the worker: describe/it collect the
// specs' tests instead of running them, expect is vitest's own, inject gives the pinned seed.
import { expect } from 'vitest';

export { expect };
export const tests = [];
const stack = [];
const args = (row) => (Array.isArray(row) ? row : [row]);
const named = (name, row) => {
  const a = args(row);
  let i = 0;
  return String(name).replace(/%[sjdio#]/g, () => JSON.stringify(a[i++])?.slice(0, 40));
};
export function describe(name, fn) {
  stack.push(String(name));
  try {
    fn();
  } finally {
    stack.pop();
  }
}
describe.each = (table) => (name, fn) => {
  for (const row of table) describe(named(name, row), () => fn(...args(row)));
};
describe.skip = () => {};
export function it(name, fn) {
  if (typeof fn === 'function')
    tests.push({ name: [...stack, String(name)].join(' > '), fn, file: globalThis.__switchFile });
}
it.each = (table) => (name, fn) => {
  for (const row of table) it(named(name, row), () => fn(...args(row)));
};
it.skip = () => {};
it.todo = () => {};
it.only = it;
it.concurrent = it;
export const test = it;
export const inject = (key) => (key === 'fcSeed' ? (process.env.FC_SEED ?? '20261201') : undefined);
export const beforeAll = (fn) => {
  tests.push({ name: 'beforeAll', fn, file: globalThis.__switchFile });
};
export const beforeEach = () => {};
export const afterAll = () => {};
export const afterEach = () => {};
export const vi = {};
