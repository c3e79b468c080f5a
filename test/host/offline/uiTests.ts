/**
 * Runs the UI test files (mocha, in this process) against one workbench page that
 * has the extension under development loaded but no test payload, so it stays up.
 */
import Mocha from 'mocha';
import type { BrowserContext } from 'playwright-core';
import { provideWorkbench, Workbench } from '../ui/workbench';
import { remoteUri, workbenchUrl } from './browser';
import type { SuiteOutcome } from './hostSuite';

export interface UiTestOptions {
  readonly context: BrowserContext;
  readonly origin: string;
  readonly extensionDir: string;
  readonly workspace: string;
  /** Compiled UI test files to run. */
  readonly files: readonly string[];
  /** Screenshots go here (failed tests get one automatically). */
  readonly artifactsDir: string;
  readonly grep?: string;
  readonly testTimeoutMs?: number;
  readonly print: (line: string) => void;
}

/** Opens the workbench, waits for it, and runs `files` with mocha. */
export async function runUiTests(options: UiTestOptions): Promise<SuiteOutcome> {
  if (options.files.length === 0) {
    options.print('No UI test files found.');
    return { passed: 0, failed: 0, completed: true };
  }
  const page = await options.context.newPage();
  page.on('pageerror', (error) => options.print(`[workbench] ${error.message}`));
  const payload = [['extensionDevelopmentPath', remoteUri(options.origin, options.extensionDir)]] as const;
  // Generous: on a busy 2-core machine the workbench can take a minute to settle.
  page.setDefaultTimeout(60_000);
  const workbench = new Workbench(page, options.artifactsDir);
  try {
    await page.goto(workbenchUrl(options.origin, options.workspace, payload), { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await workbench.waitUntilReady(120_000);
  } catch (error) {
    const path = await workbench.screenshot('workbench-not-ready').catch(() => undefined);
    options.print(`The workbench did not come up for the UI tests: ${error instanceof Error ? error.message : String(error)}`);
    if (path) options.print(`Screenshot: ${path}`);
    await page.close().catch(() => undefined);
    return { passed: 0, failed: 1, completed: false };
  }

  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: options.testTimeoutMs ?? 120_000 });
  if (options.grep) mocha.grep(options.grep);
  provideWorkbench(mocha.suite.ctx, workbench);
  mocha.suite.afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== 'failed') return;
    const path = await workbench.screenshot(`failed-${test.fullTitle()}`).catch(() => undefined);
    if (path) options.print(`    screenshot of the failure: ${path}`);
  });
  for (const file of options.files) mocha.addFile(file);
  await mocha.loadFilesAsync();

  const outcome = await new Promise<SuiteOutcome>((resolve) => {
    const runner = mocha.run((failures) => resolve({ passed: runner.stats?.passes ?? 0, failed: failures, completed: true }));
  });
  await page.close().catch(() => undefined);
  return outcome;
}
