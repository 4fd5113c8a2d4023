// The initial schema's guarantees, checked against the real local D1 with the real migrations:
// queue_jobs exists with the contract's status set (review 17), identical active jobs are
// impossible, and deleting a chart owner cascades (review 32).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../../src/jobs/state.ts';

/** API.md's job statuses, written out here so neither the code nor the schema can drift from them. */
const CONTRACT_STATUSES = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
] as const;
const principal = (n: number) => n.toString(16).padStart(64, '0');

async function insertJob(id: string, status: string, requestKey = `key-${id}`, who = principal(1)) {
  return env.DB.prepare(
    `INSERT INTO queue_jobs (id, principal, site, request_key, request, status, max_attempts, created_at, updated_at)
     VALUES (?, ?, 'demo-small', ?, '{}', ?, 6, 0, 0)`,
  )
    .bind(id, who, requestKey, status)
    .run();
}

describe('queue_jobs', () => {
  it('accepts every status of the HTTP contract', async () => {
    for (const status of CONTRACT_STATUSES) {
      await insertJob(`status-${status}`, status);
    }
    const { results } = await env.DB.prepare("SELECT status FROM queue_jobs WHERE id LIKE 'status-%'").all<{
      status: string;
    }>();
    expect(results.map((r) => r.status).sort()).toEqual([...CONTRACT_STATUSES].sort());
  });

  it("accepts every status the state machine can write, which are exactly the contract's", async () => {
    expect([...JOB_STATUSES].sort()).toEqual([...CONTRACT_STATUSES].sort());
    for (const status of JOB_STATUSES) await insertJob(`machine-${status}`, status);
  });

  it.each(['processing', 'completed', 'pending', ''])('rejects the status %j', async (status) => {
    await expect(insertJob(`bad-${status}`, status)).rejects.toThrow(/CHECK constraint/);
  });

  it('makes a second identical active job impossible, but allows one after the first finished', async () => {
    await insertJob('dup-a', 'queued', 'same-request');
    await expect(insertJob('dup-b', 'running', 'same-request')).rejects.toThrow(/UNIQUE constraint/);
    await expect(insertJob('dup-c', 'retrying', 'same-request')).rejects.toThrow(/UNIQUE constraint/);
    await env.DB.prepare("UPDATE queue_jobs SET status = 'succeeded' WHERE id = 'dup-a'").run();
    await insertJob('dup-d', 'queued', 'same-request');
    // Another principal's identical request is its own job.
    await insertJob('dup-e', 'queued', 'same-request', principal(2));
  });

  it('has the status/created and principal/created indexes', async () => {
    const { results } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'queue_jobs'",
    ).all<{ name: string }>();
    const names = results.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'idx_queue_jobs_status_created',
        'idx_queue_jobs_principal_created',
        'uq_queue_jobs_active_request',
      ]),
    );
  });
});

describe('dead_letters', () => {
  it('holds at most one open record per job', async () => {
    await insertJob('dl-job', 'dead');
    const insert = (id: string) =>
      env.DB.prepare(
        "INSERT INTO dead_letters (id, job_id, queue, attempts, request, created_at) VALUES (?, 'dl-job', 'q', 6, '{}', 0)",
      )
        .bind(id)
        .run();
    await insert('dl-1');
    await expect(insert('dl-2')).rejects.toThrow(/UNIQUE constraint/);
    await env.DB.prepare("UPDATE dead_letters SET replayed_at = 1 WHERE id = 'dl-1'").run();
    await insert('dl-3');
  });
});

describe('chart_configs', () => {
  it('are deleted with their owner', async () => {
    const owner = principal(77);
    await env.DB.prepare('INSERT INTO principals (id, created_at, last_seen_at) VALUES (?, 0, 0)')
      .bind(owner)
      .run();
    await env.DB.prepare(
      "INSERT INTO chart_configs (id, owner, name, site, points, range, created_at, updated_at) VALUES ('c1', ?, 'n', 's', '[]', '{}', 0, 0)",
    )
      .bind(owner)
      .run();
    await env.DB.prepare('DELETE FROM principals WHERE id = ?').bind(owner).run();
    const left = await env.DB.prepare("SELECT count(*) AS n FROM chart_configs WHERE id = 'c1'").first<{
      n: number;
    }>();
    expect(left?.n).toBe(0);
  });

  it('cannot reference a principal that does not exist', async () => {
    await expect(
      env.DB.prepare(
        "INSERT INTO chart_configs (id, owner, name, site, points, range, created_at, updated_at) VALUES ('c2', ?, 'n', 's', '[]', '{}', 0, 0)",
      )
        .bind(principal(78))
        .run(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });
});
