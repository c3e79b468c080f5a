import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const extensionId = 'llmbatch.llmbatch';

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('llmbatch in a VS Code extension host', () => {
  it('is installed as the extension under development', () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not among the host's extensions`);
    assert.equal(extension.packageJSON.name, 'llmbatch');
    console.log(
      `    host: VS Code ${vscode.version}, uiKind ${vscode.UIKind[vscode.env.uiKind]}, ` +
        `remote ${vscode.env.remoteName ?? 'none'}, Node ${process.version}, app ${vscode.env.appName}`,
    );
  });

  it('recognises a .llmbatch file and activates when one is opened', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the fixture workspace is not open');
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'sample.llmbatch'));
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'llmbatch');

    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(await eventually(() => extension?.isActive === true, 10_000), 'the extension did not activate');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
