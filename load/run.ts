// CLI for the load suite (`npm run load`, `npm run load:smoke`): picks scenarios, starts the local
// stack unless BASE_URL is set, runs them one after another, prints thresholds (measured vs
// limit), writes load/results/, stops the stack, and exits non-zero on any failure.
// Usage: node load/run.ts [scenario ...] [--smoke] [--list] [--help]
import { type LoadTarget, resolveTarget } from './lib/env.ts';
import {
  formatOutcome,
  machineInfo,
  RESULTS_DIR,
  type ScenarioOutcome,
  toSummary,
  writeHtmlReport,
  writeScenarioJson,
} from './lib/report.ts';
import { evaluateScenario, type Scenario, thresholdsPass, validateScenario } from './lib/scenario.ts';
import { type Stack, startStack } from './lib/stack.ts';
import { SCENARIOS } from './scenarios/index.ts';

const USAGE = `usage: node load/run.ts [scenario ...] [--smoke] [--list]
  no scenario     run every scenario in order (${SCENARIOS.map((s) => s.name).join(', ')})
  --smoke         the short CI scenario (same as naming "smoke")
  --list          list the scenarios and exit
env: BASE_URL (loopback http, or an https staging Worker; default: start the local stack),
     LOAD_PORT / LOAD_ACE_PORT (ports of the stack it starts; default 8797 / 8798),
     ACE_URL (synthetic ACE of a stack already running on loopback), LOAD_ACE_TOKEN,
     LOAD_ACE_TOKENS (comma list of real tokens for staging), LOAD_SITE (default demo-small),
     LOAD_SEED (fixes the day of the cold windows)`;

function pickScenarios(args: readonly string[]): Scenario[] | string {
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '--smoke') names.push('smoke');
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else names.push(arg);
  }
  if (names.length === 0) return [...SCENARIOS];
  const picked: Scenario[] = [];
  for (const name of names) {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) return `unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`;
    if (!picked.includes(scenario)) picked.push(scenario);
  }
  return picked;
}

const log = (message: string) => console.log(message);

async function runOne(scenario: Scenario, target: LoadTarget, stack?: Stack): Promise<ScenarioOutcome> {
  const startedAt = new Date().toISOString();
  const base = {
    scenario: scenario.name,
    summary: scenario.summary,
    target: { kind: target.kind, baseUrl: target.baseUrl, aceUrl: target.aceUrl ?? null },
    startedAt,
    machine: machineInfo(),
  };
  const reloadsBefore = stack?.reloads() ?? 0;
  try {
    const run = await scenario.run({ target, log });
    const thresholds = evaluateScenario(scenario, run);
    const checks = [
      ...run.checks,
      ...run.skipped.map((s) => ({ name: `stream ${s.stream}`, status: 'skip' as const, detail: s.reason })),
    ];
    if (stack) {
      // wrangler dev rebuilds the Worker when a watched file changes (and, offline, once when its
      // Request.cf fetch fails): a run across a rebuild lost the isolate's state (coalescing,
      // breaker, caches) and may have measured two programs, so it does not count.
      const reloads = stack.reloads() - reloadsBefore;
      checks.push({
        name: 'stack-stable',
        status: reloads === 0 ? 'pass' : 'fail',
        detail:
          reloads === 0
            ? 'the Worker was not rebuilt during the scenario'
            : `wrangler dev reloaded the Worker ${reloads} time(s) during the scenario (see stack.log); rerun`,
      });
    }
    const passed = thresholdsPass(thresholds) && checks.every((c) => c.status !== 'fail');
    return {
      ...base,
      finishedAt: new Date().toISOString(),
      passed,
      error: null,
      streams: run.streams.map(toSummary),
      thresholds,
      checks,
    };
  } catch (e) {
    return {
      ...base,
      finishedAt: new Date().toISOString(),
      passed: false,
      error: e instanceof Error ? e.message : String(e),
      streams: [],
      thresholds: [],
      checks: [],
    };
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    log(USAGE);
    return 0;
  }
  if (args.includes('--list')) {
    for (const s of SCENARIOS) log(`${s.name.padEnd(16)} ${s.summary}`);
    return 0;
  }
  const picked = pickScenarios(args);
  if (typeof picked === 'string') {
    console.error(`load: ${picked}\n${USAGE}`);
    return 2;
  }
  for (const s of picked) validateScenario(s);
  const resolved = resolveTarget(process.env);
  if (!resolved.ok) {
    console.error(`load: ${resolved.message}`);
    return 2;
  }
  const target = resolved.target;

  let stack: Stack | undefined;
  const stopAndExit = (signal: NodeJS.Signals) => {
    console.error(`\nload: ${signal}; stopping`);
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopAndExit);
  process.once('SIGTERM', stopAndExit);

  try {
    if (target.startStack) {
      log(`load: starting the local stack (API :${target.apiPort}, synthetic ACE :${target.acePort}) ...`);
      const started = Date.now();
      try {
        stack = await startStack({
          apiPort: target.apiPort,
          acePort: target.acePort,
          logFile: `${RESULTS_DIR}/stack.log`,
        });
      } catch (e) {
        console.error(`load: ${e instanceof Error ? e.message : String(e)}`);
        return 1;
      }
      log(`load: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (log: load/results/stack.log)`);
    } else {
      log(
        `load: target ${target.kind} ${target.baseUrl}${target.aceUrl ? ` (synthetic ACE ${target.aceUrl})` : ''}`,
      );
    }

    const outcomes: ScenarioOutcome[] = [];
    for (const scenario of picked) {
      log(`\nload: scenario ${scenario.name}: ${scenario.summary}`);
      const outcome = await runOne(scenario, target, stack);
      writeScenarioJson(outcome);
      outcomes.push(outcome);
      log(`\n${formatOutcome(outcome)}`);
    }
    const report = writeHtmlReport();
    const failed = outcomes.filter((o) => !o.passed);
    log(`\nload: results in load/results/ (report: ${report})`);
    log(`load: ${outcomes.length - failed.length} passed, ${failed.length} failed`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await stack?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
