import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, config, fixture } from './hostFixtures';
import { MockServer } from '../../mock/mockServer';
import { chatCompletionFor } from '../../mock/mockResponses';
import { RunRecord } from '../../../src/extension/results/runRecord';
import type { StoredRun } from '../../../src/extension/results/runRecord';
import type { LlmbatchApi } from '../../../src/extension/extension';

/** The stored form of run `runId`, once the results panel has saved it. */
async function storedRun(resultsDirectory: string, runId: string): Promise<StoredRun> {
  const end = Date.now() + 10_000;
  for (;;) {
    const runs = join(resultsDirectory, 'runs');
    for (const folder of existsSync(runs) ? readdirSync(runs) : []) {
      for (const name of readdirSync(join(runs, folder)).filter((file) => file.endsWith('.json'))) {
        const stored = JSON.parse(readFileSync(join(runs, folder, name), 'utf8')) as StoredRun;
        if (stored.runId === runId) return stored;
      }
    }
    if (Date.now() > end) throw new Error(`run ${runId} was not stored`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
  return lenses.sort((a, b) => a.range.start.line - b.range.start.line).map((lens) => lens.command?.title ?? '');
}

describe('scored runs in the editor', function () {
  this.timeout(60_000);
  let api: LlmbatchApi;
  let server: MockServer;
  let resultsDirectory: string;
  let scratch: vscode.Uri;
  // A copy outside the workspace: the re-scoring test edits it, and the workbench saves edits by itself.
  const file = () => scratch;

  before(async () => {
    api = await activateExtension();
    server = await MockServer.start();
    // The grader model says every answer passes; the others echo the question.
    server.route('POST', '/v1/chat/completions', (ctx) => {
      const body = ctx.body as { messages: unknown[]; model?: string };
      const completion = chatCompletionFor(body, ctx.sequence, Date.now()) as { choices: { message: { content: string } }[] };
      if (body.model === 'mock-judge') completion.choices[0]!.message.content = '{"pass": true, "reason": "it names a country"}';
      return { status: 200, body: completion };
    });
    await config().update('profiles', { mock: { baseUrl: server.baseUrl, requiresKey: false } }, vscode.ConfigurationTarget.Global);
    await api.clearCache();
    resultsDirectory = join(dirname(api.cacheDirectory), 'results');
    scratchDir = mkdtempSync(join(tmpdir(), 'llmbatch-expect-'));
    scratch = vscode.Uri.file(join(scratchDir, 'expectations.llmbatch'));
    writeFileSync(scratch.fsPath, readFileSync(fixture('runs/expectations.llmbatch').fsPath));
  });
  let scratchDir: string;

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(scratchDir, { recursive: true, force: true });
    await config().update('profiles', undefined, vscode.ConfigurationTarget.Global);
    await server.close();
  });

  it('scores a run as the command line does, grader requests sent through the engine and counted apart', async () => {
    server.resetRecords();
    const result = await api.runBatch(file(), { bypassCache: true });
    assert.equal(result.stats.total, 6);
    assert.equal(result.stats.succeeded, 6);
    assert.deepEqual(result.expect?.counts, { scored: 4, passed: 2 });
    assert.equal(result.expect?.graders?.requests, 4);
    const models = server.requests.map((request) => (request.body as { model?: string }).model);
    // Both models answer alike, so their grader requests are the same: each is sent once.
    assert.equal(models.filter((model) => model === 'mock-judge').length, 2);
    assert.equal(models.length, 8);
    const oslo = Object.values(result.expect?.outcomes ?? {}).find((outcome) => !outcome.pass);
    assert.ok(oslo, `no failing outcome among ${Object.keys(result.expect?.outcomes ?? {}).join(', ')}`);
    assert.deepEqual(
      oslo.checks.map((check) => [check.check, check.pass]),
      [
        ['contains Oslo', true],
        ['not contains Oslo', false],
        ['judge The answer names a country.', true],
      ],
    );
    // The failing check points at its expect: line.
    const lines = readFileSync(file().fsPath, 'utf8').split('\n');
    assert.equal(lines[oslo.checks[1]!.range!.startLine], 'expect: not contains Oslo');
  });

  it('gives the results panel a checks column and a scoreboard, kept with the stored run', async () => {
    const result = await api.runBatch(file());
    const record = RunRecord.fromStored(await storedRun(resultsDirectory, result.runId));
    const view = record.view();
    const checks = view.rows.map((row) => [row.block, row.variables['model'], row.variables['city'], row.checks]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(checks, [
      ['capitals', 'mock-a', 'Oslo', { passed: 2, total: 3 }],
      ['capitals', 'mock-a', 'Paris', { passed: 3, total: 3 }],
      ['capitals', 'mock-b', 'Oslo', { passed: 2, total: 3 }],
      ['capitals', 'mock-b', 'Paris', { passed: 3, total: 3 }],
      ['plain', 'mock-a', undefined, undefined],
      ['plain', 'mock-b', undefined, undefined],
    ]);
    const board = view.scoreboard?.find((entry) => entry.block === 'capitals');
    assert.deepEqual(
      board?.axes.map(({ axis, rows }) => [axis, rows.map((row) => `${row.value} ${row.passed}/${row.scored}`)]),
      [
        ['model', ['mock-a 1/2', 'mock-b 1/2']],
        ['city', ['Paris 2/2', 'Oslo 0/2']],
      ],
    );
    // Answers and grader verdicts came from the cache this time.
    assert.deepEqual(view.judge && { requests: view.judge.requests, cached: view.judge.cached }, { requests: 4, cached: 4 });
  });

  it('shows each block’s pass rate in its CodeLens after a run', async () => {
    await vscode.window.showTextDocument(file());
    await api.runBatch(file());
    const end = Date.now() + 10_000;
    let titles = await lensTitles(file());
    while (!titles.includes('▶ Run · 4 requests · ✓ 2/4') && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      titles = await lensTitles(file());
    }
    assert.deepEqual(titles, ['▶ Run all · 6 requests', 'Dry run', '▶ Run · 4 requests · ✓ 2/4', '▶ Run · 2 requests']);
  });

  it('re-scores an edited expectation without sending a chat request', async () => {
    const editor = await vscode.window.showTextDocument(file());
    const line = editor.document.getText().split('\n').indexOf('expect: not contains Oslo');
    assert.ok(line > 0, 'the fixture has no "expect: not contains Oslo" line');
    await editor.edit((edit) => edit.replace(new vscode.Range(line, 0, line, 'expect: not contains Oslo'.length), 'expect: not contains Lima'));
    server.resetRecords();
    const result = await api.runBatch(file());
    assert.deepEqual(result.expect?.counts, { scored: 4, passed: 4 });
    assert.equal(server.requests.length, 0);
    assert.ok((await lensTitles(file())).includes('▶ Run · 4 requests · ✓ 4/4'));
  });
});
