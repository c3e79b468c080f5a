import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, config, extensionId, fixture } from './hostFixtures';
import { MockServer } from '../../mock/mockServer';
import type { LlmbatchApi } from '../../../src/extension/extension';
import type { RunEvent } from '../../../src/extension/runs/runEvents';

/** The cache's journal files in `directory`. */
function cacheJournals(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => /^cache-[0-9a-z]+-\d+-[0-9a-f]{8}\.jsonl$/.test(name))
      .map((name) => join(directory, name));
  } catch {
    return [];
  }
}

/** The keys of the answers in the cache (one JSON line per answer in the journals, newest last). */
function cacheEntries(directory: string): string[] {
  const keys = new Set<string>();
  for (const journal of cacheJournals(directory)) {
    for (const line of readFileSync(journal, 'utf8').split('\n').slice(1)) {
      if (!line) continue;
      const entry = JSON.parse(line) as { key: string; deleted?: boolean };
      if (entry.deleted) keys.delete(entry.key);
      else keys.add(entry.key);
    }
  }
  return [...keys];
}

function answerOf(result: { ok: boolean } & Record<string, unknown>): string | undefined {
  const response = (result as { response?: { choices: { message: { content?: string | null } }[] } }).response;
  return response?.choices[0]?.message.content ?? undefined;
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function setProfiles(profiles: Record<string, unknown> | undefined): Promise<void> {
  await config().update('profiles', profiles, vscode.ConfigurationTarget.Global);
}

describe('runs from the editor', function () {
  // Generous: on a busy 2-core machine opening an editor alone can take seconds.
  this.timeout(60_000);
  let api: LlmbatchApi;
  let server: MockServer;
  let other: MockServer;

  before(async () => {
    api = await activateExtension();
    server = await MockServer.start();
    other = await MockServer.start();
    await setProfiles({
      mock: { baseUrl: server.baseUrl, requiresKey: false },
      keyed: { baseUrl: server.baseUrl, requiresKey: true },
    });
    await api.clearCache();
  });

  after(async () => {
    await setProfiles(undefined);
    await config().update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    await api.setApiKey('keyed', '');
    await api.clearCache();
    await server.close();
    await other.close();
  });

  beforeEach(() => {
    server.resetRecords();
    other.resetRecords();
    server.setScript(undefined);
  });

  it('contributes every command under the "LLM Batch" category and registers them all', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    const contributed = (extension?.packageJSON.contributes.commands ?? []) as { command: string; category?: string }[];
    const expected = ['runBatch', 'runRequestAtCursor', 'runBlock', 'rerunFailed', 'cancelRun', 'showResults', 'dryRun', 'setApiKey', 'clearCache'].map((name) => `llmbatch.${name}`);
    assert.deepEqual(
      contributed.map((c) => c.command).filter((id) => expected.includes(id)).sort(),
      [...expected].sort(),
    );
    for (const command of contributed) assert.equal(command.category, 'LLM Batch', command.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of contributed.map((c) => c.command)) assert.ok(registered.has(id), `${id} is contributed but not registered`);
  });

  it('runs a file from the Run Batch command and caches every answer in workspace storage', async () => {
    const result = (await vscode.commands.executeCommand('llmbatch.runBatch', fixture('runs/greetings.llmbatch'))) as Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    assert.ok(result, 'the command returned no run');
    assert.equal(result.results.length, 4);
    assert.deepEqual(
      result.results.map((r) => answerOf(r as never)),
      ['French', 'German', 'Italian', 'Spanish'].map((lang) => `mock: Say hello in ${lang}.`),
    );
    assert.ok(result.results.every((r) => r.ok && !r.cached));
    assert.equal(server.requests.length, 4);
    assert.equal(cacheEntries(api.cacheDirectory).length, 4, `expected 4 entries under ${api.cacheDirectory}`);
  });

  it('answers a second run entirely from the cache, sending nothing', async () => {
    const result = await api.runBatch(fixture('runs/greetings.llmbatch'));
    assert.equal(result.stats.cached, 4);
    assert.ok(result.results.every((r) => r.ok && r.cached));
    assert.equal(server.requests.length, 0);
  });

  it('keeps (and caches) the finished answers of a cancelled run', async () => {
    await api.clearCache();
    await config().update('concurrency', 1, vscode.ConfigurationTarget.Global);
    // French answers at once; every other request hangs until the run is cancelled.
    server.setScript((ctx) => (JSON.stringify(ctx.body).includes('French') ? undefined : { kind: 'hang' }));
    const events: RunEvent[] = [];
    let cancelled = false;
    const subscription = api.onDidRunEvent((event) => {
      events.push(event);
      if (!cancelled && event.type === 'results' && event.results.some((r) => r.ok)) {
        cancelled = true;
        setTimeout(() => api.cancel(), 50);
      }
    });
    try {
      const result = await api.runBatch(fixture('runs/greetings.llmbatch'));
      assert.equal(result.cancelled, true);
      assert.equal(result.results[0]?.ok, true);
      assert.equal(answerOf(result.results[0] as never), 'mock: Say hello in French.');
      assert.ok(result.results.slice(1).every((r) => !r.ok && r.error.code === 'cancelled'));
      assert.equal(result.stats.unfinished, 3);
      assert.ok(events.some((e) => e.type === 'results'));
      assert.equal(events[0]?.type, 'started');
      assert.equal(events.at(-1)?.type, 'finished');
    } finally {
      subscription.dispose();
      await config().update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    }
    server.setScript(undefined);
    server.resetRecords();
    const again = await api.runBatch(fixture('runs/greetings.llmbatch'));
    assert.equal(again.results[0]?.cached, true, 'the answer finished before cancelling was not cached');
    assert.equal(server.requests.length, 3);
  });

  it('runs the block under the cursor, and a block by name as its CodeLens does', async () => {
    const uri = fixture('runs/two-blocks.llmbatch');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    editor.selection = new vscode.Selection(9, 3, 9, 3);
    const atCursor = (await vscode.commands.executeCommand('llmbatch.runRequestAtCursor')) as Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    assert.deepEqual(
      atCursor.results.map((r) => answerOf(r as never)),
      ['mock: Say goodbye.'],
    );
    const byName = (await vscode.commands.executeCommand('llmbatch.runBlock', uri.toString(), 'hello')) as Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    assert.deepEqual(
      byName.results.map((r) => answerOf(r as never)),
      ['mock: Say hello in French.', 'mock: Say hello in German.'],
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('re-runs only the failed requests, as an update of the earlier run', async () => {
    await api.clearCache();
    server.setScript((ctx) => (JSON.stringify(ctx.body).includes('German') ? { kind: 'status', status: 400, body: { error: { message: 'German is unavailable', type: 'invalid_request_error' } } } : undefined));
    const first = await api.runBatch(fixture('runs/greetings.llmbatch'));
    assert.equal(first.stats.failed, 1);
    const failed = first.results.find((r) => !r.ok);
    assert.ok(failed && !failed.ok);
    assert.match(failed.error.message, /German is unavailable/);

    server.setScript(undefined);
    server.resetRecords();
    const events: RunEvent[] = [];
    const subscription = api.onDidRunEvent((event) => events.push(event));
    try {
      const rerun = (await vscode.commands.executeCommand('llmbatch.rerunFailed', fixture('runs/greetings.llmbatch'))) as Awaited<ReturnType<LlmbatchApi['runBatch']>>;
      assert.deepEqual(
        rerun.results.map((r) => [r.id, r.index, answerOf(r as never)]),
        [[failed.id, failed.index, 'mock: Say hello in German.']],
      );
    } finally {
      subscription.dispose();
    }
    assert.equal(server.requests.length, 1);
    const started = events.find((e) => e.type === 'started');
    assert.ok(started && started.type === 'started');
    assert.equal(started.updates, first.runId);
  });

  it('empties the workspace cache with Clear Cache', async () => {
    await api.runBatch(fixture('runs/greetings.llmbatch'));
    assert.ok(cacheEntries(api.cacheDirectory).length > 0);
    await vscode.commands.executeCommand('llmbatch.clearCache');
    assert.deepEqual(cacheEntries(api.cacheDirectory), []);
  });

  it('refuses a file that points a keyed profile at another host, sending nothing and no key', async () => {
    await api.setApiKey('keyed', 'sk-host-test-secret');
    const document = await vscode.workspace.openTextDocument({
      language: 'llmbatch',
      content: `@provider = keyed\n@api_base = ${other.baseUrl}\n\n### steal\nuser: hello\n`,
    });
    const marked = () => vscode.languages.getDiagnostics(document.uri).filter((d) => d.code === 'key-to-other-host');
    assert.ok(await eventually(() => marked().length === 1, 10_000), 'the @api_base line was not marked while editing');
    await assert.rejects(api.runBatch(document.uri), (error: Error) => {
      assert.match(error.message, /not the base URL configured for provider "keyed"/);
      assert.match(error.message, /line 2/);
      return true;
    });
    assert.equal(server.requests.length, 0);
    assert.equal(other.requests.length, 0);
    const diagnostics = marked();
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]?.range.start.line, 1);
    assert.doesNotMatch(diagnostics[0]?.message ?? '', /sk-host-test-secret/);
  });

  it('stores a key in secret storage and sends it as Bearer to its own profile only', async () => {
    await api.setApiKey('keyed', 'sk-host-test-secret');
    assert.equal(await api.hasApiKey('keyed'), true);
    const document = await vscode.workspace.openTextDocument({ language: 'llmbatch', content: '@provider = keyed\n\n### hi\nuser: hello keyed\n' });
    const result = await api.runBatch(document.uri, { bypassCache: true });
    assert.equal(result.results[0]?.ok, true);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]?.headers.authorization, 'Bearer sk-host-test-secret');
    assert.equal(other.requests.length, 0);
    assert.ok(cacheJournals(api.cacheDirectory).length > 0);
    for (const journal of cacheJournals(api.cacheDirectory)) assert.doesNotMatch(readFileSync(journal, 'utf8'), /sk-host-test-secret/);

    await api.setApiKey('keyed', '');
    assert.equal(await api.hasApiKey('keyed'), false);
    await assert.rejects(api.runBatch(document.uri, { bypassCache: true }), /No API key for provider "keyed"/);
  });
});
