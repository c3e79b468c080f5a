/**
 * One results panel: the webview of one file's latest run. It answers the
 * webview's requests from the run it holds — ids are looked up there, paths
 * come from the run, never from a message — and streams row updates in
 * batches of at most one every 100 ms.
 */
import * as vscode from 'vscode';
import type { CopyPart, HistoryEntry, HostMessage, RunProgress, WebviewMessage } from '../../webview/protocol';
import type { SourceRange } from '../../core/models';
import type { RunHistory } from './runHistory';
import type { CostFunction } from './rowModel';
import { RunRecord } from './runRecord';
import { Coalescer } from './coalescer';
import { newNonce, panelHtml } from './panelHtml';
import { parseWebviewMessage } from './inboundMessages';
import { exportExtensions, exportText } from './exports';
import { fileNameOf } from '../output/fileNames';
import type { RateLimitWait } from '../../core/rateLimit/rateLimitWait';
import { describeRateLimitWait } from '../../core/rateLimit/rateLimitWait';

/**
 * What the panel asks of the run controller. A re-run announces itself with
 * `started.updates = runId`, which is how its results merge into that run.
 */
export interface ResultsActions {
  /** Sends these requests of run `runId` of the file again (its failed and unfinished ones). */
  rerunFailed(fileUri: vscode.Uri, runId: string, ids: readonly string[]): unknown;
  /** Sends one request of run `runId` of the file again (the detail's Re-run bypasses the cache). */
  rerunRow(fileUri: vscode.Uri, runId: string, id: string, bypassCache: boolean): unknown;
  /** Cancels the run of the file in progress (other files' runs go on). */
  cancel(fileUri: vscode.Uri): unknown;
}

export interface PanelServices {
  readonly extensionUri: vscode.Uri;
  readonly history: () => RunHistory;
  readonly actions: ResultsActions;
  readonly costOf?: CostFunction;
  readonly log: (message: string) => void;
  /** The history list as it will be once `record` is saved. */
  readonly historyWith: (fileUri: string, record?: RunRecord) => HistoryEntry[];
}

