/**
 * A status-bar item with the live counts of the current run (and the totals of
 * the last one once it ends); clicking it opens the results panel.
 */
import * as vscode from 'vscode';
import type { RunEvent } from './runEvents';
import { formatProgress } from './runText';

export class RunStatusBar implements vscode.Disposable {
  #item: vscode.StatusBarItem | undefined;
  #fileUri: string | undefined;

  constructor(onRunEvent: vscode.Event<RunEvent>, private readonly subscriptions: vscode.Disposable[] = []) {
    this.subscriptions.push(onRunEvent((event) => this.#update(event)));
  }

  // Created at the first run: a fresh window shows nothing of the extension.
  get #statusItem(): vscode.StatusBarItem {
    if (!this.#item) {
      this.#item = vscode.window.createStatusBarItem('llmbatch.run', vscode.StatusBarAlignment.Left, 50);
      this.#item.name = 'LLM Batch run';
    }
    return this.#item;
  }

  #update(event: RunEvent): void {
    const item = this.#statusItem;
    switch (event.type) {
      case 'started':
        this.#fileUri = event.fileUri;
        item.text = `$(sync~spin) LLM Batch 0/${event.items.length}`;
        item.backgroundColor = undefined;
        break;
      case 'progress':
        item.text = `$(sync~spin) LLM Batch ${formatProgress(event.progress)}`;
        break;
      case 'finished': {
        const { stats } = event;
        const counts = formatProgress({ done: stats.succeeded + stats.failed, total: stats.total, cached: stats.cached, failed: stats.failed, tokensPerSecond: 0 });
        const icon = stats.cancelled ? '$(circle-slash)' : stats.failed > 0 ? '$(warning)' : '$(check)';
        item.text = `${icon} LLM Batch ${counts}`;
        item.backgroundColor = stats.failed > 0 && !stats.cancelled ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        break;
      }
      case 'results':
        return;
    }
    item.tooltip = 'LLM Batch: show the results of this run';
    item.command = { title: 'Show Results', command: 'llmbatch.showResults', arguments: this.#fileUri ? [vscode.Uri.parse(this.#fileUri)] : [] };
    item.show();
  }

  dispose(): void {
    this.#item?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
