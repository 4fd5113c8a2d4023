// The scheduled handler through the Worker's real entry point: the maintenance cron evicts expired
// cache entries, the warming cron runs (and is skipped without a service token), an unknown
// expression runs nothing, and a failing pass is logged without throwing.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CRONS, passesFor, runScheduled } from '../../src/cron/scheduled.ts';
import worker from '../../src/index.ts';
import { createServices } from '../../src/services.ts';

async function trigger(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('scheduled', () => {
  it('the maintenance cron deletes expired cache entries', async () => {
    await env.CACHE.put('cron/expired', 'x');
    await env.DB.prepare(
      `INSERT INTO cache_entries (key, site, interval, chunk_start, chunk_end, points, samples, bytes, raw_bytes,
         created_at, last_access_at, expires_at) VALUES ('cron/expired', 's', 'raw', 0, 1, 1, 1, 1, 1, 0, 0, 1)`,
    ).run();
    await trigger(CRONS.maintenance);
    expect(await env.CACHE.head('cron/expired')).toBeNull();
    expect(
      await env.DB.prepare("SELECT key FROM cache_entries WHERE key = 'cron/expired'").first(),
    ).toBeNull();
  });

  it('maps each cron expression to its passes', () => {
    const services = createServices(env, createExecutionContext());
    expect(passesFor(CRONS.maintenance, services).map(([n]) => n)).toEqual([
      'cache.eviction',
      'jobs.reaper',
      'jobs.result_expiry',
    ]);
    expect(passesFor(CRONS.warming, services).map(([n]) => n)).toEqual(['cache.warming']);
    expect(passesFor('1 2 3 4 5', services)).toEqual([]);
  });

  it('logs a failing pass instead of throwing', async () => {
    const lines: Record<string, unknown>[] = [];
    const services = createServices(env, createExecutionContext(), {
      logSink: (_l, line) => lines.push(line),
    });
    const broken = {
      ...services,
      eviction: { ...services.eviction, run: () => Promise.reject(new Error('boom')) },
    };
    await expect(runScheduled(CRONS.maintenance, broken)).resolves.toBeUndefined();
    expect(lines.some((l) => l.event === 'cron.pass_failed' && l.pass === 'cache.eviction')).toBe(true);
  });
});
