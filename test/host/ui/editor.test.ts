import assert from 'node:assert/strict';
import { workbenchOf } from './workbench';

describe('a .llmbatch file in the editor', () => {
  it('shows run lenses with request counts and colours the file by its grammar', async function () {
    const workbench = workbenchOf(this);
    await workbench.openFile('editor/translate.llmbatch');
    const lenses = workbench.page.locator('.monaco-editor .codelens-decoration');
    await lenses.filter({ hasText: 'Run · 12 requests' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await lenses.allInnerTexts()).join('\n');
    assert.match(text, /Run all · 29 requests/);
    assert.match(text, /Run · 1 request\b/);
    // The grammar gives the separator and a role keyword colours of their own, unlike plain message text.
    const colourOf = (text: string) =>
      workbench.page
        .locator('.monaco-editor .view-line span > span', { hasText: new RegExp(`^${text}$`) })
        .first()
        .evaluate((element) => getComputedStyle(element).color);
    const plain = await colourOf('Answer with the translation only.');
    assert.notEqual(await colourOf('###'), plain);
    assert.notEqual(await colourOf('system'), plain);
    await workbench.screenshot('editor-translate-llmbatch');
  });
});
