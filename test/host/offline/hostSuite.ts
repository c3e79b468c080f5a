/**
 * Runs the mocha suite inside the workbench's (Node) extension host, the way VS
 * Code's own browser integration tests do: the test payload goes in the URL, the
 * suite's console output comes back through `codeAutomationLog`, and its result
 * through `codeAutomationExit`.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { format } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import { remoteUri, workbenchUrl } from './browser';

export interface HostSuiteOptions {
  readonly context: BrowserContext;
  readonly origin: string;
  /** The extension under test (folder holding its package.json). */
  readonly extensionDir: string;
  /** The compiled suite entry exporting `run()`. */
  readonly suiteEntry: string;
  readonly workspace: string;
  readonly timeoutMs: number;
  readonly print: (line: string) => void;
  /** Receives every console line of the workbench and the suite. */
  readonly logFile: string;
  /** Print the workbench's own console chatter too. */
  readonly verbose?: boolean;
}

export interface SuiteOutcome {
  readonly passed: number;
  readonly failed: number;
  /** False when the suite never reported (crash, timeout): treat as failed. */
  readonly completed: boolean;
}

/** Matches the summary line `suite/index.ts` prints last. */
export const summaryPattern = /^host suite: (\d+) passed, (\d+) failed$/m;

// The workbench's own console (connection, startup timings, disabled gallery,
// sign-in providers that never come offline) shares the channel with the suite.
const workbenchChatter = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[(reconnection-grace-time|Service Worker|AccountPolicyGate|AgentHost:\w+)\]/,
  /^Creation of workbench contribution/,
  /additional builtin extensions/,
  /^Extension host \(Remote\) is (un)?responsive/,
  /^Timed out waiting for authentication provider/,
];

function isWorkbenchChatter(line: string): boolean {
  return workbenchChatter.some((pattern) => pattern.test(line));
}

/** Opens the workbench with the test payload and waits for the suite to exit. */
export async function runHostSuite(options: HostSuiteOptions): Promise<SuiteOutcome> {
  const page = await options.context.newPage();
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile);
  const opened = Date.now();
  let summary: { passed: number; failed: number } | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    const match = summaryPattern.exec(line);
    if (match) summary = { passed: Number(match[1]), failed: Number(match[2]) };
    log.write(`+${((Date.now() - opened) / 1000).toFixed(1)}s [${type}] ${line}\n`);
    if (options.verbose || !isWorkbenchChatter(line)) options.print(type === 'error' ? `[host:error] ${line}` : line);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  page.on('pageerror', (error) => options.print(`[workbench] ${error.message}`));

  const payload = [
    ['extensionDevelopmentPath', remoteUri(options.origin, options.extensionDir)],
    ['extensionTestsPath', remoteUri(options.origin, options.suiteEntry)],
  ] as const;
  await page.goto(workbenchUrl(options.origin, options.workspace, payload), { waitUntil: 'domcontentloaded', timeout: 120_000 });

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
  const code = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  await page.close().catch(() => undefined);
  log.end();

  if (code === 'timeout') {
    options.print(`The host suite did not finish within ${Math.round(options.timeoutMs / 1000)} s.`);
    return { passed: summary?.passed ?? 0, failed: Math.max(1, summary?.failed ?? 0), completed: false };
  }
  if (!summary) {
    options.print(`The extension host exited with code ${code} before the suite reported a result.`);
    return { passed: 0, failed: 1, completed: false };
  }
  // The exit code is the authority; the summary only supplies counts.
  return { passed: summary.passed, failed: code === 0 ? summary.failed : Math.max(1, summary.failed), completed: true };
}
