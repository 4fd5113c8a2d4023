// Single flight: concurrent callers of one key share one execution; a settled key starts afresh;
// different keys never share; a failure reaches every waiter and is not remembered.
import { describe, expect, it } from 'vitest';
import { createSingleFlight } from '../../src/timeseries/coalesce.ts';

describe('single flight', () => {
  it('runs the work once for concurrent callers of one key', async () => {
    const flight = createSingleFlight<number>();
    let runs = 0;
    let release: (n: number) => void = () => {};
    const gate = new Promise<number>((r) => {
      release = r;
    });
    const work = () => {
      runs++;
      return gate;
    };
    const calls = Array.from({ length: 20 }, () => flight.run('k', work));
    expect(flight.size()).toBe(1);
    release(42);
    const results = await Promise.all(calls);
    expect(runs).toBe(1);
    expect(results.map((r) => r.value)).toEqual(Array(20).fill(42));
    expect(results.filter((r) => r.leader)).toHaveLength(1);
    expect(flight.size()).toBe(0);
  });

  it('starts afresh once the key has settled, and never shares across keys', async () => {
    const flight = createSingleFlight<string>();
    let runs = 0;
    const work = async () => `run-${++runs}`;
    expect((await flight.run('a', work)).value).toBe('run-1');
    expect((await flight.run('a', work)).value).toBe('run-2');
    const [x, y] = await Promise.all([flight.run('x', work), flight.run('y', work)]);
    expect(x.leader && y.leader).toBe(true);
    expect(runs).toBe(4);
  });

  it('hands a failure to every waiter and forgets it', async () => {
    const flight = createSingleFlight<number>();
    const failing = async () => {
      throw new Error('boom');
    };
    const outcomes = await Promise.allSettled([flight.run('f', failing), flight.run('f', failing)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(flight.size()).toBe(0);
    expect((await flight.run('f', async () => 1)).value).toBe(1);
  });
});
