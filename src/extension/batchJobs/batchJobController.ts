/**
 * Batch API jobs from the editor: submits a file's requests as jobs, follows
 * them while the window is open (polling with backoff, and again after a
 * restart: jobs are recorded in `<workspace storage>/.llmbatch-jobs.json`),
 * collects their answers into the workspace cache, and tells the user when a
 * submission has finished.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { BatchJobRecord, SubmissionRecord } from '../../core/batchApi/jobState';
import { FileJobStore, jobStateFileName } from '../../core/batchApi/jobState';
import { BatchJobs } from '../../core/batchApi/batchJobs';
import { batchApiFor } from '../../core/batchApi/batchEndpoint';
import { isSubmissionDone, submissionResults } from '../../core/batchApi/jobResults';
import { JobInputError } from '../../core/batchApi/jobInput';
import { findProfileKey } from '../../core/endpoints/profiles';
import { estimateCost, formatUsd } from '../../core/pricing';
import { readProfiles, readRunSettings } from '../config/settings';
import type { KeyStore } from '../keys/keyStore';
import type { Log } from '../output/log';
import type { GetParsed } from '../batchFile/batchSource';
import { loadBatch } from '../batchFile/batchSource';
import type { Selection } from '../batchFile/runSetup';
import { RunRefusedError, setUpProviders } from '../batchFile/runSetup';
import type { WorkspaceCache } from '../cache/workspaceCache';
import { itemsToSubmit } from '../batchFile/submitSelection';
import { fileNameOf } from '../output/fileNames';

export interface BatchJobControllerDeps {
  /** The extension's workspace storage folder (global storage when no folder is open). */
  readonly storageDir: string;
  readonly keys: KeyStore;
  readonly log: Log;
  readonly cache: WorkspaceCache;
  readonly getParsed?: GetParsed;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof globalThis.fetch;
  /** First wait between polls (default 15 s), growing to `maxPollIntervalMs` (default 2 min). */
  readonly pollIntervalMs?: number;
  readonly maxPollIntervalMs?: number;
  /** Called once for each submission that finishes while the window is open. */
  readonly onFinished?: (submission: SubmissionRecord, answered: readonly string[], unanswered: readonly string[]) => void;
}

export class BatchJobController implements vscode.Disposable {
  readonly #emitter = new vscode.EventEmitter<readonly SubmissionRecord[]>();
  /** The recorded submissions, after every change this window saw. */
  readonly onDidChange = this.#emitter.event;
  #following: AbortController | undefined;
  #known: Set<string> | undefined;

  constructor(private readonly deps: BatchJobControllerDeps) {}

  /** Where jobs are recorded. */
  get stateFile(): string {
    return join(this.deps.storageDir, jobStateFileName);
  }

  /**
   * Submits the requests of a .llmbatch or .jsonl file — all of them, or those
   * `selection` picks as a run would — that the cache does not answer yet.
   * Refuses (with `RunRefusedError`) exactly what a live run would refuse, and
   * files that send to more than one endpoint.
   */
  async submit(uri: vscode.Uri, options: { readonly confirm?: boolean; readonly selection?: Selection } = {}): Promise<SubmissionRecord | undefined> {
    if (!vscode.workspace.isTrusted) throw new RunRefusedError('Batch jobs are disabled in untrusted workspaces: trust this workspace to send requests.');
    const fileName = fileNameOf(uri);
    const settings = readRunSettings(uri);
    if (!settings.cacheEnabled) throw new RunRefusedError('Batch job answers are delivered through the cache: turn llmbatch.cache.enabled on to submit jobs.');
    const batch = await loadBatch(uri, settings.defaultProvider, this.deps.getParsed);
    const items = itemsToSubmit(batch, options.selection, fileName);
    const setup = await setUpProviders(items, batch, settings, this.deps.keys, { env: this.#env, ...(this.deps.fetch && { fetch: this.deps.fetch }) });
    const [endpoint, ...others] = setup.endpoints;
    if (!endpoint || others.length > 0 || endpoint.kind !== 'openai') {
      throw new RunRefusedError(`A batch job goes to one OpenAI-compatible Batch API; ${fileName} sends to ${setup.endpoints.map((e) => e.profile).join(', ')}.`);
    }
    if (options.confirm) {
      const estimate = estimateCost(items);
      const cost = estimate.batchUsd !== undefined && estimate.usd !== undefined ? `Estimated cost at most ${formatUsd(estimate.batchUsd)} through the Batch API (${formatUsd(estimate.usd)} live).` : 'The cost is unknown: no price is known for these models.';
      const detail = `${cost}\nRequests already answered in the cache are not sent. Answers arrive within 24 hours and go into this workspace's cache; this window follows the job while it is open.`;
      const submit = 'Submit';
      const answer = await vscode.window.showInformationMessage(`Submit ${items.length} request${items.length === 1 ? '' : 's'} of ${fileName} as a batch job to ${endpoint.apiBase}?`, { modal: true, detail }, submit);
      if (answer !== submit) return undefined;
    }
    const jobs = this.#jobs(settings.cacheTtlMs);
    let submission: SubmissionRecord;
    try {
      submission = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `LLM Batch: submitting ${fileName}` }, (progress) =>
        jobs.submit(items, {
          file: uri.toString(),
          endpoint: { profile: endpoint.profile, apiBase: endpoint.apiBase },
          identity: setup.providerFor(items[0]!.request).identity,
          onJob: (job, record) => progress.report({ message: `${job.id} (${record.jobs.length} job${record.jobs.length === 1 ? '' : 's'})` }),
        }),
      );
    } catch (error) {
      if (error instanceof JobInputError) throw new RunRefusedError(`${fileName}: ${error.message}`);
      throw error;
    }
    this.deps.log.info(`${fileName}: submitted as ${submission.id}: ${submission.jobs.map((job) => job.id).join(', ') || 'nothing to send (all cached)'}`);
    this.#known?.delete(submission.id);
    this.#emitter.fire(await jobs.list());
    this.follow();
    return submission;
  }

