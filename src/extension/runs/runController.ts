/**
 * Runs batches from the editor: one run per file at a time (runs of different
 * files go side by side), each with a cancellable progress notification, the
 * workspace cache, and `RunEvent`s for the results panel and the status bar.
 * The engine does the sending; this decides what is sent and refuses anything
 * that would send a key where it does not belong. Runs at the same time draw on
 * one rate budget per endpoint and key through the shared limiter registry.
 */
import type { RequestOutcome, RunExpectations } from '../../core/expect/outcomes';
import { formatPassCount } from '../../core/expect/outcomes';
import { RunScoring } from '../../core/expect/runScoring';
import * as vscode from 'vscode';
import { RateLimiterRegistry } from '../../core/rateLimit/rateLimiterRegistry';
import type { ProgressEvent } from '../../core/engine/progressTracker';
import type { BatchItem, BatchResult } from '../../core/models';
import { cacheKey } from '../../core/cache/cacheKey';
import { costOf, estimateCost } from '../../core/pricing';
import { readRunSettings } from '../config/settings';
import type { KeyStore } from '../keys/keyStore';
import type { Log } from '../output/log';
import type { RunEvent, RunItemInfo, RunStats } from './runEvents';
import type { LoadedBatch } from '../../core/batchFile/loadBatch';
import { loadBatch } from '../batchFile/batchSource';
import type { Selection } from '../batchFile/runSetup';
import { RunRefusedError, selectItems, setUpProviders } from '../batchFile/runSetup';
import { assembleRun } from '../../core/run/runAssembly';
import { describeEndpoint } from '../../core/endpoints/providerSetup';
import type { WorkspaceCache } from '../cache/workspaceCache';
import { writeOnly } from '../cache/workspaceCache';
import { withRunProgress } from './progressUi';
import { confirmRun } from './confirm';
import { formatDryRun } from '../output/runText';
import { EndpointDiagnostics } from './endpointDiagnostics';
import type { GetParsed } from '../batchFile/batchSource';
import { fileNameOf } from '../output/fileNames';

export interface RunOptions extends Selection {
  /** Send every request even when an answer is cached (the fresh answer replaces the cached one). */
  readonly bypassCache?: boolean;
  /** Ask before sending above the `llmbatch.confirmAbove.*` limits. Commands ask; API callers don't. */
  readonly confirm?: boolean;
  /** Id of an earlier run of the same file that this run completes (re-runs). */
  readonly updates?: string;
}

/** What a finished run hands back to commands and to the extension API. */
export interface BatchRunResult {
  readonly runId: string;
  readonly fileUri: string;
  readonly items: readonly RunItemInfo[];
  /** One per item, in item order. */
  readonly results: readonly BatchResult[];
  readonly stats: RunStats;
  readonly cancelled: boolean;
  /** Set when the file has `expect:` lines: every verdict, the pass count and the scoreboard. */
  readonly expect?: RunExpectations;
}

/** The run a re-run completes, as the results side records it (`results/runRecord.ts`). */
export interface RecordedRun {
  readonly runId: string;
  readonly fileUri: string;
  readonly size: number;
  /** Ids of the requests without an answer: failed, cancelled or never sent. */
  unansweredIds(): string[];
  item(id: string): { readonly index: number } | undefined;
}

/** Each file's latest run (`results/runRecords.ts`); the controller itself keeps active runs only. */
export interface LatestRuns {
  latest(fileUri: string): RecordedRun | undefined;
}

export interface RunControllerDeps {
  readonly keys: KeyStore;
  readonly log: Log;
  readonly cache: WorkspaceCache;
  /** Where a profile's `apiKeyEnv` is looked up; the extension host's environment by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof globalThis.fetch;
  /** The editor's shared parse of open documents, so a run and the live diagnostics parse a version once. */
  readonly getParsed?: GetParsed;
  /**
   * Rate limiters by endpoint and key, shared by every run so that runs at the
   * same time split one budget instead of each spending all of it. A registry
   * of this controller's own by default.
   */
  readonly rateLimits?: RateLimiterRegistry;
  /** Each file's latest run as the results side records it: what a re-run sends again, and where its rows go. */
  readonly records?: LatestRuns;
}

interface ActiveRun {
  readonly fileUri: string;
  readonly abort: AbortController;
  runId?: string;
}

export class RunController implements vscode.Disposable {
  readonly #emitter = new vscode.EventEmitter<RunEvent>();
  /** Every run's started, progress, results (in small groups) and finished events. */
  readonly onDidRunEvent = this.#emitter.event;
  readonly #diagnostics: EndpointDiagnostics;
  readonly #rateLimits: RateLimiterRegistry;
  // By file, in the order the runs started.
  readonly #active = new Map<string, ActiveRun>();
  #lastFileUri: string | undefined;
  #sequence = 0;

