/**
 * The run commands of the "LLM Batch" category: Run Batch, Run Request at
 * Cursor, Run Block (CodeLens), Re-run Failed, Cancel Run, Show Results, Dry
 * Run, Set API Key…, Clear Cache.
 */
import * as vscode from 'vscode';
import { readProfiles } from '../config/settings';
import type { KeyStore } from '../keys/keyStore';
import { promptForApiKey } from '../keys/keyStore';
import type { Log } from '../output/log';
import { loadBatch } from '../batchFile/batchSource';
import type { GetParsed } from '../batchFile/batchSource';
import { readRunSettings } from '../config/settings';
import type { BatchRunResult, RunController } from './runController';
import { RunRefusedError } from '../batchFile/runSetup';
import { format429s } from '../output/runText';
import type { Selection } from '../batchFile/runSetup';
import { fileNameOf } from '../output/fileNames';

export interface RunCommandDeps {
  readonly runs: RunController;
  readonly keys: KeyStore;
  readonly log: Log;
  /** Opens the results panel of a file (or of the latest run). */
  readonly showResults: (uri?: vscode.Uri) => unknown;
  readonly getParsed?: GetParsed;
}

const runnableGlob = '**/*.{llmbatch,jsonl}';

export function registerRunCommands(deps: RunCommandDeps): vscode.Disposable[] {
  const { runs, keys, log } = deps;
  const run = (uri: vscode.Uri, options: Parameters<RunController['run']>[1]) => report(runs.run(uri, { confirm: true, ...options }), deps);
  return [
    vscode.commands.registerCommand('llmbatch.runBatch', async (arg?: unknown) => {
      const uri = toUri(arg) ?? activeRunnable() ?? (await pickRunnable());
      return uri ? run(uri, {}) : undefined;
    }),
    vscode.commands.registerCommand('llmbatch.runRequestAtCursor', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !isRunnable(editor.document)) {
        void vscode.window.showWarningMessage('LLM Batch: open a .llmbatch or OpenAI Batch .jsonl file and put the cursor in a request.');
        return;
      }
      const selection = await selectionAt(editor.document.uri, editor.selection.active.line, deps.getParsed);
      return selection ? run(editor.document.uri, selection) : undefined;
    }),
    vscode.commands.registerCommand('llmbatch.runBlock', async (arg?: unknown, block?: unknown) => {
      const uri = toUri(arg) ?? activeRunnable();
      if (!uri) return undefined;
      return run(uri, typeof block === 'string' || typeof block === 'number' ? { blocks: [block] } : {});
    }),
    vscode.commands.registerCommand('llmbatch.rerunFailed', async (arg?: unknown) => {
      const uri = toUri(arg) ?? (runs.currentFileUri ? vscode.Uri.parse(runs.currentFileUri) : activeRunnable());
      return report(
        runs.rerunFailed(uri, { confirm: true }).then((result) => {
          if (!result) void vscode.window.showInformationMessage('LLM Batch: nothing failed in the latest run.');
          return result;
        }),
        deps,
      );
    }),
    vscode.commands.registerCommand('llmbatch.cancelRun', (arg?: unknown) => {
      // From a file's menu, that file's run; from the palette, every run in progress.
      if (!runs.cancel(toUri(arg))) void vscode.window.showInformationMessage('LLM Batch: no run in progress.');
    }),
    vscode.commands.registerCommand('llmbatch.showResults', (arg?: unknown) => {
      const uri = toUri(arg) ?? (runs.currentFileUri ? vscode.Uri.parse(runs.currentFileUri) : activeRunnable());
      return deps.showResults(uri);
    }),
    vscode.commands.registerCommand('llmbatch.dryRun', async (arg?: unknown) => {
      const uri = toUri(arg) ?? activeRunnable() ?? (await pickRunnable());
      if (!uri) return undefined;
      try {
        const report = await runs.dryRun(uri);
        // A log entry is one line (see Log), so the report goes line by line.
        for (const line of [`Dry run of ${fileNameOf(uri)}:`, ...report.detail.split('\n')]) log.info(line);
        void vscode.window.showInformationMessage(`LLM Batch dry run — ${report.summary}`, { modal: true, detail: report.detail });
        return report;
      } catch (error) {
        showRefusal(error, deps);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('llmbatch.setApiKey', (profile?: unknown) => promptForApiKey(keys, readProfiles(), typeof profile === 'string' ? profile : undefined)),
    vscode.commands.registerCommand('llmbatch.clearCache', async () => {
      await runs.clearCache();
      log.info('Cache cleared.');
      void vscode.window.showInformationMessage('LLM Batch: the cache of this workspace is empty.');
    }),
  ];
}

/** Awaits a run and tells the user how it went; refusals become an error message, not an exception. */
export async function report(running: Promise<BatchRunResult | undefined>, deps: Pick<RunCommandDeps, 'log'>): Promise<BatchRunResult | undefined> {
  try {
    const result = await running;
    if (result) summarize(result);
    return result;
  } catch (error) {
    showRefusal(error, deps);
    return undefined;
  }
}

function summarize(result: BatchRunResult): void {
  const { stats } = result;
  const parts = [`${stats.succeeded} answered${stats.cached ? ` (${stats.cached} cached)` : ''}`];
  if (stats.failed) parts.push(`${stats.failed} failed`);
  if (stats.unfinished) parts.push(`${stats.unfinished} not run`);
  if (stats.rateLimited429s) parts.push(format429s(stats.rateLimited429s));
  const file = fileNameOf(vscode.Uri.parse(result.fileUri));
  const message = `LLM Batch: ${file} ${stats.cancelled ? 'cancelled' : 'done'} — ${parts.join(', ')}`;
  const actions = stats.failed || stats.unfinished ? ['Show Results', 'Re-run Failed'] : ['Show Results'];
  const shown = stats.failed ? vscode.window.showWarningMessage(message, ...actions) : vscode.window.showInformationMessage(message, ...actions);
  void shown.then((action) => {
    if (action === 'Show Results') void vscode.commands.executeCommand('llmbatch.showResults', vscode.Uri.parse(result.fileUri));
    if (action === 'Re-run Failed') void vscode.commands.executeCommand('llmbatch.rerunFailed', vscode.Uri.parse(result.fileUri));
  });
}

function showRefusal(error: unknown, deps: Pick<RunCommandDeps, 'log'>): void {
  if (error instanceof RunRefusedError) {
    if (error.message === 'Run not started.') return;
    const actions = error.missingKeyFor ? ['Set API Key…'] : error.problems.length ? ['Show Problems'] : [];
    void vscode.window.showErrorMessage(`LLM Batch: ${error.message}`, ...actions).then((action) => {
      if (action === 'Set API Key…') void vscode.commands.executeCommand('llmbatch.setApiKey', error.missingKeyFor);
      if (action === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  deps.log.error(`Run failed: ${message}`);
  void vscode.window.showErrorMessage(`LLM Batch: ${message}`);
}

/** The block (or .jsonl line) under the cursor. */
async function selectionAt(uri: vscode.Uri, line: number, getParsed?: GetParsed): Promise<Selection | undefined> {
  const batch = await loadBatch(uri, readRunSettings(uri).defaultProvider, getParsed);
  if (batch.kind === 'jsonl') {
    const item = batch.items.find((candidate) => candidate.source && candidate.source.startLine <= line && line <= candidate.source.endLine);
    if (item) return { onlyIds: [item.id] };
  } else {
    const index = batch.blocks.findIndex((block) => block.range.startLine <= line && line <= block.range.endLine);
    if (index >= 0) return { blocks: [index] };
  }
  void vscode.window.showWarningMessage(
    batch.kind === 'jsonl' ? 'LLM Batch: the cursor is not on a request line.' : 'LLM Batch: put the cursor inside a request block (below a ### line).',
  );
  return undefined;
}

function isRunnable(document: vscode.TextDocument): boolean {
  return document.languageId === 'llmbatch' || /\.(llmbatch|jsonl)$/i.test(document.uri.path);
}

function activeRunnable(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && isRunnable(document) ? document.uri : undefined;
}

async function pickRunnable(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles(runnableGlob, '**/node_modules/**', 500);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('LLM Batch: no .llmbatch or .jsonl files in this workspace.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files
      .map((uri) => ({ label: fileNameOf(uri), description: vscode.workspace.asRelativePath(uri), uri }))
      .sort((a, b) => a.description.localeCompare(b.description)),
    { title: 'LLM Batch: Run Batch', placeHolder: 'Which file?' },
  );
  return picked?.uri;
}

function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg !== '') return /^[a-z][\w+.-]+:/i.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  return undefined;
}
