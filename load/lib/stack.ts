// Starts the local stack (`scripts/start.ts`: the Worker under wrangler dev plus the synthetic ACE)
// in its own process group for a load run, waits until both answer, and stops the whole group —
// also on errors, Ctrl-C and process exit. Owns nothing about what is measured.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** wrangler dev builds the Worker and boots workerd first; on a busy 2-core machine that is slow. */
const DEFAULT_START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 10_000;
/**
 * The stack's own local D1/R2/Queue state, emptied before each start: a load run never shares a
 * database with a developer's `npm start` (two workerd on one SQLite file fail with busy errors),
 * and every run starts with a cold cache and no jobs, so cold-path scenarios measure the same thing.
 */
export const LOAD_STATE_DIR = path.join(ROOT, '.wrangler', 'load-state');
/** What wrangler dev prints when it reloads the Worker (a watched file changed; offline, also once after its Request.cf fetch fails). */
const RELOAD_LINE = 'Reloading local server';

export interface StackOptions {
  apiPort: number;
  acePort: number;
  /** Where the stack's stdout and stderr go. */
  logFile: string;
  timeoutMs?: number;
  /** Local state folder (default LOAD_STATE_DIR), emptied before the start. */
  stateDir?: string;
}

/** A running stack; `stop` is idempotent and never rejects. */
export interface Stack {
  apiUrl: string;
  aceUrl: string;
  logFile: string;
  /** The stack's process group leader (its process tree is the whole stack). */
  pid: number | undefined;
  /** How many times wrangler dev has reloaded the Worker since the start (see RELOAD_LINE). */
  reloads(): number;
  stop(): Promise<void>;
}

/** The last `lines` lines of a log, for error messages. */
export function tailLog(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resolves true when something already accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers `expect(status)`, the deadline passes, or `alive()` turns false. */
export async function waitForUrl(
  url: string,
  deadline: number,
  alive: () => boolean = () => true,
  expect: (status: number) => boolean = (status) => status === 200,
): Promise<boolean> {
  while (Date.now() < deadline && alive()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (expect(res.status)) return true;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  return false;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

/** SIGTERM the group, wait up to the grace period for it to empty, then SIGKILL what is left. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  killGroup(pid, 'SIGTERM');
  const until = Date.now() + STOP_GRACE_MS;
  while (Date.now() < until && groupAlive(pid)) await sleep(100);
  if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
}

/**
 * Starts `node scripts/start.ts` on the given ports and resolves once the Worker's /health answers
 * 200 and the synthetic ACE's /_mock/stats answers; rejects (after stopping it) otherwise.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { apiPort, acePort, logFile } = options;
  for (const port of [apiPort, acePort]) {
    if (await portInUse(port)) {
      throw new Error(
        `port ${port} on 127.0.0.1 is already in use; stop that server or set LOAD_PORT/LOAD_ACE_PORT`,
      );
    }
  }
  mkdirSync(path.dirname(logFile), { recursive: true });
  const stateDir = options.stateDir ?? LOAD_STATE_DIR;
  rmSync(stateDir, { recursive: true, force: true });
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(apiPort),
      ACE_MOCK_PORT: String(acePort),
      PERSIST_TO: stateDir,
      WRANGLER_SEND_METRICS: 'false',
    },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);

  const pid = child.pid;
  // Last resort if the runner dies without calling stop(): 'exit' handlers must be synchronous.
  const onExit = () => {
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  };
  process.once('exit', onExit);

  let stopped: Promise<void> | undefined;
  const stack: Stack = {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    aceUrl: `http://127.0.0.1:${acePort}`,
    logFile,
    pid,
    reloads() {
      try {
        return readFileSync(logFile, 'utf8').split(RELOAD_LINE).length - 1;
      } catch {
        return 0;
      }
    },
    stop() {
      stopped ??= stopGroup(child).finally(() => process.removeListener('exit', onExit));
      return stopped;
    },
  };

  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });
  const alive = () => spawnError === undefined && child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const up =
    (await waitForUrl(`${stack.apiUrl}/health`, deadline, alive)) &&
    (await waitForUrl(`${stack.aceUrl}/_mock/stats`, deadline, alive));
  if (!up) {
    const why = spawnError
      ? `could not spawn: ${spawnError.message}`
      : !alive()
        ? `it exited (${child.exitCode ?? child.signalCode})`
        : `no 200 from ${stack.apiUrl}/health and ${stack.aceUrl}/_mock/stats within ${Math.round((options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS) / 1000)} s`;
    await stack.stop();
    throw new Error(
      `the local stack did not start: ${why}\n--- last lines of ${logFile}\n${tailLog(logFile)}`,
    );
  }
  return stack;
}