/** Webview options, applied on creation and again on restore after a reload. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableForms: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class ResultsPanel implements vscode.Disposable {
  private record: RunRecord | undefined;
  private loading: Promise<unknown> | undefined;
  private ready = false;
  private disposed = false;
  private readonly earlier = new Map<string, RunRecord>();
  private readonly rowUpdates: Coalescer<string>;
  private readonly progressUpdates: Coalescer<'progress'>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly fileUri: string,
    private readonly services: PanelServices,
  ) {
    this.rowUpdates = new Coalescer((ids) => this.postRows(ids));
    this.progressUpdates = new Coalescer(() => this.postProgress());
    const webview = panel.webview;
    webview.options = webviewOptions(services.extensionUri);
    panel.title = `Results: ${fileNameOf(fileUri)}`;
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      // A hidden webview loses its document; it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.sendInit()),
      this.disposeEmitter,
    );
    const root = vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css')).toString(),
    });
  }

  get currentRecord(): RunRecord | undefined {
    return this.record;
  }

  /** Shows `record` once `load` settles (restoring a panel reads the run from disk). */
  load(loading: Promise<RunRecord | undefined>): void {
    this.loading = loading.then((record) => {
      if (record && !this.record) this.showRun(record);
    });
  }

  /** Replaces the run shown (a new run of the file started). */
  showRun(record: RunRecord): void {
    this.record = record;
    this.rowUpdates.clear();
    this.progressUpdates.clear();
    if (this.ready) this.post({ type: 'run', run: record.view(), history: this.services.historyWith(this.fileUri) });
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  rowsChanged(ids: readonly string[]): void {
    if (this.ready) this.rowUpdates.add(ids);
  }

  /** A re-run started: these rows are running again. */
  rerunStarted(ids: readonly string[]): void {
    if (!this.ready || !this.record) return;
    this.rowUpdates.flush();
    this.post({ type: 'rows', runId: this.record.runId, rows: this.record.rowsFor(ids), state: this.record.state });
  }

  progressChanged(): void {
    if (this.ready) this.progressUpdates.add(['progress']);
  }

  finished(ids: readonly string[]): void {
    const record = this.record;
    if (!this.ready || !record) return;
    this.rowUpdates.add(ids);
    this.rowUpdates.flush();
    this.progressUpdates.clear();
    this.post({
      type: 'finished',
      runId: record.runId,
      state: record.state,
      wallTimeMs: record.wallTimeMs ?? 0,
      history: this.services.historyWith(this.fileUri, record),
      ...(record.rateLimited429s > 0 && { rateLimited429s: record.rateLimited429s }),
      ...record.scoring(),
    });
  }

  private post(message: HostMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
  }

  private postRows(ids: Set<string>): void {
    const record = this.record;
    if (!record || !this.ready) return;
    this.post({ type: 'rows', runId: record.runId, rows: record.rowsFor(ids) });
  }

  private postProgress(): void {
    const record = this.record;
    if (record?.progress && this.ready) this.post({ type: 'progress', runId: record.runId, progress: record.progress });
  }

  private async sendInit(): Promise<void> {
    if (!this.ready) return;
    await this.loading;
    this.rowUpdates.clear();
    this.progressUpdates.clear();
    const record = this.record;
    this.post({
      type: 'init',
      fileUri: this.fileUri,
      fileName: fileNameOf(this.fileUri),
      ...(record && { run: record.view() }),
      history: this.services.historyWith(this.fileUri),
      canRun: vscode.workspace.isTrusted,
    });
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.services.log(parsed.reason);
      return;
    }
    this.handle(parsed.message).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.services.log(`results panel: ${message}`);
      void vscode.window.showErrorMessage(`LLM Batch: ${message}`);
    });
  }

  private async handle(message: WebviewMessage): Promise<void> {
    const file = vscode.Uri.parse(this.fileUri);
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.sendInit();
      case 'rerunFailed': {
        const record = this.record;
        const ids = record?.unansweredIds() ?? [];
        if (!record || record.isRunning || ids.length === 0) return;
        await this.services.actions.rerunFailed(file, record.runId, ids);
        return;
      }
      case 'rerunRow': {
        const record = this.record;
        if (!record?.item(message.id) || record.isRunning) return;
        await this.services.actions.rerunRow(file, record.runId, message.id, message.bypassCache);
        return;
      }
      case 'cancel':
        if (this.record?.isRunning) await this.services.actions.cancel(file);
        return;
      case 'export':
        return this.export(message.format, message.ids);
      case 'revealInEditor':
        return this.revealInEditor(message.id);
      case 'revealCheck':
        return this.revealCheck(message.id, message.check);
      case 'copy':
        return this.copy(message.id, message.part, message.runId);
      case 'requestDetail': {
        const record = await this.runFor(message.runId);
        const detail = record?.detail(message.id);
        if (record && detail) this.post({ type: 'detail', runId: record.runId, detail });
        return;
      }
      case 'loadRun': {
        const record = await this.runFor(message.runId);
        if (record) this.post({ type: 'historyRun', runId: record.runId, rows: record.allRows() });
        return;
      }
    }
  }

  /** The current run, or an earlier stored run of this same file. */
  private async runFor(runId: string | undefined): Promise<RunRecord | undefined> {
    await this.loading;
    if (runId === undefined || runId === this.record?.runId) return this.record;
    const cached = this.earlier.get(runId);
    if (cached) return cached;
    const stored = await this.services.history().load(this.fileUri, runId);
    if (!stored) return undefined;
    const record = RunRecord.fromStored(stored, this.services.costOf);
    // Two earlier runs at most: enough to compare, small enough to keep.
    if (this.earlier.size >= 2) this.earlier.delete(this.earlier.keys().next().value!);
    this.earlier.set(runId, record);
    return record;
  }

  private async export(format: 'csv' | 'markdown' | 'jsonl', ids: readonly string[] | undefined): Promise<void> {
    const record = this.record;
    if (!record) return;
    const rows = record.exportRows(ids);
    const { extension, label } = exportExtensions[format];
    const source = vscode.Uri.parse(this.fileUri);
    const folder = source.with({ path: source.path.slice(0, source.path.lastIndexOf('/')) || '/' });
    const base = fileNameOf(this.fileUri).replace(/\.[^.]+$/, '') || 'results';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder, `${base}.results.${extension}`),
      filters: { [label]: [extension] },
      saveLabel: 'Export',
      title: `Export ${rows.length} result${rows.length === 1 ? '' : 's'} as ${label}`,
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(exportText(format, rows, `Results of ${fileNameOf(this.fileUri)}`)));
    const open = await vscode.window.showInformationMessage(`LLM Batch: exported ${rows.length} result${rows.length === 1 ? '' : 's'} to ${fileNameOf(target.toString())}.`, 'Open');
    if (open) await vscode.window.showTextDocument(target, { preview: true });
  }

  private async revealInEditor(id: string): Promise<void> {
    const range = this.record?.source(id);
    if (range) await this.revealRange(range);
  }

  /**
   * Shows a check's `expect:` line. The message only picks a check of one of this run's
   * requests; the range comes from the run (perhaps read back from disk), so it is revealed
   * only when it is a well-formed place in this panel's own file.
   */
  private async revealCheck(id: string, index: number): Promise<void> {
    const range = this.record?.outcome(id)?.checks[index]?.range;
    if (range && range.file === undefined && isLineRange(range)) await this.revealRange(range);
  }

  private async revealRange(range: SourceRange): Promise<void> {
    const uri = vscode.Uri.parse(this.fileUri);
    const selection = new vscode.Range(range.startLine, range.startColumn, range.startLine, range.startColumn);
    const open = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === this.fileUri);
    const column = open?.viewColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One);
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: column, selection, preserveFocus: false });
    editor.revealRange(new vscode.Range(range.startLine, range.startColumn, range.endLine, range.endColumn), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async copy(id: string, part: CopyPart, runId: string | undefined): Promise<void> {
    const record = await this.runFor(runId);
    const detail = record?.detail(id);
    if (!detail) return;
    const texts: Record<CopyPart, string | undefined> = {
      answer: detail.answer,
      messages: detail.messages.map((message) => `${message.role}:\n${message.content}`).join('\n\n'),
      request: detail.requestJson,
      response: detail.responseJson,
      error: detail.error,
    };
    const text = texts[part];
    if (text === undefined) return;
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`LLM Batch: copied ${part === 'messages' ? 'the messages' : `the ${part}`} of ${id}`, 3000);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rowUpdates.clear();
    this.progressUpdates.clear();
    this.disposeEmitter.fire();
    for (const disposable of this.disposables) disposable.dispose();
    this.panel.dispose();
  }
}

