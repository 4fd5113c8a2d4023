// `npm run deploy:staging` / `npm run deploy:production`: the gated, gradual deploy of one commit.
//
//   1. preflight (no network): CLOUDFLARE_API_TOKEN set, the target's https URL and the load
//      smoke's ACE token and site known, a clean git tree (the version is tagged with the commit,
//      so the commit must be what is uploaded);
//   2. gates: `npm run check` (lint, type-check, every spec, deploy dry-run) and `npm run bench:gate`
//      (skip with --skip-checks when CI has just run them on this commit), then
//      `wrangler deploy --dry-run` for the target environment;
//   3. the live deployment must be one version at 100% (no gradual deployment half done);
//   4. D1 migrations on the target (`wrangler d1 migrations apply DB --remote`): before the upload,
//      so they must be additive — the old version keeps serving most traffic for a while;
//   5. `wrangler versions upload --tag <git sha>`, then `wrangler versions deploy <new>@10% <old>@90%`;
//   6. smoke against the deployed URL: /health and /openapi.json pinned to the new version with the
//      `Cloudflare-Workers-Version-Overrides` header, then `npm run load:smoke` with BASE_URL=<url>;
//   7. smoke passed: `<new>@100%`, then `wrangler triggers deploy` (crons are not versioned);
//      smoke failed: back to `<old>@100%` and exit 1.
//
// Usage: node scripts/deploy.ts <staging|production> [--skip-checks] [--percent N] [--plan]
//   --plan prints the commands without running any (the preflight still applies).
// Environment: CLOUDFLARE_API_TOKEN (required), CLOUDFLARE_ACCOUNT_ID (when the token sees several
// accounts), STAGING_URL / PRODUCTION_URL (the Worker's https origin), LOAD_ACE_TOKEN or
// LOAD_ACE_TOKENS and LOAD_SITE (a real ACE token and site for the load smoke), DEPLOY_ALLOW_DIRTY=1.
// Exit codes: 0 deployed at 100%; 1 a step failed (the old version serves everything); 2 refused.
// See docs/OPERATIONS.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const wranglerBin = path.join(root, 'node_modules', '.bin', 'wrangler');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type Target = 'staging' | 'production';

export interface DeployOptions {
  target: Target;
  skipChecks: boolean;
  /** Share of traffic the new version gets before the smoke (1–50). */
  percent: number;
  plan: boolean;
}

/** The reason a deploy may not start, or null. Pure, so it is checked before anything runs. */
export function refusal(env: Record<string, string | undefined>, target: Target): string | null {
  if (!env.CLOUDFLARE_API_TOKEN) {
    return [
      'CLOUDFLARE_API_TOKEN is not set, so nothing was deployed.',
      'Create an API token (Cloudflare dashboard → My Profile → API Tokens, "Edit Cloudflare Workers"',
      'template plus D1 Edit) and export it, with CLOUDFLARE_ACCOUNT_ID if the token sees several',
      'accounts. `npm run deploy:dry-run` needs no token. See docs/OPERATIONS.md, "Deploying".',
    ].join('\n  ');
  }
  if (!env.LOAD_ACE_TOKEN && !env.LOAD_ACE_TOKENS)
    return 'LOAD_ACE_TOKEN (or LOAD_ACE_TOKENS) is not set: the load smoke against a deployed Worker reads a real ACE site with it.';
  if (!env.LOAD_SITE) return 'LOAD_SITE is not set: the load smoke needs a real ACE site the token can read.';
  const urlVar = urlVariable(target);
  const raw = env[urlVar];
  if (!raw) return `${urlVar} is not set: the smoke needs the ${target} Worker's https origin.`;
  try {
    if (new URL(raw).protocol !== 'https:') return `${urlVar} must be an https URL, got ${raw}`;
  } catch {
    return `${urlVar} is not a URL: ${raw}`;
  }
  return null;
}

export const urlVariable = (target: Target) => (target === 'staging' ? 'STAGING_URL' : 'PRODUCTION_URL');

/** `--env staging` for staging; production is the top-level environment of wrangler.toml. */
export const envArgs = (target: Target): string[] => (target === 'staging' ? ['--env', 'staging'] : []);

/** The version-spec arguments of `wrangler versions deploy`. */
export function splitSpecs(newId: string, oldId: string, percent: number): string[] {
  return [`${newId}@${percent}%`, `${oldId}@${100 - percent}%`];
}

