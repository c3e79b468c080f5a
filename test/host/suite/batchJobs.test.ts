import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { MockServer } from '../../mock/mockServer';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import type { MockBatchApi } from '../../mock/batchApiRoutes';
import type { LlmbatchApi } from '../../../src/extension/extension';
import type { SubmissionRecord } from '../../../src/core/batchApi/jobState';

const extensionId = 'llmbatch.llmbatch';
const config = () => vscode.workspace.getConfiguration('llmbatch');

function fixture(path: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is not open');
  return vscode.Uri.joinPath(folder.uri, path);
}

/** Every cache entry file under `directory` (one JSON file per answer). */
function cacheEntries(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return cacheEntries(path);
    return /^[0-9a-f]{64}\.json$/.test(name) ? [path] : [];
  });
}

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
    const extension = vscode.extensions.getExtension<LlmbatchApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
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

    assert.ok(await eventually(() => cacheEntries(api.cacheDirectory).length === 4, 30_000), 'the answers of the finished job were not cached');
    server.resetRecords();
    const run = await api.runBatch(file);
    assert.ok(run.results.every((result) => result.ok && result.cached));
    assert.equal(server.requests.length, 0);
  });
});
