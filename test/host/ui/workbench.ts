/**
 * What UI tests drive: a live VS Code workbench in Chromium with the extension
 * under development loaded, opened on the fixture workspace.
 *
 * UI tests are mocha files `test/host/ui/*.test.ts` that run in the runner's own
 * Node process (not in the extension host); they get the workbench with
 * `workbenchOf(this)` inside a `function () {}` hook or test.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

const contextKey = 'llmbatchWorkbench';

export class Workbench {
  constructor(
    /** The Playwright page showing the workbench, for anything the helpers below lack. */
    readonly page: Page,
    private readonly artifactsDir: string,
  ) {}

  /** Waits until the workbench has rendered and its extension host has started. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    // The explorer lists the workspace only once the remote connection is up.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Opens the command palette (F1), picks the command with this exact label and runs it. */
  async runCommand(label: string): Promise<void> {
    await this.openCommandPalette(label);
    await this.pick(exactLabel(label));
  }

  /** Opens the command palette (F1) and types `filter` into it, leaving it open. */
  async openCommandPalette(filter = ''): Promise<Locator> {
    const input = await this.openQuickInput('F1');
    await input.fill(`>${filter}`);
    return input;
  }

  /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab. */
  async openFile(relativePath: string): Promise<void> {
    const input = await this.openQuickInput('Control+P');
    await input.fill(relativePath);
    const slash = relativePath.lastIndexOf('/');
    const name = relativePath.slice(slash + 1);
    // Rows read "name folder, file results": the folder tells same-named files apart.
    await this.pick(slash < 0 ? exactLabel(name) : new RegExp(`^${escapeRegExp(name)} (.* )?${escapeRegExp(relativePath.slice(0, slash))}(,|$)`));
    await this.editorTab(name).waitFor({ state: 'visible' });
  }

  /** The tab of an open editor, by its exact title (e.g. `sample.llmbatch`). */
  editorTab(title: string): Locator {
    // A tab's accessible name is its title, followed by ", Editor Group N" once the editor area is split.
    return this.page.locator('.tabs-container').getByRole('tab', { name: exactLabel(title) });
  }

  /** A status bar entry by its id, e.g. `status.editor.mode` (the language picker). */
  statusBarItem(id: string): Locator {
    return this.page.locator(`[id="${id}"]`);
  }

  /** Notification toasts currently shown. */
  notifications(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  /**
   * The document inside the active webview panel (e.g. the results panel).
   * Webviews are nested iframes; only the visible one is `.ready` with an `#active-frame`.
   */
  activeWebview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** Saves a PNG of the whole workbench under test-artifacts/ and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(this.artifactsDir, { recursive: true });
    const path = join(this.artifactsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  private async openQuickInput(key: string): Promise<Locator> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    // Focus the workbench first: keys sent to a page with nothing focused go nowhere.
    await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press(key);
    await input.waitFor({ state: 'visible' });
    return input;
  }

  private async pick(exact: RegExp): Promise<void> {
    // Rows are matched by their accessible name ("label" or "label, keybinding"),
    // then reached with the arrow keys and run with Enter: the list re-renders while
    // results stream in, so a row rarely holds still long enough to be clicked.
    const rows = this.page.locator('.quick-input-list .monaco-list-row');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const labels = await rows.evaluateAll((elements) =>
        elements.map((element) => [element.getAttribute('aria-label') ?? '', element.classList.contains('focused')] as const),
      );
      const target = labels.findIndex(([name]) => exact.test(name));
      const focused = labels.findIndex(([, isFocused]) => isFocused);
      if (target >= 0 && target === focused) break;
      if (Date.now() > deadline) throw new Error(`${exact} matches none of the quick pick's rows: ${labels.map(([name]) => name).join(' | ')}`);
      if (target >= 0 && focused >= 0) await this.page.keyboard.press(target > focused ? 'ArrowDown' : 'ArrowUp');
      else await this.page.waitForTimeout(100);
    }
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }
}

/** Matches an accessible name that is `label`, or `label` followed by a comma and details. */
function exactLabel(label: string): RegExp {
  return new RegExp(`^${escapeRegExp(label)}(,|$)`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Hands the workbench to the UI tests (the runner calls this on mocha's root context). */
export function provideWorkbench(rootContext: Mocha.Context, workbench: Workbench): void {
  (rootContext as unknown as Record<string, unknown>)[contextKey] = workbench;
}

/** The workbench of the running UI test; throws when run outside the UI mode of the runner. */
export function workbenchOf(context: Mocha.Context): Workbench {
  const workbench = (context as unknown as Record<string, unknown>)[contextKey];
  if (!(workbench instanceof Object) || !('page' in workbench)) {
    throw new Error('No workbench: UI tests run through `node dist/test/host/runOffline.js --mode=ui`.');
  }
  return workbench as Workbench;
}
