import assert from 'node:assert/strict';
import { workbenchOf } from './workbench';

describe('the workbench with llmbatch loaded', () => {
  it('opens a .llmbatch file as an LLM Batch document', async function () {
    const workbench = workbenchOf(this);
    await workbench.openFile('sample.llmbatch');
    const language = workbench.statusBarItem('status.editor.mode');
    await language.waitFor({ state: 'visible' });
    assert.equal((await language.innerText()).trim(), 'LLM Batch');
    await workbench.screenshot('llmbatch-file-open');
  });

  it('runs a command typed into the command palette (F1)', async function () {
    const workbench = workbenchOf(this);
    await workbench.openFile('sample.llmbatch');
    await workbench.openCommandPalette('View: Close All Editors');
    await workbench.screenshot('command-palette');
    await workbench.runCommand('View: Close All Editors');
    await workbench.editorTab('sample.llmbatch').waitFor({ state: 'detached' });
    assert.equal(await workbench.page.locator('.tabs-container [role="tab"]').count(), 0);
  });
});
