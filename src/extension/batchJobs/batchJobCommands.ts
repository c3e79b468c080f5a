/**
 * The Batch API commands — Submit as Batch Job, Show Batch Jobs, Cancel Batch
 * Job… — and the status-bar item that shows jobs still running. Activation
 * only reads the job file; polling starts when it lists unfinished jobs.
 *
 * A finished submission offers two actions (in its notification and in Show
 * Batch Jobs), also commands that take the submission id:
 * `llmbatch.showBatchJobResults` shows its answers in the results panel, and
 * `llmbatch.sendBatchJobRestLive` runs its requests again, which sends live
 * only those the job did not answer (expired, failed, cancelled) — the answers
 * it did produce come from the cache, marked "batch".
 */
import * as vscode from 'vscode';
import type { SubmissionRecord } from '../../core/batchApi/jobState';
import { isTerminalStatus } from '../../core/batchApi/batchObjects';
import { isSubmissionDone, summarizeSubmission } from '../../core/batchApi/jobResults';
import type { KeyStore } from '../keys/keyStore';
import type { Log } from '../output/log';
import type { GetParsed } from '../batchFile/batchSource';
import type { RunController } from '../runs/runController';
import { RunRefusedError } from '../batchFile/runSetup';
import type { WorkspaceCache } from '../cache/workspaceCache';
import { report } from '../runs/commands';
import { BatchJobController } from './batchJobController';
import { readSubmitOptions } from '../batchFile/submitSelection';
import { fileNameOf } from '../output/fileNames';

export interface BatchJobDeps {
  readonly context: Pick<vscode.ExtensionContext, 'storageUri' | 'globalStorageUri'>;
  readonly runs: RunController;
  readonly keys: KeyStore;
  readonly log: Log;
  readonly cache: WorkspaceCache;
  readonly getParsed?: GetParsed;
}

