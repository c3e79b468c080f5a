/**
 * The results panels of all files: follows run events, opens a panel beside
 * the editor when a run starts (one per file), restores panels after a reload,
 * and keeps each file's last runs in workspace storage.
 */
import * as vscode from 'vscode';
import type { RunEvent } from '../runs/runEvents';
import type { HistoryEntry } from '../../webview/protocol';
import { resultsViewType } from '../../webview/protocol';
import type { CostFunction } from './rowModel';
import type { ResultsActions } from './resultsPanel';
import { ResultsPanel, toRunProgress, webviewOptions } from './resultsPanel';
import { RunHistory } from './runHistory';
import { RunRecord } from './runRecord';
import { RunRecords } from './runRecords';
import { costOf as defaultCostOf } from '../../core/pricing';
import { fileNameOf } from '../output/fileNames';

export interface ResultsDeps {
  /** The run controller's events. */
  readonly runEvents: vscode.Event<RunEvent>;
  readonly actions: ResultsActions;
  /** Each file's latest run, shared with the run controller (which asks it what a re-run sends); one of the controller's own by default. */
  readonly records?: RunRecords;
  /** Prices answers; the built-in price list by default. */
  readonly costOf?: CostFunction;
  /** Where ignored webview messages and storage problems are reported. */
  readonly log?: (message: string) => void;
}

/** What the rest of the extension calls. */
export interface ResultsPanels {
  /** Opens (or reveals) the results of `uri` — or of the active file, or of the latest run — beside the editor. */
  showResults(uri?: vscode.Uri): Promise<void>;
}

const defaultHistorySize = 5;

export class ResultsController implements ResultsPanels, vscode.Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  private readonly records: RunRecords;
  /** Run ids of live runs, re-runs included, to the record they fill. */
  private readonly live = new Map<string, RunRecord>();
  private lastFileUri: string | undefined;
  private historyStore: RunHistory | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: ResultsDeps,
  ) {
    this.records = deps.records ?? new RunRecords();
    this.subscription = deps.runEvents((event) => this.onRunEvent(event));
  }

  async showResults(uri?: vscode.Uri): Promise<void> {
    const fileUri = uri?.toString() ?? activeRunnableFile() ?? this.lastFileUri;
    if (!fileUri) {
      void vscode.window.showInformationMessage('LLM Batch: open a .llmbatch file or run a batch to see results.');
      return;
    }
    const existing = this.panels.get(fileUri);
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = this.openPanel(fileUri);
    panel.load(this.recordOf(fileUri));
  }

  /** Re-creates a panel VS Code kept across a reload; `state` is what the webview saved. */
  restorePanel(webviewPanel: vscode.WebviewPanel, state: unknown): void {
    const fileUri = state && typeof state === 'object' && typeof (state as { fileUri?: unknown }).fileUri === 'string' ? (state as { fileUri: string }).fileUri : undefined;
    if (!fileUri || this.panels.has(fileUri)) {
      webviewPanel.dispose();
      return;
    }
    const panel = this.adopt(webviewPanel, fileUri);
    panel.load(this.recordOf(fileUri));
  }

  private history(): RunHistory {
    this.historyStore ??= new RunHistory({
      files: storageFiles(vscode.Uri.joinPath(this.context.storageUri ?? this.context.globalStorageUri, 'results')),
      index: this.context.workspaceState,
      historySize: () => vscode.workspace.getConfiguration('llmbatch').get<number>('results.historySize', defaultHistorySize),
      onError: (message) => this.deps.log?.(`results: ${message}`),
    });
    return this.historyStore;
  }

  private historyWith(fileUri: string, record?: RunRecord): HistoryEntry[] {
    const stored = this.history().entries(fileUri);
    if (!record || record.isRunning) return stored;
    const size = Math.max(1, vscode.workspace.getConfiguration('llmbatch').get<number>('results.historySize', defaultHistorySize));
    return [record.historyEntry(), ...stored.filter((entry) => entry.runId !== record.runId)].slice(0, size);
  }

  private async recordOf(fileUri: string): Promise<RunRecord | undefined> {
    const known = this.records.latest(fileUri);
    if (known) return known;
    const stored = await this.history().latest(fileUri);
    const loadedMeanwhile = this.records.latest(fileUri);
    if (!stored || loadedMeanwhile) return loadedMeanwhile;
    const record = RunRecord.fromStored(stored, this.deps.costOf);
    this.records.set(record);
    return record;
  }

  private openPanel(fileUri: string): ResultsPanel {
    const webviewPanel = vscode.window.createWebviewPanel(
      resultsViewType,
      `Results: ${fileNameOf(fileUri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(this.context.extensionUri),
    );
    return this.adopt(webviewPanel, fileUri);
  }

  private adopt(webviewPanel: vscode.WebviewPanel, fileUri: string): ResultsPanel {
    const panel = new ResultsPanel(webviewPanel, fileUri, {
      extensionUri: this.context.extensionUri,
      history: () => this.history(),
      actions: this.deps.actions,
      log: (message) => this.deps.log?.(message),
      historyWith: (file, record) => this.historyWith(file, record),
      ...(this.deps.costOf && { costOf: this.deps.costOf }),
    });
    this.panels.set(fileUri, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(fileUri) === panel) this.panels.delete(fileUri);
    });
    return panel;
  }

  private onRunEvent(event: RunEvent): void {
    switch (event.type) {
      case 'started': {
        this.lastFileUri = event.fileUri;
        const previous = this.records.latest(event.fileUri);
        if (previous && event.updates === previous.runId) {
          this.live.set(event.runId, previous);
          const ids = previous.beginRerun(event.items);
          const panel = this.panels.get(event.fileUri);
          if (panel) {
            panel.reveal();
            if (panel.currentRecord === previous) panel.rerunStarted(ids);
            else panel.showRun(previous);
          } else this.openPanel(event.fileUri).showRun(previous);
          return;
        }
        const record = new RunRecord(event.runId, event.fileUri, event.startedAt, event.items, this.deps.costOf);
        this.records.set(record);
        this.live.set(event.runId, record);
        const panel = this.panels.get(event.fileUri);
        if (panel) {
          if (!panel.panel.visible) panel.reveal();
        }
        (panel ?? this.openPanel(event.fileUri)).showRun(record);
        return;
      }
      case 'progress': {
        const record = this.live.get(event.runId);
        if (!record) return;
        record.progress = toRunProgress(event.progress);
        this.panelShowing(record)?.progressChanged();
        return;
      }
      case 'results': {
        const record = this.live.get(event.runId);
        if (!record) return;
        const ids = record.applyResults(event.results);
        if (event.outcomes) record.applyOutcomes(event.outcomes);
        this.panelShowing(record)?.rowsChanged(ids);
        return;
      }
      case 'finished': {
        const record = this.live.get(event.runId);
        if (!record) return;
        this.live.delete(event.runId);
        const ids = record.finish(event.stats.cancelled, event.stats.wallTimeMs, event.stats.rateLimited429s, event.expect?.graders);
        this.panelShowing(record)?.finished(ids);
        this.history()
          .save(record)
          .catch((error: unknown) => this.deps.log?.(`results: could not save the run: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
    }
  }

  private panelShowing(record: RunRecord): ResultsPanel | undefined {
    const panel = this.panels.get(record.fileUri);
    return panel?.currentRecord === record ? panel : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}

