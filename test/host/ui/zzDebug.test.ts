import { workbenchOf } from './workbench';

describe('zz debug palette', () => {
  it('shows what the palette offers', async function () {
    const workbench = workbenchOf(this);
    await workbench.openFile('runs/greetings.llmbatch');
    const labels = await workbench.page.locator('.editor-actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    console.log('EDITOR ACTIONS', JSON.stringify(labels));
    await workbench.page.keyboard.press('F1');
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>LLM Batch');
    await new Promise((r) => setTimeout(r, 3000));
    const rows = await workbench.page.locator('.quick-input-list .monaco-list-row').evaluateAll((els) => els.map((e) => e.textContent));
    console.log('PALETTE', JSON.stringify(rows));
    await workbench.screenshot('zz-palette');
  });
});
