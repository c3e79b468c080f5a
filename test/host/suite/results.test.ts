import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, config, fixture } from './hostFixtures';
import { MockServer } from '../../mock/mockServer';
import type { LlmbatchApi } from '../../../src/extension/extension';

function resultsTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('llmbatch.results'));
}

/** Stored run files, by folder (one folder per source file). */
function storedRuns(resultsDirectory: string): Map<string, string[]> {
  const runs = join(resultsDirectory, 'runs');
  const folders = new Map<string, string[]>();
  if (!existsSync(runs)) return folders;
  for (const name of readdirSync(runs)) {
    const path = join(runs, name);
    if (statSync(path).isDirectory()) folders.set(name, readdirSync(path).filter((file) => file.endsWith('.json')));
  }
  return folders;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('results panel', function () {
  this.timeout(30_000);
  let api: LlmbatchApi;
  let server: MockServer;
  let resultsDirectory: string;

  before(async () => {
    api = await activateExtension();
    server = await MockServer.start();
    await config().update('profiles', { mock: { baseUrl: server.baseUrl, requiresKey: false } }, vscode.ConfigurationTarget.Global);
    await api.clearCache();
    resultsDirectory = join(dirname(api.cacheDirectory), 'results');
  });

  after(async () => {
    await config().update('profiles', undefined, vscode.ConfigurationTarget.Global);
    await config().update('results.historySize', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('opens beside the editor when a run starts, leaving the editor focused, one panel per file', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const file = fixture('runs/greetings.llmbatch');
    const editor = await vscode.window.showTextDocument(file, { viewColumn: vscode.ViewColumn.One });
    await api.runBatch(file);
    await until(() => resultsTabs().length === 1, 'the results panel');
    const [tab] = resultsTabs();
    assert.equal(tab?.label, 'Results: greetings.llmbatch');
    assert.notEqual(tab?.group.viewColumn, editor.viewColumn);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), file.toString());

    await api.runBatch(file, { bypassCache: true });
    await api.runBatch(fixture('runs/two-blocks.llmbatch'));
    await until(() => resultsTabs().length === 2, 'a second panel for the second file');
    assert.deepEqual(resultsTabs().map((candidate) => candidate.label).sort(), ['Results: greetings.llmbatch', 'Results: two-blocks.llmbatch']);
  });

  it('keeps the last runs of each file in workspace storage, no more than the history size', async () => {
    await config().update('results.historySize', 2, vscode.ConfigurationTarget.Global);
    const file = fixture('runs/greetings.llmbatch');
    for (let i = 0; i < 3; i++) await api.runBatch(file, { bypassCache: true });
    await api.runBatch(fixture('runs/two-blocks.llmbatch'), { bypassCache: true });
    // Saving happens right after the run's last event.
    await until(() => {
      const stored = [...storedRuns(resultsDirectory).values()];
      return stored.length >= 2 && stored.some((runs) => runs.length === 2);
    }, 'two stored runs of one file and a run of the other');
    const folders = storedRuns(resultsDirectory);
    assert.ok([...folders.values()].every((runs) => runs.length <= 2), JSON.stringify([...folders]));
    assert.ok(folders.size >= 2, 'each file has its own folder');
  });

  it('Show Results reveals the panel of the file instead of opening a second one', async () => {
    const before = resultsTabs().length;
    await vscode.commands.executeCommand('llmbatch.showResults', fixture('runs/greetings.llmbatch'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(resultsTabs().length, before);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until(() => resultsTabs().length === 0, 'panels to close');
    await vscode.commands.executeCommand('llmbatch.showResults', fixture('runs/greetings.llmbatch'));
    await until(() => resultsTabs().length === 1, 'the panel to reopen from storage');
  });
});