/** Registers the batch job commands and starts following recorded jobs; everything returned must be disposed. */
export function registerBatchJobs(deps: BatchJobDeps): vscode.Disposable[] {
  const { runs, log } = deps;
  const showAnswers = async (uri: vscode.Uri, ids: readonly string[]) => {
    const result = await report(runs.run(uri, { onlyIds: ids, confirm: true }), { log });
    await vscode.commands.executeCommand('llmbatch.showResults', uri);
    return result;
  };
  // The whole submission, so the panel shows the job's answers beside the live ones; the confirmation counts only what is sent.
  const sendRestLive = (submission: SubmissionRecord) => report(runs.run(vscode.Uri.parse(submission.file), { onlyIds: submission.requests.map(([id]) => id), confirm: true }), { log });
  const controller = new BatchJobController({
    storageDir: (deps.context.storageUri ?? deps.context.globalStorageUri).fsPath,
    keys: deps.keys,
    log,
    cache: deps.cache,
    ...(deps.getParsed && { getParsed: deps.getParsed }),
    onFinished: (submission, answered, unanswered) => {
      const uri = vscode.Uri.parse(submission.file);
      const message = `LLM Batch: the batch job of ${fileNameOf(uri)} finished — ${answered.length} answered${unanswered.length ? `, ${unanswered.length} without an answer` : ''}.`;
      const actions = [...(answered.length ? ['Show Results'] : []), ...(unanswered.length ? ['Send the Rest Live'] : [])];
      const shown = unanswered.length ? vscode.window.showWarningMessage(message, ...actions) : vscode.window.showInformationMessage(message, ...actions);
      void shown.then((action) => {
        if (action === 'Show Results') void showAnswers(uri, answered);
        if (action === 'Send the Rest Live') void sendRestLive(submission);
      });
    },
  });
  const statusBar = new BatchJobStatusBar(controller.onDidChange);
  controller.follow();

  const refuse = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof RunRefusedError)) log.error(`Batch job: ${message}`);
    void vscode.window.showErrorMessage(`LLM Batch: ${message}`);
  };
  /** The recorded submission `id` once all its jobs are collected; tells the user otherwise. */
  const finished = async (id: unknown): Promise<SubmissionRecord | undefined> => {
    const submissions = await controller.list().catch((error: unknown) => (refuse(error), [] as SubmissionRecord[]));
    if (typeof id !== 'string') return pickFinished(submissions);
    const submission = submissions.find((candidate) => candidate.id === id);
    if (!submission) void vscode.window.showWarningMessage(`LLM Batch: no batch job submission ${id} in this workspace.`);
    else if (!isSubmissionDone(submission)) void vscode.window.showInformationMessage(`LLM Batch: ${fileNameOf(vscode.Uri.parse(submission.file))}: ${summarizeSubmission(submission)} — not finished yet.`);
    return submission && isSubmissionDone(submission) ? submission : undefined;
  };

  // From the command palette: the user picks one of the finished submissions.
  const pickFinished = async (submissions: readonly SubmissionRecord[]): Promise<SubmissionRecord | undefined> => {
    const done = submissions.filter(isSubmissionDone);
    if (done.length === 0) {
      void vscode.window.showInformationMessage('LLM Batch: no finished batch jobs in this workspace.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      done.map((submission) => ({ label: fileNameOf(vscode.Uri.parse(submission.file)), description: summarizeSubmission(submission), detail: submission.id, submission })),
      { placeHolder: 'Which batch job submission?' },
    );
    return picked?.submission;
  };

  return [
    controller,
    statusBar,
    // A second argument (`SubmitCommandOptions`) can skip the question (the run confirmation already showed the price) and pick blocks or requests.
    vscode.commands.registerCommand('llmbatch.submitBatchJob', async (arg?: unknown, rawOptions?: unknown) => {
      const options = readSubmitOptions(rawOptions);
      const uri = toUri(arg) ?? activeRunnable();
      if (!uri) {
        void vscode.window.showWarningMessage('LLM Batch: open a .llmbatch or OpenAI Batch .jsonl file to submit it as a batch job.');
        return undefined;
      }
      try {
        const submission = await controller.submit(uri, { confirm: options.confirm !== false, ...(options.selection && { selection: options.selection }) });
        if (submission?.jobs.length === 0) void vscode.window.showInformationMessage(`LLM Batch: every request of ${fileNameOf(uri)} is already answered in the cache; nothing was submitted.`);
        else if (submission) void vscode.window.showInformationMessage(`LLM Batch: submitted ${fileNameOf(uri)} as ${submission.jobs.length} batch job${submission.jobs.length === 1 ? '' : 's'}; answers arrive within 24 hours.`, 'Show Batch Jobs').then((action) => action && vscode.commands.executeCommand('llmbatch.showBatchJobs'));
        return submission;
      } catch (error) {
        refuse(error);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('llmbatch.showBatchJobs', async () => {
      const submissions = await controller.list().catch((error: unknown) => (refuse(error), [] as SubmissionRecord[]));
      if (submissions.length === 0) {
        void vscode.window.showInformationMessage('LLM Batch: no batch jobs in this workspace ("LLM Batch: Submit as Batch Job" creates them).');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        [...submissions].reverse().map((submission) => ({ label: fileNameOf(vscode.Uri.parse(submission.file)), description: summarizeSubmission(submission), detail: submission.jobs.map((job) => `${job.id}: ${job.status}`).join(' · '), submission })),
        { title: 'LLM Batch: Batch Jobs' },
      );
      if (!picked) return;
      const { submission } = picked;
      const uri = vscode.Uri.parse(submission.file);
      if (!isSubmissionDone(submission)) {
        const running = submission.jobs.filter((job) => !isTerminalStatus(job.status));
        const action = await vscode.window.showInformationMessage(`${fileNameOf(uri)}: ${summarizeSubmission(submission)}`, ...(running.length ? ['Cancel Jobs'] : []));
        if (action === 'Cancel Jobs') for (const job of running) await controller.cancel(job.id).catch(refuse);
        return;
      }
      const { answered, unanswered } = await controller.outcome(submission);
      const action = await vscode.window.showInformationMessage(`${fileNameOf(uri)}: ${answered.length} answered, ${unanswered.length} without an answer`, ...(answered.length ? ['Show Results'] : []), ...(unanswered.length ? ['Send the Rest Live'] : []));
      if (action === 'Show Results') await showAnswers(uri, answered);
      if (action === 'Send the Rest Live') await sendRestLive(submission);
    }),
    vscode.commands.registerCommand('llmbatch.showBatchJobResults', async (submissionId?: unknown) => {
      const submission = await finished(submissionId);
      if (!submission) return undefined;
      const { answered } = await controller.outcome(submission);
      if (answered.length === 0) {
        void vscode.window.showInformationMessage(`LLM Batch: the batch job of ${fileNameOf(vscode.Uri.parse(submission.file))} answered nothing.`);
        return undefined;
      }
      return showAnswers(vscode.Uri.parse(submission.file), answered);
    }),
    vscode.commands.registerCommand('llmbatch.sendBatchJobRestLive', async (submissionId?: unknown) => {
      const submission = await finished(submissionId);
      return submission ? sendRestLive(submission) : undefined;
    }),
    vscode.commands.registerCommand('llmbatch.cancelBatchJob', async (jobId?: unknown) => {
      let id = typeof jobId === 'string' ? jobId : undefined;
      if (!id) {
        const running = (await controller.list()).flatMap((submission) => submission.jobs.filter((job) => !isTerminalStatus(job.status)).map((job) => ({ label: job.id, description: job.status, detail: fileNameOf(vscode.Uri.parse(submission.file)) })));
        if (running.length === 0) {
          void vscode.window.showInformationMessage('LLM Batch: no batch job is running.');
          return undefined;
        }
        id = (await vscode.window.showQuickPick(running, { title: 'LLM Batch: Cancel Batch Job' }))?.label;
      }
      if (!id) return undefined;
      try {
        return await controller.cancel(id);
      } catch (error) {
        refuse(error);
        return undefined;
      }
    }),
  ];
}

/** `$(cloud) 2 batch jobs` while jobs run; hidden otherwise. */
class BatchJobStatusBar implements vscode.Disposable {
  #item: vscode.StatusBarItem | undefined;
  readonly #subscription: vscode.Disposable;

  constructor(onChange: vscode.Event<readonly SubmissionRecord[]>) {
    this.#subscription = onChange((submissions) => this.#update(submissions));
  }

  #update(submissions: readonly SubmissionRecord[]): void {
    const running = submissions.flatMap((submission) => submission.jobs).filter((job) => job.collectedAt === undefined);
    if (running.length === 0) {
      this.#item?.hide();
      return;
    }
    if (!this.#item) {
      this.#item = vscode.window.createStatusBarItem('llmbatch.batchJobs', vscode.StatusBarAlignment.Left, 49);
      this.#item.name = 'LLM Batch jobs';
      this.#item.command = 'llmbatch.showBatchJobs';
    }
    const statuses = [...new Set(running.map((job) => job.status))].join(', ');
    this.#item.text = `$(cloud) ${running.length} batch job${running.length === 1 ? '' : 's'}`;
    this.#item.tooltip = `LLM Batch: ${running.length} batch job${running.length === 1 ? '' : 's'} ${statuses} — click to see them`;
    this.#item.show();
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#item?.dispose();
  }
}

function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg !== '') return /^[a-z][\w+.-]+:/i.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  return undefined;
}

function activeRunnable(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && (document.languageId === 'llmbatch' || /\.(llmbatch|jsonl)$/i.test(document.uri.path)) ? document.uri : undefined;
}
