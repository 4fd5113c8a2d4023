// `npm start`: the whole local stack on 127.0.0.1 with no Cloudflare account. Applies the local
// D1 migrations, starts the synthetic ACE (fixtures/ace) and the Worker under `wrangler dev`
// (local D1, R2 and Queues in workerd), prints both URLs, and stops both on Ctrl-C or SIGTERM.
// Ports: PORT (API, default 8787) and ACE_MOCK_PORT (synthetic ACE, default 8788); PERSIST_TO
// optionally moves the local state folder. The cron triggers of wrangler.toml fire on their
// schedule, as in a deployment (wrangler dev runs none by itself): START_CRONS=off turns that off.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startAceServer } from '../fixtures/ace/server.ts';
import { type Cron, cronsFromFile, matches } from './cron-schedule.ts';

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 8787);
const acePort = Number(process.env.ACE_MOCK_PORT ?? 8788);
const host = '127.0.0.1';
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const wranglerBin = path.join(root, 'node_modules', '.bin', 'wrangler');
// Local D1/R2/Queue state lives in .wrangler/state unless PERSIST_TO names another folder: the
// load runner uses its own, so a developer's `npm start` and a load run never share a database.
const persist = process.env.PERSIST_TO ? ['--persist-to', process.env.PERSIST_TO] : [];

/** Runs a command to completion, inheriting output; rejects on a non-zero exit. */
function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)),
    );
  });
}

async function waitForHealth(url: string, timeoutMs: number, worker: ChildProcess): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && worker.exitCode === null) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

/**
 * Fires each cron at the minutes it matches (UTC), through wrangler dev's `/__scheduled` (enabled
 * by --test-scheduled), a second into the minute. Returns a stop function.
 */
function startCronTicker(apiUrl: string, crons: readonly Cron[]): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = async (cron: Cron) => {
    const url = `${apiUrl}/__scheduled?cron=${encodeURIComponent(cron.expression)}`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
      await res.body?.cancel();
      console.log(`cron "${cron.expression}" fired: ${res.status}`);
    } catch (e) {
      console.error(`cron "${cron.expression}" failed: ${e instanceof Error ? e.message : e}`);
    }
  };
  const schedule = () => {
    const now = Date.now();
    timer = setTimeout(tick, 60_000 - (now % 60_000) + 1_000);
    timer.unref();
  };
  const tick = () => {
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    for (const cron of crons) if (matches(cron, minute)) void fire(cron);
    schedule();
  };
  schedule();
  return () => clearTimeout(timer);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(root, '.dev.vars'))) {
    copyFileSync(path.join(root, '.dev.vars.example'), path.join(root, '.dev.vars'));
    console.log('created .dev.vars from .dev.vars.example (local-only secrets)');
  }
  await run(wranglerBin, ['d1', 'migrations', 'apply', 'DB', '--local', ...persist]);

  const ace = await startAceServer({ port: acePort, host });
  const worker = spawn(
    wranglerBin,
    [
      'dev',
      '--local',
      '--ip',
      host,
      '--port',
      String(port),
      '--var',
      `ACE_BASE_URL:${ace.url}`,
      '--show-interactive-dev-session=false',
      '--test-scheduled',
      ...persist,
    ],
    { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] },
  );

  let stopping = false;
  let stopCrons = () => {};
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopCrons();
    if (worker.exitCode === null) worker.kill('SIGTERM');
    await ace.close();
    const forced = setTimeout(() => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      process.exit(code);
    }, 5_000);
    forced.unref();
    if (worker.exitCode === null) await new Promise((r) => worker.once('exit', r));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  worker.on('exit', (code) => {
    if (!stopping) {
      console.error(`wrangler dev exited (${code}); stopping`);
      void stop(code ?? 1);
    }
  });

  const apiUrl = `http://${host}:${port}`;
  if (await waitForHealth(`${apiUrl}/health`, 120_000, worker)) {
    console.log('');
    console.log(`  vitals-edge API     ${apiUrl}   (try: curl ${apiUrl}/health)`);
    console.log(`  synthetic ACE       ${ace.url}   (sites demo-small, demo-large; /_mock/stats)`);
    if (process.env.START_CRONS !== 'off') {
      const crons = cronsFromFile(path.join(root, 'wrangler.toml'));
      stopCrons = startCronTicker(apiUrl, crons);
      console.log(
        `  crons               ${crons.map((c) => `"${c.expression}"`).join(', ')} (UTC; START_CRONS=off: none)`,
      );
    }
    console.log('  Ctrl-C stops both.');
    console.log('');
  } else if (!stopping) {
    console.error(`the Worker did not answer ${apiUrl}/health within 120 s`);
    await stop(1);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