export function parseArgs(argv: readonly string[]): DeployOptions | string {
  const [target, ...rest] = argv;
  if (target !== 'staging' && target !== 'production') return 'first argument must be staging or production';
  const opts: DeployOptions = { target, skipChecks: false, percent: 10, plan: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--skip-checks') opts.skipChecks = true;
    else if (a === '--plan') opts.plan = true;
    else if (a === '--percent') {
      const n = Number(rest[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 50) return '--percent must be an integer from 1 to 50';
      opts.percent = n;
    } else return `unknown argument ${a}`;
  }
  return opts;
}

const step = (title: string) => console.log(`\n=== deploy: ${title}`);

class StepFailed extends Error {}

/** Runs a command with inherited output; throws StepFailed on a non-zero exit. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  console.log(`$ ${[cmd === wranglerBin ? 'wrangler' : cmd, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new StepFailed(`${path.basename(cmd)} ${args[0]} exited ${code}`)),
    );
  });
}

/** Runs a command and returns its stdout (stderr inherited); throws StepFailed on failure. */
function capture(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new StepFailed(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}

const wrangler = (args: string[], env?: NodeJS.ProcessEnv) => run(wranglerBin, args, env);

/** The version serving 100% now. A Worker never deployed has none: its first deploy is manual. */
function currentVersion(target: Target): string {
  const r = spawnSync(wranglerBin, ['deployments', 'status', '--json', ...envArgs(target)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) {
    throw new StepFailed(
      `wrangler deployments status failed; if this Worker was never deployed, deploy it once with ` +
        `\`wrangler deploy ${envArgs(target).join(' ')}\` (docs/OPERATIONS.md, "First deploy")`,
    );
  }
  const status = JSON.parse(r.stdout) as { versions?: { version_id: string; percentage: number }[] };
  const versions = status.versions ?? [];
  const only = versions[0];
  if (versions.length !== 1 || !only || only.percentage !== 100) {
    const split = versions.map((v) => `${v.version_id}@${v.percentage}%`).join(' ');
    throw new StepFailed(
      `a gradual deployment is in progress (${split}); promote or roll it back first (docs/OPERATIONS.md)`,
    );
  }
  return only.version_id;
}

/** Uploads a version tagged with the commit; returns its id and the Worker's name. */
async function upload(target: Target, sha: string, subject: string): Promise<{ id: string; worker: string }> {
  const dir = path.join(root, '.tmp', 'deploy');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${target}-upload.ndjson`);
  rmSync(out, { force: true });
  await wrangler(
    ['versions', 'upload', ...envArgs(target), '--tag', sha.slice(0, 40), '--message', subject.slice(0, 100)],
    { ...process.env, WRANGLER_OUTPUT_FILE_PATH: out },
  );
  // Wrangler appends one JSON object per line to WRANGLER_OUTPUT_FILE_PATH; ours is `version-upload`.
  const entries = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type?: string; version_id?: string; worker_name?: string | null });
  const entry = entries.find((e) => e.type === 'version-upload');
  if (!entry?.version_id || !UUID.test(entry.version_id) || !entry.worker_name)
    throw new StepFailed(`no version id in wrangler's output (${out})`);
  return { id: entry.version_id, worker: entry.worker_name };
}

/** Requests pinned to one version; retried for up to 60 s while the deployment propagates. */
async function pinnedSmoke(baseUrl: string, worker: string, versionId: string): Promise<void> {
  const headers = { 'Cloudflare-Workers-Version-Overrides': `${worker}="${versionId}"` };
  const checks: { path: string; ok: (status: number, body: string) => boolean }[] = [
    // 200 with "ok" or "degraded" (ACE breaker open): the Worker, D1 and R2 answer.
    { path: '/health', ok: (s, b) => s === 200 && /"status":"(ok|degraded)"/.test(b) },
    { path: '/openapi.json', ok: (s, b) => s === 200 && b.includes('"openapi"') },
  ];
  const until = Date.now() + 60_000;
  for (const c of checks) {
    for (let attempt = 1; ; attempt++) {
      let line: string;
      try {
        const res = await fetch(new URL(c.path, baseUrl), { headers, signal: AbortSignal.timeout(10_000) });
        const body = await res.text();
        if (c.ok(res.status, body)) {
          console.log(`smoke: ${c.path} ${res.status} (version ${versionId}, attempt ${attempt})`);
          break;
        }
        line = `${res.status} ${body.slice(0, 200)}`;
      } catch (e) {
        line = String(e);
      }
      if (Date.now() > until) throw new StepFailed(`smoke: ${c.path} failed: ${line}`);
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

function git(args: string[]): string {
  return capture('git', args).trim();
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (typeof opts === 'string') {
    console.error(
      `deploy: ${opts}\nusage: node scripts/deploy.ts <staging|production> [--skip-checks] [--percent N] [--plan]`,
    );
    return 2;
  }
  const why = refusal(process.env, opts.target);
  if (why) {
    console.error(`deploy: refusing to deploy ${opts.target}: ${why}`);
    return 2;
  }
  const baseUrl = (process.env[urlVariable(opts.target)] as string).replace(/\/+$/, '');
  const dirty = git(['status', '--porcelain']);
  if (dirty && process.env.DEPLOY_ALLOW_DIRTY !== '1') {
    console.error(
      'deploy: refusing: the working tree has uncommitted changes, so the version would not match its tag.\n' +
        '  Commit or stash them (DEPLOY_ALLOW_DIRTY=1 overrides, for emergencies only).',
    );
    return 2;
  }
  const sha = git(['rev-parse', 'HEAD']);
  const subject = git(['log', '-1', '--format=%s']);
  const e = envArgs(opts.target);

  if (opts.plan) {
    const lines = [
      ...(opts.skipChecks ? [] : ['npm run check', 'npm run bench:gate']),
      `wrangler deploy --dry-run ${e.join(' ')} --outdir .tmp/deploy/${opts.target}-dry-run`,
      `wrangler deployments status --json ${e.join(' ')}   # <old>: must be one version at 100%`,
      `wrangler d1 migrations apply DB --remote ${e.join(' ')}`,
      `wrangler versions upload ${e.join(' ')} --tag ${sha} --message '${subject.slice(0, 100)}'   # <new>`,
      `wrangler versions deploy ${splitSpecs('<new>', '<old>', opts.percent).join(' ')} -y ${e.join(' ')}`,
      `smoke: GET ${baseUrl}/health and /openapi.json with Cloudflare-Workers-Version-Overrides: <worker>="<new>"`,
      `BASE_URL=${baseUrl} LOAD_SITE=${process.env.LOAD_SITE} npm run load:smoke`,
      `wrangler versions deploy <new>@100% -y ${e.join(' ')}   # on failure: <old>@100% instead, exit 1`,
      `wrangler triggers deploy ${e.join(' ')}`,
    ];
    const tidy = lines.map((l) => l.replace(/ {2,}(?!#)/g, ' ').trimEnd());
    console.log(`deploy plan for ${opts.target} (${sha}), nothing run:\n  ${tidy.join('\n  ')}`);
    return 0;
  }

  let newId: string | null = null;
  let oldId: string | null = null;
  try {
    if (!opts.skipChecks) {
      step('gates: npm run check, npm run bench:gate');
      await run('npm', ['run', 'check']);
      await run('npm', ['run', 'bench:gate']);
    }
    step(`dry-run for ${opts.target}`);
    await wrangler(['deploy', '--dry-run', ...e, '--outdir', `.tmp/deploy/${opts.target}-dry-run`]);

    step('current deployment');
    oldId = currentVersion(opts.target);
    console.log(`serving: ${oldId} at 100%`);

    step('D1 migrations (additive only: the old version keeps serving during the rollout)');
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', ...e]);

    step(`upload version tagged ${sha}`);
    const uploaded = await upload(opts.target, sha, subject);
    newId = uploaded.id;
    console.log(`uploaded: ${newId} (${uploaded.worker})`);

    step(`gradual: ${splitSpecs(newId, oldId, opts.percent).join(' ')}`);
    await wrangler([
      'versions',
      'deploy',
      ...splitSpecs(newId, oldId, opts.percent),
      '-y',
      ...e,
      '--message',
      `canary ${sha.slice(0, 12)}`,
    ]);

    step(`smoke against ${baseUrl}`);
    await pinnedSmoke(baseUrl, uploaded.worker, newId);
    await run('npm', ['run', 'load:smoke'], { ...process.env, BASE_URL: baseUrl });
  } catch (err) {
    console.error(`\ndeploy: ${err instanceof Error ? err.message : String(err)}`);
    if (newId && oldId) {
      step(`rolling back: ${oldId}@100%`);
      try {
        await wrangler([
          'versions',
          'deploy',
          `${oldId}@100%`,
          '-y',
          ...e,
          '--message',
          `abort ${sha.slice(0, 12)}`,
        ]);
        console.error(`deploy: ${opts.target} is back on ${oldId}; ${newId} stays uploaded at 0%.`);
      } catch {
        console.error(
          `deploy: ROLLBACK FAILED; run: wrangler versions deploy ${oldId}@100% -y ${e.join(' ')}`,
        );
      }
    } else {
      console.error(`deploy: nothing was deployed; ${opts.target} is unchanged.`);
    }
    return 1;
  }

  try {
    step(`promote: ${newId}@100%`);
    await wrangler([
      'versions',
      'deploy',
      `${newId}@100%`,
      '-y',
      ...e,
      '--message',
      `promote ${sha.slice(0, 12)}`,
    ]);
    step('triggers (cron schedules are not part of a version)');
    await wrangler(['triggers', 'deploy', ...e]);
  } catch (err) {
    console.error(`\ndeploy: ${err instanceof Error ? err.message : String(err)}`);
    console.error(
      `deploy: the new version passed the smoke but promotion did not finish; check \`wrangler deployments status ${e.join(' ')}\`,` +
        ` then rerun the failed command or roll back (docs/OPERATIONS.md).`,
    );
    return 1;
  }
  console.log(
    `\ndeploy: ${opts.target} serves ${newId} (${sha}) at 100%.` +
      `\n  roll back: wrangler rollback ${oldId} ${e.join(' ')} -m 'reason' -y`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = await main();
