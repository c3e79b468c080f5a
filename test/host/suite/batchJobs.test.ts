import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, config, fixture } from './hostFixtures';
import { MockServer } from '../../mock/mockServer';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import type { MockBatchApi } from '../../mock/batchApiRoutes';
import type { LlmbatchApi } from '../../../src/extension/extension';
import type { BatchRunResult } from '../../../src/extension/runs/runController';
import type { JobState, SubmissionRecord } from '../../../src/core/batchApi/jobState';
import { jobStateFileName } from '../../../src/core/batchApi/jobState';
import { isSubmissionDone } from '../../../src/core/batchApi/jobResults';
import type { StoredRun } from '../../../src/extension/results/runRecord';
import { RunRecord } from '../../../src/extension/results/runRecord';
import { runPath } from '../../../src/extension/results/runHistory';

/** The submission as the workspace's job file records it now. */
function recorded(api: LlmbatchApi, id: string): SubmissionRecord | undefined {
  const path = join(dirname(api.cacheDirectory), jobStateFileName);
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as JobState).submissions.find((submission) => submission.id === id);
}

/** The results panel's record of a run, as it stored it for the panel to show. */
async function panelRecord(api: LlmbatchApi, run: BatchRunResult): Promise<RunRecord> {
  const path = join(dirname(api.cacheDirectory), 'results', runPath(run.fileUri, run.runId));
  assert.ok(await eventually(() => existsSync(path), 10_000), 'the results panel did not store the run');
  return RunRecord.fromStored(JSON.parse(readFileSync(path, 'utf8')) as StoredRun);
}

const firstContent = (line: { body: unknown }) => (line.body as { messages: { content: string }[] }).messages[0]!.content;

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe('batch jobs from the editor', function () {
  this.timeout(60_000);
  let api: LlmbatchApi;
  let server: MockServer;
  let batch: MockBatchApi;

  before(async () => {
    api = await activateExtension();
    server = await MockServer.start();
    batch = addBatchApiRoutes(server, { finishOnFirstPoll: true });
    await config().update('profiles', { mock: { baseUrl: server.baseUrl, requiresKey: false } }, vscode.ConfigurationTarget.Global);
    await api.clearCache();
  });

  after(async () => {
    await config().update('profiles', undefined, vscode.ConfigurationTarget.Global);
    await api.clearCache();
    await server.close();
  });

  it('submits a file as a batch job, collects its answers into the cache, and a run then sends nothing', async () => {
    const file = fixture('runs/greetings.llmbatch');
    const submission = (await vscode.commands.executeCommand('llmbatch.submitBatchJob', file, { confirm: false })) as SubmissionRecord | undefined;
    assert.ok(submission, 'the command returned no submission');
    assert.equal(submission.jobs.length, 1);
    assert.equal(batch.jobList.length, 1);
    assert.deepEqual(batch.jobList[0]!.lines.map((line) => (line.body as { messages: { content: string }[] }).messages[0]!.content), ['French', 'German', 'Italian', 'Spanish'].map((lang) => `Say hello in ${lang}.`));
    assert.equal(server.requests.filter((request) => request.path === '/v1/chat/completions').length, 0);

    assert.ok(await eventually(() => { const now = recorded(api, submission.id); return now !== undefined && isSubmissionDone(now); }, 30_000), 'the finished job was not collected');
    assert.equal(recorded(api, submission.id)!.jobs[0]!.answered, 4);
    server.resetRecords();
    const run = await api.runBatch(file);
    assert.ok(run.results.every((result) => result.ok && result.cached));
    assert.equal(server.requests.length, 0);

    // The panel marks the job's answers "batch", in the table and the detail, not "cached".
    const record = await panelRecord(api, run);
    assert.deepEqual(record.allRows().map((row) => row.status), ['batch', 'batch', 'batch', 'batch']);
    assert.equal(record.detail(run.items[0]!.id)?.via, 'batch');

    // A live answer replaces the job's: it is then "cached" like any other.
    await api.runBatch(file, { onlyIds: [run.items[0]!.id], bypassCache: true });
    const again = await api.runBatch(file);
    assert.deepEqual((await panelRecord(api, again)).allRows().map((row) => row.status), ['cached', 'batch', 'batch', 'batch']);
  });

  it('submits only the block a run was about to send', async () => {
    await api.clearCache();
    const file = fixture('runs/two-blocks.llmbatch');
    const jobsBefore = batch.jobList.length;
    const submission = (await vscode.commands.executeCommand('llmbatch.submitBatchJob', file, { confirm: false, selection: { blocks: ['goodbye'] } })) as SubmissionRecord | undefined;
    assert.ok(submission, 'the command returned no submission');
    assert.equal(submission.requests.length, 1);
    assert.equal(batch.jobList.length, jobsBefore + 1);
    assert.deepEqual(batch.jobList.at(-1)!.lines.map(firstContent), ['Say goodbye.']);
  });

  it('keeps the answers of an expired job, shows them, and sends only the rest live in one action', async () => {
    await api.clearCache();
    batch.behaviour = { finishOnFirstPoll: true, expireAfter: 2 };
    try {
      const file = fixture('runs/greetings.llmbatch');
      const submission = (await vscode.commands.executeCommand('llmbatch.submitBatchJob', file, { confirm: false })) as SubmissionRecord | undefined;
      assert.ok(submission);
      assert.ok(await eventually(() => { const now = recorded(api, submission.id); return now !== undefined && isSubmissionDone(now); }, 30_000), 'the expired job was not collected');
      assert.equal(recorded(api, submission.id)!.jobs[0]!.status, 'expired');
      server.resetRecords();

      const shown = (await vscode.commands.executeCommand('llmbatch.showBatchJobResults', submission.id)) as BatchRunResult | undefined;
      assert.ok(shown, 'the answers of the expired job were not shown');
      assert.equal(server.requests.length, 0, 'showing the kept answers sends nothing');
      assert.deepEqual((await panelRecord(api, shown)).allRows().map((row) => [row.variables['lang'], row.status]), [['French', 'batch'], ['German', 'batch']]);

      const rest = (await vscode.commands.executeCommand('llmbatch.sendBatchJobRestLive', submission.id)) as BatchRunResult | undefined;
      assert.ok(rest, 'the rest was not sent');
      const sent = server.requests.filter((request) => request.path === '/v1/chat/completions').map((request) => (request.body as { messages: { content: string }[] }).messages[0]!.content);
      assert.deepEqual(sent.sort(), ['Say hello in Italian.', 'Say hello in Spanish.']);
      assert.deepEqual((await panelRecord(api, rest)).allRows().map((row) => row.status), ['batch', 'batch', 'ok', 'ok']);
    } finally {
      batch.behaviour = { finishOnFirstPoll: true };
    }
  });
});