  /** Every recorded submission, oldest first. */
  async list(): Promise<SubmissionRecord[]> {
    return this.#jobs(readRunSettings().cacheTtlMs).list();
  }

  async cancel(jobId: string): Promise<BatchJobRecord> {
    const jobs = this.#jobs(readRunSettings().cacheTtlMs);
    const job = await jobs.cancel(jobId);
    this.deps.log.info(`${jobId}: ${job.status}`);
    this.#emitter.fire(await jobs.list());
    this.follow();
    return job;
  }

  /** The ids of the answered and of the unanswered requests of a finished submission. */
  async outcome(submission: SubmissionRecord): Promise<{ answered: string[]; unanswered: string[] }> {
    const results = await submissionResults(submission, this.deps.cache.open(readRunSettings().cacheTtlMs));
    return { answered: results.filter((r) => r.ok).map((r) => r.id), unanswered: results.filter((r) => !r.ok).map((r) => r.id) };
  }

  /** Polls the unfinished jobs until they are done; does nothing when already polling or nothing is unfinished. */
  follow(): void {
    if (this.#following) return;
    const abort = new AbortController();
    this.#following = abort;
    void this.#follow(abort.signal)
      .catch((error: unknown) => {
        if (!abort.signal.aborted) this.deps.log.warn(`Batch jobs: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        if (this.#following === abort) this.#following = undefined;
      });
  }

  async #follow(signal: AbortSignal): Promise<void> {
    const jobs = this.#jobs(readRunSettings().cacheTtlMs);
    const recorded = await jobs.list();
    this.#known ??= new Set(recorded.filter(isSubmissionDone).map((submission) => submission.id));
    this.#emitter.fire(recorded);
    if (recorded.every(isSubmissionDone)) return;
    const reported = new Set<string>();
    const report = await jobs.wait({
      signal,
      onUpdate: (update) => {
        this.#emitter.fire(update.submissions);
        for (const problem of update.problems) {
          if (reported.has(problem.message)) continue;
          reported.add(problem.message);
          this.deps.log.warn(`Batch job ${problem.jobId ?? problem.submissionId}: ${problem.message}`);
        }
        for (const submission of update.submissions) {
          if (!isSubmissionDone(submission) || this.#known?.has(submission.id)) continue;
          this.#known?.add(submission.id);
          void this.outcome(submission).then(({ answered, unanswered }) => this.deps.onFinished?.(submission, answered, unanswered));
        }
      },
    });
    const stuck = report.problems.filter((problem) => problem.permanent);
    if (stuck.length) void vscode.window.showWarningMessage(`LLM Batch: a batch job cannot be followed: ${stuck[0]!.message}`);
  }

  #jobs(cacheTtlMs: number): BatchJobs {
    const { keys } = this.deps;
    return new BatchJobs({
      store: new FileJobStore(this.stateFile),
      cache: this.deps.cache.open(cacheTtlMs),
      connect: (endpoint) =>
        batchApiFor(endpoint, {
          profiles: readProfiles(),
          findKey: (target) => findProfileKey(target, { secret: (profile) => keys.get(profile), env: this.#env }),
          ...(this.deps.fetch && { fetch: this.deps.fetch }),
          hint: () => 'Point the profile back at that URL (or list it in its allowedBaseUrls) in your user settings to follow them.',
        }),
      pollIntervalMs: this.deps.pollIntervalMs ?? 15_000,
      maxPollIntervalMs: this.deps.maxPollIntervalMs ?? 120_000,
    });
  }

  get #env(): Readonly<Record<string, string | undefined>> {
    return this.deps.env ?? process.env;
  }

  dispose(): void {
    this.#following?.abort();
    this.#emitter.dispose();
  }
}
