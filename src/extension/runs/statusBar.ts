/**
 * A status-bar item with the live counts of the current run (and the totals of
 * the last one once it ends); clicking it opens the results panel. With runs
 * of several files going at once it follows the latest one started and says
 * how many others run beside it.
 */
import * as vscode from 'vscode';
import type { ProgressEvent } from '../../core/engine/progressTracker';
import type { RunEvent } from './runEvents';
import { budgetWait, format429s, formatProgress } from '../output/runText';

interface LiveRun {
  readonly fileUri: string;
  text: string;
  progress?: ProgressEvent;
}

export class RunStatusBar implements vscode.Disposable {
  #item: vscode.StatusBarItem | undefined;
  #fileUri: string | undefined;
  // In the order the runs started.
  readonly #live = new Map<string, LiveRun>();

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
        this.#live.set(event.runId, { fileUri: event.fileUri, text: `0/${event.items.length}` });
        item.backgroundColor = undefined;
        break;
      case 'progress': {
        const run = this.#live.get(event.runId);
        if (!run) return;
        run.text = formatProgress(event.progress);
        run.progress = event.progress;
        break;
      }
      case 'finished': {
        const run = this.#live.get(event.runId);
        this.#live.delete(event.runId);
        if (this.#live.size > 0 || !run) break;
        const { stats } = event;
        const counts = formatProgress({ done: stats.succeeded + stats.failed, total: stats.total, cached: stats.cached, failed: stats.failed, tokensPerSecond: 0 });
        const icon = stats.cancelled ? '$(circle-slash)' : stats.failed > 0 ? '$(warning)' : '$(check)';
        this.#fileUri = run.fileUri;
        item.text = `${icon} LLM Batch ${counts}${stats.rateLimited429s ? ` · ${format429s(stats.rateLimited429s)}` : ''}`;
        item.tooltip = 'LLM Batch: show the results of this run';
        item.backgroundColor = stats.failed > 0 && !stats.cancelled ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        this.#show(item);
        return;
      }
      case 'results':
        return;
    }
    const latest = [...this.#live.values()].at(-1);
    if (!latest) return;
    const others = this.#live.size - 1;
    this.#fileUri = latest.fileUri;
    item.text = `$(sync~spin) LLM Batch ${latest.text}${others > 0 ? ` (+${others} more)` : ''}`;
    item.tooltip = tooltipOf(latest.progress, others);
    this.#show(item);
  }

  #show(item: vscode.StatusBarItem): void {
    item.command = { title: 'Show Results', command: 'llmbatch.showResults', arguments: this.#fileUri ? [vscode.Uri.parse(this.#fileUri)] : [] };
    item.show();
  }

  dispose(): void {
    this.#item?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** The in-flight count against its limit, and whether the run waits for rate-limit budget. */
function tooltipOf(progress: ProgressEvent | undefined, others: number): string {
  const lines = ['LLM Batch: show the results of this run'];
  if (progress) {
    if (progress.concurrency > 0) lines.push(`${progress.inFlight} in flight, at most ${progress.concurrency}`);
    const waiting = budgetWait(progress);
    if (waiting) lines.push(waiting);
    if (progress.rateLimited429s > 0) lines.push(`${format429s(progress.rateLimited429s)} so far`);
  }
  if (others > 0) lines.push(`${others} other run${others === 1 ? '' : 's'} in progress`);
  return lines.join('\n');
}
