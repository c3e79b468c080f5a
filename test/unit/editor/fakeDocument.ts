/** A plain stand-in for `vscode.TextDocument`, enough for the editor's parse cache. */
import type { DocumentLike } from '../../../src/extension/editor/parsedDocuments';

export interface FakeDocument extends DocumentLike {
  setText(text: string): void;
}

export function fakeDocument(path: string, text: string, languageId: string, scheme = 'file'): FakeDocument {
  let lines = text.split(/\r?\n/);
  let current = text;
  const uri = {
    scheme,
    fsPath: path,
    path,
    toString: () => `${scheme}://${path}`,
  };
  const document = {
    uri,
    languageId,
    version: 1,
    get lineCount() {
      return lines.length;
    },
    lineAt: (line: number) => ({ text: lines[line] ?? '' }),
    getText: () => current,
    setText(next: string) {
      current = next;
      lines = next.split(/\r?\n/);
      document.version++;
    },
  };
  return document as unknown as FakeDocument;
}
