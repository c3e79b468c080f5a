import assert from 'node:assert/strict';
import { workbenchOf } from './workbench';
import type { Workbench } from './workbench';

/** Opens a workspace file by path through Quick Open, taking the first match. */
async function openByPath(workbench: Workbench, path: string): Promise<void> {
  const { page } = workbench;
  await page.locator('.monaco-workbench').focus().catch(() => undefined);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(path);
  const name = path.split('/').pop() ?? path;
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await workbench.editorTab(name).waitFor({ state: 'visible' });
}

describe('a .llmbatch file in the editor', () => {
  it('shows run lenses with request counts and colours the file by its grammar', async function () {
    const workbench = workbenchOf(this);
    await openByPath(workbench, 'editor/translate.llmbatch');
    const lenses = workbench.page.locator('.monaco-editor .codelens-decoration');
    await lenses.filter({ hasText: 'Run · 12 requests' }).first().waitFor({ state: 'visible', timeout: 90_000 });
    const text = (await lenses.allInnerTexts()).join('\n');
    assert.match(text, /Run all · 29 requests/);
    assert.match(text, /Run · 1 request\b/);
    // The grammar gives a separator line and a role keyword colours of their own, unlike plain message text.
    const firstTokenColour = (line: string) =>
      workbench.page
        .locator('.monaco-editor .view-line', { hasText: new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s')}$`) })
        .locator('span > span')
        .first()
        .evaluate((element) => getComputedStyle(element).color);
    const plain = await firstTokenColour('Answer with the translation only.');
    assert.notEqual(await firstTokenColour('### translate'), plain);
    assert.notEqual(await firstTokenColour('system: You are a careful translator.'), plain);
    await workbench.screenshot('editor-translate-llmbatch');
  });
});
