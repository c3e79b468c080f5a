/**
 * `npm run bench [-- scenario … --quick]`: runs the benchmark scenarios against
 * the mock server on 127.0.0.1, prints what it measured and writes BENCHMARKS.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchOptions, ScenarioName } from './benchOptions';
import { BenchUsageError, benchUsage, parseBenchArgs } from './benchOptions';
import type { ScenarioBody, ScenarioContext, ScenarioReport } from './report/scenarioReport';
import { currentLoad, describeMachine, machineFacts, waitForLowLoad } from './report/machine';
import { mergeReports, readStoredReports, renderBenchmarks } from './report/benchmarksMarkdown';
import { cpuScenario, latencyScenario } from './scenarios/throughput';
import { peersScenario } from './scenarios/peers';
import { scaleScenario } from './scenarios/scale';
import { parseScenario } from './scenarios/parse';
import { faultsScenario } from './scenarios/faults';
import { webviewScenario } from './scenarios/webview';
import { rateLimitsScenario } from './scenarios/rateLimits';
import { expectScenario } from './scenarios/expectScoring';
import { stopAllMeasured } from './processes/measureProcess';

const scenarios: Record<ScenarioName, (ctx: ScenarioContext) => Promise<ScenarioBody>> = {
  latency: latencyScenario,
  cpu: cpuScenario,
  peers: peersScenario,
  scale: scaleScenario,
  parse: parseScenario,
  faults: faultsScenario,
  webview: webviewScenario,
  rateLimits: rateLimitsScenario,
  expect: expectScenario,
};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function printReport(report: ScenarioReport): void {
  log(`\n${report.title}`);
  const widths = report.columns.map((column, at) => Math.max(column.length, ...report.rows.map((row) => (row[at] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((text, at) => text.padEnd(widths[at] ?? 0)).join('  ');
  log(line(report.columns));
  for (const row of report.rows) log(line(row));
  for (const target of report.targets) log(`  ${target.met === undefined ? '?' : target.met ? '✓' : '✗'} ${target.measure}: ${target.result} (target ${target.target})`);
}

async function runScenario(name: ScenarioName, options: BenchOptions, root: string): Promise<ScenarioReport> {
  const workDir = mkdtempSync(join(tmpdir(), `llmbatch-bench-${name}-`));
  const before = currentLoad();
  try {
    const body = await scenarios[name]({ quick: options.quick, runs: options.runs, root, workDir, log });
    return { ...body, name, measuredAt: new Date().toISOString(), machine: machineFacts(), load: { before, after: currentLoad() }, runs: options.runs, quick: options.quick };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    log(`bench: ${error.message}\n\n${benchUsage}`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${benchUsage}\n`);
    return 0;
  }
  const { options } = command;
  const root = resolve(__dirname, '..', '..');
  if (!existsSync(join(root, 'dist', 'cli.js'))) {
    log('bench: dist/cli.js is missing; run `npm run bench` (it builds first)');
    return 2;
  }
  if (options.waitIdleMinutes > 0) {
    const idle = await waitForLowLoad({ maxLoad: options.maxLoad, timeoutMs: options.waitIdleMinutes * 60_000, log });
    if (!idle) log(`bench: load average still ${currentLoad().toFixed(2)} after ${options.waitIdleMinutes} min; measuring anyway (the report shows the load)`);
  }
  log(`bench: ${describeMachine(machineFacts())}; load ${currentLoad().toFixed(2)}; ${options.quick ? 'quick smoke run' : `${options.runs} runs each`}`);
  const fresh: ScenarioReport[] = [];
  let failures = 0;
  for (const name of options.scenarios) {
    try {
      const report = await runScenario(name, options, root);
      fresh.push(report);
      printReport(report);
    } catch (error) {
      failures++;
      log(`bench: scenario ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  if (options.write && fresh.length > 0) {
    const output = resolve(root, options.output);
    const stored = existsSync(output) ? readStoredReports(readFileSync(output, 'utf8')) : [];
    writeFileSync(output, renderBenchmarks(mergeReports(stored, fresh)));
    log(`\nbench: wrote ${options.output}`);
  }
  return failures > 0 ? 1 : 0;
}

// Measured programs run in their own process groups, out of reach of the terminal's Ctrl+C.
process.once('SIGINT', () => {
  stopAllMeasured();
  process.exit(130);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
