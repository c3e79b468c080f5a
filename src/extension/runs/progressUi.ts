/**
 * The cancellable progress notification of a run:
 * "37/120 · 3 cached · 1 failed · 1.2k tok/s", and while it is held back by a
 * rate limit "… · waiting for rate limit · resumes in 12 s · 3 × 429 · 10 in flight at most".
 */
import * as vscode from 'vscode';
import type { ProgressEvent } from '../../core/engine/progressTracker';
import { formatProgress } from '../output/runText';

export interface ProgressSink {
  report(progress: ProgressEvent): void;
}

/**
 * Runs `work` under a notification whose Cancel button aborts `controller`.
 * The bar advances by the share of requests finished since the last report.
 */
export function withRunProgress<T>(title: string, controller: AbortController, work: (sink: ProgressSink) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const cancel = token.onCancellationRequested(() => controller.abort(new Error('Run cancelled')));
    let shown = 0;
    const sink: ProgressSink = {
      report(event) {
        const share = event.total > 0 ? (event.done / event.total) * 100 : 0;
        const increment = Math.max(0, share - shown);
        shown = Math.max(shown, share);
        progress.report({ message: formatProgress(event), increment });
      },
    };
    return work(sink).finally(() => cancel.dispose());
  });
}
