/**
 * Composition root: builds the extension's object graph once and hands every
 * disposable to `context.subscriptions`. Activation stays cheap — nothing is
 * parsed, read from disk or shown until a command or an open file needs it.
 */
import * as vscode from 'vscode';
import { registerEditorSupport } from './editor/registerEditorSupport';
import { readRunSettings } from './config/settings';
import { KeyStore } from './keys/keyStore';
import { Log } from './output/log';
import { registerResults } from './results/resultsController';
import { registerRunCommands, report } from './runs/commands';
import { registerBatchJobs } from './batchJobs/batchJobCommands';
import { RateLimiterRegistry } from '../core/rateLimit/rateLimiterRegistry';
import type { BatchRunResult } from './runs/runController';
import { RunController } from './runs/runController';
import type { RunEvent } from './runs/runEvents';
import { RunStatusBar } from './runs/statusBar';
import { WorkspaceCache } from './cache/workspaceCache';
import { RunRecords } from './results/runRecords';

/** What `activate()` returns: the extension's API for other extensions and for tests. */
export interface LlmbatchApi {
  /**
   * Runs a .llmbatch or OpenAI Batch .jsonl file (all of it, some blocks, or
   * some request ids) without asking for confirmation; rejects when the run is
   * refused (untrusted workspace, errors in the file, a key that would go to
   * another host, a missing key, an unusable `rpm`/`tpm` in the profile, a run
   * of the same file in progress). Runs of different files may go at once and
   * share one rate budget per endpoint and key.
   */
  runBatch(uri: vscode.Uri | string, options?: { blocks?: readonly (string | number)[]; bypassCache?: boolean; onlyIds?: readonly string[] }): Promise<BatchRunResult>;
  /** Cancels the run of `uri`, or every run in progress; finished answers are kept. Returns whether a run was cancelled. */
  cancel(uri?: vscode.Uri | string): boolean;
  readonly onDidRunEvent: vscode.Event<RunEvent>;
  /** Each line written to the "LLM Batch" output channel, as written (keys already redacted). */
  readonly onDidLog: vscode.Event<string>;
  /** Stores (or with an empty key, removes) a profile's API key in secret storage. Keys can be written and tested for, never read. */
  setApiKey(profile: string, key: string): Promise<void>;
  hasApiKey(profile: string): Promise<boolean>;
  clearCache(): Promise<void>;
  /** The folder holding this workspace's cached answers. */
  readonly cacheDirectory: string;
}

export function activate(context: vscode.ExtensionContext): LlmbatchApi {
  const log = new Log();
  const keys = new KeyStore(context.secrets);
  const cache = new WorkspaceCache(context);
  const editor = registerEditorSupport(context, { defaultProvider: (uri) => readRunSettings(uri).defaultProvider });
  // One limiter per endpoint and key for the whole window: runs side by side split one budget.
  // It holds no timers of its own; disposing `runs` cancels the runs that wait on it.
  const rateLimits = new RateLimiterRegistry();
  // Each file's latest run, recorded by the results side; re-runs ask it what to send again.
  const records = new RunRecords();
  const runs = new RunController({ keys, log, cache, rateLimits, records, getParsed: (document) => editor.getParsed(document) });
  const results = registerResults(context, {
    runEvents: runs.onDidRunEvent,
    records,
    actions: {
      rerunFailed: (uri, runId, ids) => report(runs.run(uri, { onlyIds: ids, confirm: true, updates: runId }), { log }),
      rerunRow: (uri, runId, id, bypassCache) => report(runs.run(uri, { onlyIds: [id], bypassCache, updates: runId }), { log }),
      cancel: (fileUri) => runs.cancel(fileUri),
    },
    log: (message) => log.warn(message),
  });
  context.subscriptions.push(log, cache, runs, editor.followRuns(runs.onDidRunEvent), new RunStatusBar(runs.onDidRunEvent), ...registerRunCommands({ runs, keys, log, showResults: (uri) => results.showResults(uri), getParsed: (document) => editor.getParsed(document) }));
  context.subscriptions.push(...registerBatchJobs({ context, runs, keys, log, cache, getParsed: (document) => editor.getParsed(document) }));

  return {
    runBatch: (uri, options = {}) => runs.run(typeof uri === 'string' ? vscode.Uri.parse(uri) : uri, options),
    cancel: (uri) => runs.cancel(uri),
    onDidRunEvent: runs.onDidRunEvent,
    onDidLog: log.onDidWrite,
    setApiKey: (profile, key) => keys.set(profile, key),
    hasApiKey: (profile) => keys.has(profile),
    clearCache: () => runs.clearCache(),
    get cacheDirectory() {
      return cache.directory;
    },
  };
}

export function deactivate(): void {}
