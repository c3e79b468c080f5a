import assert from 'node:assert/strict';
import { workbenchOf } from './workbench';

describe('the workbench with llmbatch loaded', () => {
  it('opens a .llmbatch file as an LLM Batch document', async function () {
    const workbench = workbenchOf(this);
    await workbench.openFile('sample.llmbatch');
    const language = workbench.statusBarItem('status.editor.mode');
    await language.waitFor({ state: 'visible' });
    assert.match((await language.innerText()).trim(), /^LLM Batch$/);
    await workbench.screenshot('llmbatch-file-open');
  });

  it('runs a command picked from the command palette (F1)', async function () {
    const workbench = workbenchOf(this);
    await workbench.openFile('sample.llmbatch');
    await workbench.runCommand('View: Close All Editors');
    await workbench.editorTab('sample.llmbatch').waitFor({ state: 'detached' });
    assert.equal(await workbench.page.locator('.tabs-container .tab').count(), 0);
    await workbench.screenshot('command-palette-closed-editors');
  });
});
