import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { extensionId } from './hostFixtures';

function fixture(path: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is not open');
  return vscode.Uri.joinPath(folder.uri, 'editor', path);
}

/** Polls until `read` returns a value `accept` takes, or fails with the last value seen. */
async function until<T>(read: () => T, accept: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (accept(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}; last seen: ${JSON.stringify(value, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ours(uri: vscode.Uri) {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((diagnostic) => diagnostic.source === 'LLM Batch')
    .map((diagnostic) => ({
      severity: vscode.DiagnosticSeverity[diagnostic.severity],
      message: diagnostic.message,
      range: [diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.range.end.line, diagnostic.range.end.character],
    }))
    .sort((a, b) => a.range[0]! - b.range[0]! || a.range[1]! - b.range[1]!);
}

/** A copy of a fixture outside the workspace, for tests that edit and save. */
function scratchCopy(path: string): vscode.Uri {
  scratchDir ??= mkdtempSync(join(tmpdir(), 'llmbatch-editor-'));
  const copy = join(scratchDir, `${scratchCount++}-${path}`);
  writeFileSync(copy, readFileSync(fixture(path).fsPath));
  return vscode.Uri.file(copy);
}
let scratchDir: string | undefined;
let scratchCount = 0;

async function open(path: string | vscode.Uri): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(typeof path === 'string' ? fixture(path) : path);
  await vscode.window.showTextDocument(document);
  return document;
}

function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : ''))
    .join('\n');
}

function positionOf(document: vscode.TextDocument, needle: string, offset = 1): vscode.Position {
  const index = document.getText().indexOf(needle);
  assert.ok(index >= 0, `${needle} is in ${document.uri.path}`);
  return document.positionAt(index + offset);
}

describe('editing .llmbatch files', function () {
  this.timeout(30_000);

  before(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(() => {
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  });

  it('gives .llmbatch files their language and activates on opening one', async () => {
    const document = await open('translate.llmbatch');
    assert.equal(document.languageId, 'llmbatch');
    await until(() => vscode.extensions.getExtension(extensionId)?.isActive, (active) => active === true, 'the extension did not activate');
  });

  it('underlines exactly the bad value, the misspelt variable and the unused one', async () => {
    const document = await open('problems.llmbatch');
    const diagnostics = await until(() => ours(document.uri), (list) => list.length >= 3, 'no diagnostics appeared');
    assert.deepEqual(diagnostics, [
      { severity: 'Error', message: 'temperature must be between 0 and 2 (got 3)', range: [1, 15, 1, 16] },
      { severity: 'Warning', message: 'variable @lang is never used: no {{lang}} refers to it, yet its 2 values each make a separate request', range: [4, 0, 4, 5] },
      { severity: 'Error', message: 'unknown variable {{lnag}} — did you mean {{lang}}?', range: [5, 19, 5, 27] },
    ]);
  });

  it('updates problems shortly after typing, without saving', async () => {
    const document = await open(scratchCopy('problems.llmbatch'));
    await until(() => ours(document.uri).length, (count) => count === 3, 'the problems were not reported');
    const edit = new vscode.WorkspaceEdit();
    const misspelt = document.getText().indexOf('{{lnag}}') + 2;
    edit.replace(document.uri, new vscode.Range(document.positionAt(misspelt), document.positionAt(misspelt + 4)), 'lang');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const after = await until(() => ours(document.uri), (list) => list.length === 1, 'the fixed variable is still reported');
    assert.equal(after[0]?.message, 'temperature must be between 0 and 2 (got 3)');
    assert.equal(document.isDirty, true);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('clears a file\'s problems when it is closed', async () => {
    const document = await open(scratchCopy('problems.llmbatch'));
    await until(() => ours(document.uri).length, (count) => count === 3, 'the problems were not reported');
    // Changing the language closes the document as an llmbatch file, as closing it does.
    await vscode.languages.setTextDocumentLanguage(document, 'plaintext');
    await until(() => ours(document.uri), (list) => list.length === 0, 'problems stayed after the file was closed');
  });

  it('shows CodeLens with request counts above the file and each block', async () => {
    const document = await open('translate.llmbatch');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100);
    const rows = lenses
      .map((lens) => [lens.range.start.line, lens.command?.title, lens.command?.command, ...(lens.command?.arguments ?? [])])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    const uri = document.uri.toString();
    const line = (prefix: string) => document.getText().split('\n').findIndex((text) => text.startsWith(prefix));
    assert.deepEqual(rows, [
      [0, '▶ Run all · 29 requests', 'llmbatch.runBatch', uri],
      [0, 'Dry run', 'llmbatch.dryRun', uri],
      [line('### translate'), '▶ Run · 12 requests', 'llmbatch.runBlock', uri, 0],
      [line('### summarize-notes'), '▶ Run · 1 request', 'llmbatch.runBlock', uri, 1],
      [line('### classify'), '▶ Run · 16 requests', 'llmbatch.runBlock', uri, 2],
    ]);
  });

  it('points CodeLens at the problems when the file has errors', async () => {
    const document = await open('problems.llmbatch');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100);
    assert.deepEqual(
      lenses.map((lens) => [lens.range.start.line, lens.command?.title, lens.command?.command]),
      [
        [0, '⚠ 2 problems', 'workbench.actions.view.problems'],
        [3, '⚠ 1 problem', 'workbench.actions.view.problems'],
      ],
    );
  });

  it('explains settings and variables on hover', async () => {
    const document = await open('translate.llmbatch');
    const hover = (needle: string, offset?: number) =>
      vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, positionOf(document, needle, offset)).then(hoverText);
    const onOverride = await hover('@model = gpt');
    assert.match(onOverride, /Value `"gpt-4o-mini"`/);
    assert.match(onOverride, /Replaces the file header's sweep over 2 values/);
    assert.match(onOverride, /expands to \*\*1 request\*\*/);
    const onVariable = await hover('{{lang}}', 3);
    assert.match(onVariable, /Defined in this block \(line 8\)/);
    assert.match(onVariable, /Sweep over 3 values: `"French"`, `"German"`, `"Japanese"`/);
    assert.match(onVariable, /\*\*12 requests\*\* \(2 model × 2 temperature × 3 lang\)/);
    const onColumn = await hover('{{review}}', 3);
    assert.match(onColumn, /Column of `reviews\.csv`: one request per row \(2 rows\)/);
  });

  it('folds each block from its ### line', async () => {
    const document = await open('translate.llmbatch');
    const ranges = await vscode.commands.executeCommand<vscode.FoldingRange[]>('vscode.executeFoldingRangeProvider', document.uri);
    const lines = document.getText().split('\n');
    const start = lines.findIndex((text) => text.startsWith('### translate'));
    const end = lines.findIndex((text) => text.startsWith('Answer with'));
    assert.ok(
      ranges.some((range) => range.start === start && range.end === end),
      JSON.stringify(ranges),
    );
  });

  it('checks OpenAI Batch input .jsonl files but not other JSON Lines files', async () => {
    const batch = await open('batch.jsonl');
    const diagnostics = await until(() => ours(batch.uri), (list) => list.length > 0, 'the broken batch line was not reported');
    assert.deepEqual(
      diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.range[0]]),
      [['Error', 1]],
    );
    assert.match(diagnostics[0]?.message ?? '', /not valid JSON/);
    const rows = await open('rows.jsonl');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(ours(rows.uri), []);
  });
});
