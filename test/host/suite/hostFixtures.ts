/** What the in-host suites share: the extension under test, its settings and the fixture workspace. */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LlmbatchApi } from '../../../src/extension/extension';

export const extensionId = 'llmbatch.llmbatch';

export const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('llmbatch');

/** A file of the fixture workspace. */
export function fixture(path: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is not open');
  return vscode.Uri.joinPath(folder.uri, path);
}

/** Activates the extension (once; later calls return the same API). */
export async function activateExtension(): Promise<LlmbatchApi> {
  const extension = vscode.extensions.getExtension<LlmbatchApi>(extensionId);
  assert.ok(extension);
  return extension.activate();
}