  constructor(private readonly deps: RunControllerDeps) {
    this.#diagnostics = new EndpointDiagnostics(deps.getParsed);
    this.#rateLimits = deps.rateLimits ?? new RateLimiterRegistry();
  }

  get isRunning(): boolean {
    return this.#active.size > 0;
  }

  /** The file of the latest run still in progress, else of the latest run. */
  get currentFileUri(): string | undefined {
    return [...this.#active.keys()].at(-1) ?? this.#lastFileUri;
  }

  /**
   * Runs the requests of a .llmbatch or OpenAI Batch .jsonl file; rejects with
   * `RunRefusedError` when nothing may be sent, or while the same file is
   * running already. Other files may run at the same time.
   */
  async run(uri: vscode.Uri, options: RunOptions = {}): Promise<BatchRunResult> {
    if (!vscode.workspace.isTrusted) throw new RunRefusedError('Runs are disabled in untrusted workspaces: trust this workspace to send requests.');
    const fileUri = uri.toString();
    if (this.#active.has(fileUri)) throw new RunRefusedError(`A run of ${fileNameOf(uri)} is already in progress: cancel it first.`);
    const active: ActiveRun = { fileUri, abort: new AbortController() };
    this.#active.set(fileUri, active);
    void vscode.commands.executeCommand('setContext', 'llmbatch.running', true);
    try {
      return await this.#run(uri, options, active);
    } finally {
      this.#active.delete(fileUri);
      if (this.#active.size === 0) void vscode.commands.executeCommand('setContext', 'llmbatch.running', false);
    }
  }

  /**
   * Aborts the run of `uri`, or every run in progress; finished answers are
   * kept (and cached). Returns whether a run was cancelled.
   */
  cancel(uri?: vscode.Uri | string): boolean {
    const runs = uri === undefined ? [...this.#active.values()] : [this.#active.get(uri.toString())].filter((run) => run !== undefined);
    for (const run of runs) run.abort.abort(new Error('Run cancelled'));
    return runs.length > 0;
  }

  /** Sends again the requests of the file's latest run that failed or were cancelled. */
  async rerunFailed(uri?: vscode.Uri, options: Omit<RunOptions, 'onlyIds' | 'updates'> = {}): Promise<BatchRunResult | undefined> {
    const fileUri = uri?.toString() ?? this.#lastFileUri;
    const record = fileUri === undefined ? undefined : this.deps.records?.latest(fileUri);
    if (!record) throw new RunRefusedError('No earlier run of this file to re-run.');
    const failed = record.unansweredIds();
    if (failed.length === 0) return undefined;
    return this.run(vscode.Uri.parse(record.fileUri), { ...options, onlyIds: failed, updates: record.runId });
  }

  /** Sends one request again, bypassing the cache, as an update of the file's latest run. */
  rerunItem(uri: vscode.Uri, id: string): Promise<BatchRunResult> {
    const record = this.deps.records?.latest(uri.toString());
    return this.run(uri, { onlyIds: [id], bypassCache: true, ...(record && { updates: record.runId }) });
  }

  /** What a run would send, with the estimated tokens and cost, without sending anything. */
  async dryRun(uri: vscode.Uri, selection: Selection = {}): Promise<{ summary: string; detail: string }> {
    const settings = readRunSettings(uri);
    const batch = await loadBatch(uri, settings.defaultProvider, this.deps.getParsed);
    const items = selectItems(batch, selection, fileNameOf(uri));
    const setup = await this.#setUp(uri, items, batch, settings, true);
    const cache = settings.cacheEnabled ? this.deps.cache.open(settings.cacheTtlMs) : undefined;
    const cached = cache ? items.length - (await uncached(items, setup.providerFor, cache)).length : 0;
    return formatDryRun({ ids: items.map((item) => item.id), estimate: estimateCost(items), cached, endpoints: setup.endpoints.map(describeEndpoint) });
  }

  /** Empties this workspace's answer cache. */
  clearCache(): Promise<void> {
    return this.deps.cache.clear();
  }

  async #run(uri: vscode.Uri, options: RunOptions, active: ActiveRun): Promise<BatchRunResult> {
    const { log } = this.deps;
    const fileName = fileNameOf(uri);
    const settings = readRunSettings(uri);
    const batch = await loadBatch(uri, settings.defaultProvider, this.deps.getParsed);
    const items = selectItems(batch, options, fileName);
    const scoring = await RunScoring.forItems(items);
    const setup = await this.#setUp(uri, items, batch, settings, false, scoring);
    const store = settings.cacheEnabled ? this.deps.cache.open(settings.cacheTtlMs) : undefined;
    const cache = store && options.bypassCache ? writeOnly(store) : store;

    if (options.confirm) {
      let toSend: readonly BatchItem[] = items;
      // Cached answers cost nothing; looking them up is only worth it when a limit may be crossed.
      if (cache && !options.bypassCache && needsCount(items.length, estimateCost(items).usd, settings)) toSend = await uncached(items, setup.providerFor, cache);
      if (!(await confirmRun(fileName, toSend.length, estimateCost(toSend), settings, uri, options))) throw new RunRefusedError('Run not started.');
    }

    const previous = options.updates ? this.deps.records?.latest(active.fileUri) : undefined;
    const updates = previous?.runId === options.updates ? previous : undefined;
    const runId = `run-${Date.now().toString(36)}-${++this.#sequence}`;
    active.runId = runId;
    this.#lastFileUri = active.fileUri;
    const indexOf = indexMapper(items, updates);
    const infos = items.map((item, i) => toInfo(item, indexOf(i)));
    this.#emitter.fire({ type: 'started', runId, fileUri: active.fileUri, startedAt: Date.now(), items: infos, ...(options.updates !== undefined && { updates: options.updates }) });
    log.info(`${runId}: ${fileName}: ${items.length} request${items.length === 1 ? '' : 's'} to ${setup.endpoints.map(describeEndpoint).join(', ')}${cache ? '' : ' (cache off)'}${options.bypassCache ? ' (bypassing the cache)' : ''}`);

    const manager = assembleRun(setup, {
      engine: settings,
      budgets: { file: batch.rateLimits },
      rateLimits: this.#rateLimits,
      cache,
      scoring,
      onLog: (entry) => (entry.level === 'debug' ? undefined : log[entry.level === 'error' ? 'error' : entry.level === 'warn' ? 'warn' : 'info'](`${entry.itemId ? `${entry.itemId}: ` : ''}${entry.message}`)),
    });
    const pending: BatchResult[] = [];
    // Verdicts of results not yet handed over, and of the whole run, by request id.
    let pendingOutcomes: Record<string, RequestOutcome> | undefined;
    const outcomes: Record<string, RequestOutcome> = Object.create(null) as Record<string, RequestOutcome>;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      const scored = pendingOutcomes;
      pendingOutcomes = undefined;
      if (pending.length) this.#emitter.fire({ type: 'results', runId, results: pending.splice(0), ...(scored && { outcomes: scored }) });
    };
    const hand = (result: BatchResult, outcome: RequestOutcome | undefined) => {
      if (outcome) outcomes[result.id] = (pendingOutcomes ??= Object.create(null) as Record<string, RequestOutcome>)[result.id] = outcome;
      pending.push({ ...result, index: indexOf(result.index) });
      flushTimer ??= setTimeout(flush, 100);
    };
    const title = `LLM Batch: ${fileName}`;
    const outcome = await withRunProgress(title, active.abort, (sink) =>
      manager.processBatch(items, {
        signal: active.abort.signal,
        onProgress: (progress: ProgressEvent) => {
          sink.report(progress);
          this.#emitter.fire({ type: 'progress', runId, progress });
        },
        onResult: (result, item) => {
          log.result(result);
          const outcome = scoring?.take(result, item);
          // An answer waiting for its grader is handed over once graded.
          if (outcome !== 'waiting') hand(result, outcome);
        },
      }),
    );
    // Grader requests go through the same engine, under a progress of their own so the run's counts stay its own.
    const graders = scoring?.graderItems().length
      ? await withRunProgress(`LLM Batch: judging ${fileName}`, active.abort, (sink) => scoring.grade(manager, { signal: active.abort.signal, onProgress: (progress) => sink.report(progress) }, hand))
      : await scoring?.grade(manager, { signal: active.abort.signal }, hand);
    flush();
    const expect = scoring?.summary(outcomes, graders);
    const results = outcome.results.map((result) => ({ ...result, index: indexOf(result.index) }));
    const stats = runStats(items, results, outcome.wallTimeMs, outcome.cancelled, outcome.stats.rateLimited429s);
    this.#emitter.fire({ type: 'finished', runId, stats, ...(expect && { expect }) });
    log.info(
      `${runId}: ${outcome.cancelled ? 'cancelled' : 'finished'} in ${(outcome.wallTimeMs / 1000).toFixed(1)} s — ${stats.succeeded} answered (${stats.cached} cached), ${stats.failed} failed` +
        (stats.unfinished ? `, ${stats.unfinished} not run` : '') +
        (stats.rateLimited429s ? `, ${stats.rateLimited429s} × 429` : '') +
        (expect ? `; ${formatPassCount(expect.counts)}` : '') +
        (expect?.graders ? `; judge: ${expect.graders.requests} request${expect.graders.requests === 1 ? '' : 's'} (${expect.graders.cached} cached, ${expect.graders.failed} failed)` : ''),
    );
    return { runId, fileUri: active.fileUri, items: infos, results, stats, cancelled: outcome.cancelled, ...(expect && { expect }) };
  }

  async #setUp(uri: vscode.Uri, items: BatchItem[], batch: LoadedBatch, settings: ReturnType<typeof readRunSettings>, dry: boolean, scoring?: RunScoring) {
    try {
      const setup = await setUpProviders(items, batch, settings, this.deps.keys, { env: this.deps.env ?? process.env, ...(this.deps.fetch && { fetch: this.deps.fetch }) }, scoring);
      this.#diagnostics.clear(uri);
      return setup;
    } catch (error) {
      if (error instanceof RunRefusedError && error.problems.length) this.#diagnostics.show(uri, error.problems);
      if (!dry && error instanceof Error) this.deps.log.warn(`${fileNameOf(uri)}: ${error.message}`);
      throw error;
    }
  }

  dispose(): void {
    this.cancel();
    this.#emitter.dispose();
    this.#diagnostics.dispose();
  }
}

/** Indexes of a re-run are those of the run it completes, so the panel can merge row by row. */
function indexMapper(items: readonly BatchItem[], updates: RecordedRun | undefined): (index: number) => number {
  if (!updates) return (index) => index;
  const mapped = items.map((item, i) => updates.item(item.id)?.index ?? updates.size + i);
  return (index) => mapped[index] ?? index;
}

function toInfo(item: BatchItem, index: number): RunItemInfo {
  return {
    index,
    id: item.id,
    provider: item.request.provider,
    request: item.request,
    ...(item.block !== undefined && { block: item.block }),
    ...(item.variables !== undefined && { variables: item.variables }),
    ...(item.request.model !== undefined && { model: item.request.model }),
    ...(item.source !== undefined && { source: item.source }),
    ...(item.swept !== undefined && item.swept.length > 0 && { swept: item.swept }),
    ...(item.expect !== undefined && item.expect.length > 0 && { expects: true as const }),
  };
}

function runStats(items: readonly BatchItem[], results: readonly BatchResult[], wallTimeMs: number, cancelled: boolean, rateLimited429s: number): RunStats {
  let succeeded = 0;
  let failed = 0;
  let cached = 0;
  let unfinished = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let costUsd: number | undefined;
  results.forEach((result, i) => {
    if (!result.ok) {
      if (result.error.code === 'cancelled') unfinished++;
      else failed++;
      return;
    }
    succeeded++;
    if (result.cached) {
      cached++;
      return;
    }
    const usage = result.response.usage;
    promptTokens += usage?.prompt_tokens ?? 0;
    completionTokens += usage?.completion_tokens ?? 0;
    const cost = costOf(items[i]?.request.model ?? result.response.model, usage);
    if (cost !== undefined) costUsd = (costUsd ?? 0) + cost;
  });
  return {
    total: items.length,
    succeeded,
    failed,
    cached,
    unfinished,
    promptTokens,
    completionTokens,
    ...(costUsd !== undefined && { costUsd }),
    ...(rateLimited429s > 0 && { rateLimited429s }),
    wallTimeMs,
    cancelled,
  };
}

function needsCount(requests: number, usd: number | undefined, settings: { confirmAboveRequests: number; confirmAboveUsd: number }): boolean {
  return (settings.confirmAboveRequests > 0 && requests > settings.confirmAboveRequests) || (settings.confirmAboveUsd > 0 && (usd ?? 0) > settings.confirmAboveUsd);
}

type ProviderFor = (request: BatchItem['request']) => { readonly identity: { providerId: string; apiBase: string } };

async function uncached(items: readonly BatchItem[], providerFor: ProviderFor, cache: { exists(key: string): Promise<boolean> }): Promise<BatchItem[]> {
  const result: BatchItem[] = [];
  for (const item of items) {
    if (!(await cache.exists(cacheKey(item.request, providerFor(item.request).identity, item.sample ?? 0)))) result.push(item);
  }
  return result;
}