/** The webview's progress counters from the engine's progress event. */
export function toRunProgress(progress: {
  done: number;
  total: number;
  inFlight: number;
  tokensPerSecond: number;
  elapsedMs: number;
  etaMs?: number;
  concurrency?: number;
  rateLimited?: boolean;
  waitingForBudgetMs?: number;
  waitingFor?: RateLimitWait;
  rateLimited429s?: number;
}): RunProgress {
  return {
    done: progress.done,
    total: progress.total,
    inFlight: progress.inFlight,
    tokensPerSecond: progress.tokensPerSecond,
    elapsedMs: progress.elapsedMs,
    ...(progress.etaMs !== undefined && { etaMs: progress.etaMs }),
    ...(progress.concurrency !== undefined && progress.concurrency > 0 && { concurrency: progress.concurrency }),
    ...(progress.rateLimited !== false && progress.waitingForBudgetMs !== undefined && { waitingForBudgetMs: progress.waitingForBudgetMs, waitingFor: describeRateLimitWait(progress.waitingFor) }),
    ...(progress.rateLimited429s !== undefined && progress.rateLimited429s > 0 && { rateLimited429s: progress.rateLimited429s }),
  };
}

function isLineRange(range: SourceRange): boolean {
  const parts = [range.startLine, range.startColumn, range.endLine, range.endColumn];
  return parts.every((part) => Number.isSafeInteger(part) && part >= 0) && range.endLine >= range.startLine;
}
