// `npm run load:cpu`: CPU time per request of the whole local stack (wrangler's Node process and
// every workerd it runs, read from /proc), for the /api floor, the bare 404 and cached reads, in
// alternating amount-bound rounds. Unlike req/s, CPU time does not move when other processes take
// the cores, so it compares paths on a shared machine; reported, never gated (Linux only). Starts
// and stops its own stack (LOAD_PORT / LOAD_ACE_PORT, default 8799 / 8800).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { bearer } from './lib/callers.ts';
import { dashboards, HOT_READ_WINDOW, hotReadPath, sitePoints } from './lib/dataset.ts';
import { startStack } from './lib/stack.ts';

const PORT = Number(process.env.LOAD_PORT ?? 8799);
const ACE_PORT = Number(process.env.LOAD_ACE_PORT ?? 8800);
const REQUESTS = 1500;
const ROUNDS = 3;
const CALLERS = 60;
const TICK_MS = 10; // /proc counts in clock ticks of 1/100 s (USER_HZ)

/** Every process of the tree under `root` (the runner's stack: start.ts, wrangler, workerd). */
function tree(root: number): number[] {
  const children = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  };
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...children(pid));
  }
  return out;
}

/** User + system CPU ms of a set of processes (those that have exited count 0). */
function cpuMs(pids: readonly number[]): number {
  let ms = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ms += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      // gone
    }
  }
  return ms;
}

function load(origin: string, route: string, tokens: readonly string[]): Promise<void> {
  let k = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: origin,
        connections: 10,
        amount: REQUESTS,
        requests: [
          {
            method: 'GET',
            path: route,
            setupRequest: (r) => ({
              ...r,
              headers: { ...r.headers, ...bearer(tokens[k++ % tokens.length] as string) },
            }),
          },
        ],
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const stack = await startStack({
    apiPort: PORT,
    acePort: ACE_PORT,
    logFile: path.join(import.meta.dirname, 'results', 'cpu-stack.log'),
    stateDir: path.join(import.meta.dirname, '..', '.wrangler', 'cpu-state'),
  });
  try {
    if (stack.pid === undefined) throw new Error('the stack has no process id to measure');
    const root = stack.pid;
    const origin = stack.apiUrl;
    const tokens = Array.from({ length: CALLERS }, (_, i) => `cpu-caller-${i}`);
    const board = dashboards(await sitePoints(origin, tokens[0] as string), 1, 4)[0] ?? [];
    const hot3d = hotReadPath(board);
    const oneDay = hot3d.replace(
      `end=${HOT_READ_WINDOW.endMs}`,
      `end=${HOT_READ_WINDOW.startMs + 86_400_000}`,
    );
    const routes: Record<string, string> = {
      'api-floor': '/api/__floor',
      'bare-404': '/nope',
      'hit-1d': oneDay,
      'hit-3d': hot3d,
    };
    for (const route of Object.values(routes))
      for (const t of tokens) await (await fetch(origin + route, { headers: bearer(t) })).arrayBuffer();
    const per: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, route] of Object.entries(routes)) {
        const pids = tree(root);
        const before = cpuMs(pids);
        await load(origin, route, tokens);
        const runs = per[name] ?? [];
        runs.push((cpuMs(pids) - before) / REQUESTS);
        per[name] = runs;
      }
    }
    const floor = median(per['api-floor'] ?? []);
    console.log(
      `CPU ms per request of the local stack (${REQUESTS} requests × ${ROUNDS} rounds, 10 connections):`,
    );
    for (const [name, xs] of Object.entries(per)) {
      const m = median(xs);
      console.log(
        `  ${name.padEnd(10)} ${xs.map((x) => x.toFixed(2)).join(' ')}  median ${m.toFixed(2)}  api-floor/this ${(floor / m).toFixed(2)}`,
      );
    }
  } finally {
    await stack.stop();
  }
}

await main();