function activeRunnableFile(): string | undefined {
  const document = vscode.window.activeTextEditor?.document;
  if (!document) return undefined;
  return document.languageId === 'llmbatch' || /\.(llmbatch|jsonl)$/i.test(document.uri.path) ? document.uri.toString() : undefined;
}

/** The results storage folder through `workspace.fs` (works for remote and virtual workspaces too). */
function storageFiles(root: vscode.Uri) {
  const at = (path: string) => vscode.Uri.joinPath(root, ...path.split('/'));
  return {
    async read(path: string): Promise<Uint8Array | undefined> {
      try {
        return await vscode.workspace.fs.readFile(at(path));
      } catch {
        return undefined;
      }
    },
    async write(path: string, data: Uint8Array): Promise<void> {
      const uri = at(path);
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
      // Written aside and renamed into place, so a reader (or a crash mid-write) never sees half a run.
      const partial = uri.with({ path: `${uri.path}.partial` });
      await vscode.workspace.fs.writeFile(partial, data);
      await vscode.workspace.fs.rename(partial, uri, { overwrite: true });
    },
    async delete(path: string): Promise<void> {
      await vscode.workspace.fs.delete(at(path), { useTrash: false });
    },
  };
}

/**
 * Registers the results panels: follows `deps.runEvents`, restores panels after
 * a reload, and returns what `llmbatch.showResults` calls. Nothing is read from
 * disk until a panel is shown.
 */
export function registerResults(context: vscode.ExtensionContext, deps: ResultsDeps): ResultsPanels {
  const controller = new ResultsController(context, { costOf: (model, usage) => defaultCostOf(model, usage), ...deps });
  context.subscriptions.push(
    controller,
    vscode.window.registerWebviewPanelSerializer(resultsViewType, {
      deserializeWebviewPanel: async (panel, state) => controller.restorePanel(panel, state),
    }),
  );
  return { showResults: (uri) => controller.showResults(uri) };
}
