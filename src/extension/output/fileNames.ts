/** How a file is named in messages, titles and export names: its last path segment. */
import * as vscode from 'vscode';

/** `translate.llmbatch` for `file:///work/translate.llmbatch`; the whole URI when its path has no name. */
export function fileNameOf(uri: vscode.Uri | string): string {
  const path = typeof uri === 'string' ? vscode.Uri.parse(uri).path : uri.path;
  return path.slice(path.lastIndexOf('/') + 1) || uri.toString();
}
