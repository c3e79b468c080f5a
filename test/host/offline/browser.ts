/**
 * Headless Chromium (the distribution's, driven by playwright-core) that can only
 * reach this machine: every request to another host is aborted.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';

export const defaultChromiumPath = '/usr/bin/chromium';

export interface LoopbackBrowser {
  readonly browser: Browser;
  /** A fresh context (no storage shared with earlier ones) whose requests to any host but this machine are aborted. */
  newContext(): Promise<BrowserContext>;
  /** Hosts whose requests were aborted, for diagnosing a workbench that hangs. */
  readonly blockedHosts: ReadonlySet<string>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  readonly executablePath?: string;
  readonly viewport?: { width: number; height: number };
}

/** Launches Chromium; playwright gives it a fresh temporary profile. */
export async function launchLoopbackBrowser(options: LaunchOptions = {}): Promise<LoopbackBrowser> {
  const executablePath = options.executablePath ?? defaultChromiumPath;
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set LLMBATCH_CHROMIUM.`);
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // prettier-ignore
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const blockedHosts = new Set<string>();
  const newContext = async () => {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
      blockedHosts.add(url.host);
      return route.abort('blockedbyclient');
    });
    return context;
  };
  return {
    browser,
    newContext,
    blockedHosts,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}

/** A `vscode-remote://` URI for a path on the server the workbench at `origin` talks to. */
export function remoteUri(origin: string, path: string): string {
  return `vscode-remote://${new URL(origin).host}${path}`;
}

/**
 * The workbench URL opening `folder`, with the settings VS Code's own browser
 * integration tests pass in the `payload` query parameter (extension
 * development path, extension tests path, …).
 */
export function workbenchUrl(origin: string, folder: string, payload: ReadonlyArray<readonly [string, string]>): string {
  const query = new URLSearchParams({ folder });
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  return `${origin}/?${query.toString()}`;
}
