// The arbitraries of every area in one import, for the specs that still use it (spec/ace/client,
// spec/ace/parse and spec/cache/chunk-codec-v2 are being rewritten on another branch). A spec
// imports the area it needs from spec/support/arbitraries/ instead (CONVENTIONS 15).

export * from './arbitraries/aggregates.ts';
export * from './arbitraries/cache-keys.ts';
export * from './arbitraries/charts.ts';
export * from './arbitraries/edge.ts';
export * from './arbitraries/fuzz.ts';
export * from './arbitraries/jobs.ts';
export * from './arbitraries/time.ts';
