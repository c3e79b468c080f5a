/**
 * Runs the in-host suite (and the UI tests) in a real VS Code workbench without
 * downloading VS Code: code-server from the npm registry serves the workbench,
 * the distribution's Chromium shows it, and nothing leaves 127.0.0.1.
 *
 *   node dist/test/host/runOffline.js [--mode=all|suite|ui] [--grep=PATTERN] [--timeout=SECONDS] [--verbose] [--install-only]
 *
 * --timeout (default 900) is a hard limit on the whole run after installation; --verbose
 * also prints the workbench's own console, which otherwise only goes to test-artifacts/host-suite.log.
 * Exit code 0 only when every selected test passed. Run after `node esbuild.mjs --tests`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchLoopbackBrowser } from './offline/browser';
import type { LoopbackBrowser } from './offline/browser';
import { startCodeServer } from './offline/codeServer';
import type { CodeServer } from './offline/codeServer';
import { runHostSuite } from './offline/hostSuite';
import type { SuiteOutcome } from './offline/hostSuite';
import { ensureCodeServer } from './offline/installCodeServer';
import { findRepoRoot } from './offline/repoRoot';
import { runUiTests } from './offline/uiTests';

type Mode = 'all' | 'suite' | 'ui';

interface Options {
  readonly mode: Mode;
  readonly grep: string | undefined;
  readonly timeoutMs: number;
  readonly installOnly: boolean;
  readonly verbose: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const mode = value('mode') ?? 'all';
  if (mode !== 'all' && mode !== 'suite' && mode !== 'ui') throw new Error(`--mode must be all, suite or ui (got ${mode})`);
  const timeout = Number(value('timeout') ?? 900);
  if (!(timeout > 0)) throw new Error('--timeout takes a number of seconds');
  return { mode, grep: value('grep'), timeoutMs: timeout * 1000, installOnly: argv.includes('--install-only'), verbose: argv.includes('--verbose') };
}

const print = (line: string) => console.log(line);
// Set when the hard limit strikes: the errors of the work it cut short are noise.
let abandoned = false;
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const root = findRepoRoot(__dirname);
  const install = await ensureCodeServer({ cacheDir: join(root, '.vscode-test'), log: print });
  if (options.installOnly) return 0;

  const paths = {
    extension: root,
    workspace: join(root, 'test', 'host', 'fixtures', 'workspace'),
    suiteEntry: join(root, 'dist', 'test', 'host', 'suite', 'index.js'),
    uiTests: join(root, 'dist', 'test', 'host', 'ui'),
    artifacts: join(root, 'test-artifacts'),
  };
  for (const required of [join(root, 'dist', 'extension.js'), paths.suiteEntry]) {
    if (!existsSync(required)) throw new Error(`${required} is missing: build first (node esbuild.mjs --tests).`);
  }

  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'llmbatch-host-'));
  const servers: CodeServer[] = [];
  let browser: LoopbackBrowser | undefined;
  const cleanUp = async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(scratch, { recursive: true, force: true });
  };
  // The hard limit ends everything, whatever is hanging.
  const watchdog = setTimeout(() => {
    abandoned = true;
    print(`Host tests exceeded ${options.timeoutMs / 1000} s: stopping code-server and Chromium.`);
    void cleanUp().finally(() => process.exit(1));
  }, options.timeoutMs);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

  // Each phase gets its own server and browser context: a workbench restores the
  // editors, untitled files and storage a previous session left behind.
  const phase = async (chromium: LoopbackBrowser, name: Mode, run: (origin: string, context: BrowserContext) => Promise<SuiteOutcome>): Promise<SuiteOutcome> => {
    const phaseStarted = Date.now();
    const env: Record<string, string> = options.grep ? { LLMBATCH_TEST_GREP: options.grep } : {};
    const server = await startCodeServer({ install, workspace: paths.workspace, scratchDir: join(scratch, name), env });
    servers.push(server);
    print(`code-server ${install.version} up at ${server.origin} after ${seconds(phaseStarted)} s`);
    const context = await chromium.newContext();
    try {
      const outcome = await run(server.origin, context);
      if (!outcome.completed) {
        mkdirSync(paths.artifacts, { recursive: true });
        copyFileSync(server.logFile, join(paths.artifacts, `code-server-${name}.log`));
        print(`code-server's own output is in ${join(paths.artifacts, `code-server-${name}.log`)}`);
      }
      return outcome;
    } finally {
      await context.close().catch(() => undefined);
      await server.stop();
    }
  };

  let summary: string | undefined;
  try {
    browser = await launchLoopbackBrowser({ executablePath: process.env.LLMBATCH_CHROMIUM });
    const outcomes: SuiteOutcome[] = [];
    if (options.mode !== 'ui') {
      const suiteStarted = Date.now();
      const outcome = await phase(browser, 'suite', (origin, context) =>
        runHostSuite({
          context,
          origin,
          extensionDir: paths.extension,
          suiteEntry: paths.suiteEntry,
          workspace: paths.workspace,
          timeoutMs: Math.max(10_000, options.timeoutMs - (Date.now() - started) - 15_000),
          logFile: join(paths.artifacts, 'host-suite.log'),
          verbose: options.verbose,
          print,
        }),
      );
      print(`In-host suite: ${outcome.passed} passed, ${outcome.failed} failed in ${seconds(suiteStarted)} s`);
      outcomes.push(outcome);
    }
    if (options.mode !== 'suite') {
      const uiStarted = Date.now();
      const files = existsSync(paths.uiTests) ? readdirSync(paths.uiTests).filter((name) => name.endsWith('.test.js')) : [];
      const outcome = await phase(browser, 'ui', (origin, context) =>
        runUiTests({
          context,
          origin,
          extensionDir: paths.extension,
          workspace: paths.workspace,
          files: files.sort().map((name) => join(paths.uiTests, name)),
          artifactsDir: paths.artifacts,
          grep: options.grep,
          print,
        }),
      );
      print(`UI tests: ${outcome.passed} passed, ${outcome.failed} failed in ${seconds(uiStarted)} s`);
      outcomes.push(outcome);
    }
    if (browser.blockedHosts.size > 0) print(`Requests blocked (not on this machine): ${[...browser.blockedHosts].join(', ')}`);

    const passed = outcomes.reduce((sum, outcome) => sum + outcome.passed, 0);
    const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
    const incomplete = outcomes.some((outcome) => !outcome.completed);
    summary = `host: ${passed} passed, ${failed} failed`;
    return failed === 0 && !incomplete ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
    print(`Host run took ${seconds(started)} s (code-server starts, Chromium, tests, shutdown).`);
    // Last, alone on its line: CI logs are read for this closing count.
    if (summary) print(summary);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (abandoned) return;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`The VS Code host tests could not run: ${message}`);
    console.error(`(Runner: ${dirname(__filename)}; see test/host/README.md for what the host needs.)`);
    process.exit(1);
  },
);
