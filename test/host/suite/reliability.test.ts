import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { config, extensionId, fixture } from './hostFixtures';
import { MockServer } from '../../mock/mockServer';
import { echoingFault } from '../../mock/credentialEchoes';
import type { LlmbatchApi } from '../../../src/extension/extension';
import type { RunEvent } from '../../../src/extension/runs/runEvents';
import type { RunHistory } from '../../../src/extension/results/runHistory';
import type { StoredRun } from '../../../src/extension/results/runRecord';
import { RunRecord } from '../../../src/extension/results/runRecord';
import { ResultsPanel } from '../../../src/extension/results/resultsPanel';
import type { HostMessage } from '../../../src/webview/protocol';

/** Every file under `directory`, with its text. */
function filesUnder(directory: string): { path: string; text: string }[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'utf8') }];
  });
}

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A webview panel without a webview: what the host posts is recorded, what the webview would post is `send`. */
function fakeWebviewPanel() {
  const received = new vscode.EventEmitter<unknown>();
  const viewState = new vscode.EventEmitter<vscode.WebviewPanelOnDidChangeViewStateEvent>();
  const disposed = new vscode.EventEmitter<void>();
  const posted: HostMessage[] = [];
  const webview = {
    options: {},
    html: '',
    cspSource: 'https://fake.invalid',
    asWebviewUri: (uri: vscode.Uri) => uri,
    onDidReceiveMessage: received.event,
    postMessage: async (message: HostMessage) => {
      posted.push(message);
      return true;
    },
  };
  const panel = {
    webview,
    title: '',
    visible: true,
    viewColumn: vscode.ViewColumn.Two,
    onDidChangeViewState: viewState.event,
    onDidDispose: disposed.event,
    reveal: () => undefined,
    dispose: () => disposed.fire(),
  };
  return { panel: panel as unknown as vscode.WebviewPanel, posted, send: (message: unknown) => received.fire(message) };
}

function panelFor(record: RunRecord, extensionUri: vscode.Uri) {
  const fake = fakeWebviewPanel();
  const logged: string[] = [];
  const actionCalls: string[] = [];
  const panel = new ResultsPanel(fake.panel, record.fileUri, {
    extensionUri,
    history: () => ({ load: async () => undefined, entries: () => [] }) as unknown as RunHistory,
    actions: {
      rerunFailed: () => actionCalls.push('rerunFailed'),
      rerunRow: () => actionCalls.push('rerunRow'),
      cancel: () => actionCalls.push('cancel'),
    },
    log: (message) => logged.push(message),
    historyWith: () => [],
  });
  panel.showRun(record);
  return { ...fake, panel, logged, actionCalls };
}

/**
 * Runs the panel's Export for `format`, answering its save dialog with a file
 * in `directory`, and returns what was written.
 */
async function exportThroughPanel(send: (message: unknown) => void, format: 'csv' | 'markdown' | 'jsonl', directory: string): Promise<string> {
  const target = join(directory, `export-${format}`);
  const window = vscode.window as { showSaveDialog: typeof vscode.window.showSaveDialog };
  const showSaveDialog = window.showSaveDialog;
  window.showSaveDialog = async () => vscode.Uri.file(target);
  try {
    send({ type: 'export', format });
    return await until(() => existsSync(target) && readFileSync(target, 'utf8'), `the ${format} export`);
  } finally {
    window.showSaveDialog = showSaveDialog;
  }
}

/** The run the panel would hold, built from the run's events as the results controller builds it. */
function recordFromEvents(events: readonly RunEvent[]): RunRecord {
  const started = events.find((event) => event.type === 'started');
  assert.ok(started && started.type === 'started', 'the run never started');
  const record = new RunRecord(started.runId, started.fileUri, started.startedAt, started.items);
  for (const event of events) {
    if (event.type === 'results' && event.runId === started.runId) record.applyResults(event.results);
    if (event.type === 'finished' && event.runId === started.runId) record.finish(event.stats.cancelled, event.stats.wallTimeMs);
  }
  return record;
}

describe('reliability in the editor', function () {
  // Generous: on a busy 2-core machine opening an editor alone can take seconds.
  this.timeout(60_000);
  let api: LlmbatchApi;
  let extensionUri: vscode.Uri;
  let server: MockServer;
  let elsewhere: MockServer;
  let scratch: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'llmbatch-reliability-'));
    const extension = vscode.extensions.getExtension<LlmbatchApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    extensionUri = extension.extensionUri;
    server = await MockServer.start();
    elsewhere = await MockServer.start();
    await config().update(
      'profiles',
      { mock: { baseUrl: server.baseUrl, requiresKey: false }, keyed: { baseUrl: server.baseUrl, requiresKey: true } },
      vscode.ConfigurationTarget.Global,
    );
    await config().update('retryAttempts', 1, vscode.ConfigurationTarget.Global);
    await config().update('retryDelay', 0.01, vscode.ConfigurationTarget.Global);
    await api.clearCache();
  });

  after(async () => {
    for (const setting of ['profiles', 'retryAttempts', 'retryDelay', 'concurrency']) await config().update(setting, undefined, vscode.ConfigurationTarget.Global);
    await api.setApiKey('keyed', '');
    await api.clearCache();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    await server.close();
    await elsewhere.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => {
    server.resetRecords();
    elsewhere.resetRecords();
    server.setScript(undefined);
  });

  it('never shows the key in the output channel, the cache, stored runs, the panel or exports, even when errors quote it back', async () => {
    const canary = `sk-canary-${randomBytes(12).toString('hex')}`;
    await api.setApiKey('keyed', canary);
    server.setScript((ctx) => echoingFault(ctx, elsewhere.baseUrl));
    const cases = ['plain one', 'echo 401', 'echo headers', 'echo text', 'echo 2xx', 'echo html', 'redirect me', 'plain two'];
    // A file on disk rather than an untitled document, which would ask to be saved when the window closes.
    const file = join(scratch, 'echo.llmbatch');
    writeFileSync(file, `@provider = keyed\n@model = mock-model\n\n### echo\n@question = ${JSON.stringify(cases)}\nuser: {{question}}\n`);
    const logLines: string[] = [];
    const events: RunEvent[] = [];
    const subscriptions = [api.onDidLog((line) => logLines.push(line)), api.onDidRunEvent((event) => events.push(event))];
    let result: Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    try {
      result = await api.runBatch(vscode.Uri.file(file));
    } finally {
      for (const subscription of subscriptions) subscription.dispose();
    }

    // The server did quote the key back: every check below would catch a leak.
    assert.equal(server.requests.length, cases.length + 2, 'each case once; the 502 and the HTML answer, being retryable, twice');
    for (const request of server.requests) assert.equal(request.headers.authorization, `Bearer ${canary}`);
    assert.equal(elsewhere.requests.length, 0, 'the redirect target received nothing');
    const byCase = new Map(result.results.map((r) => [cases[r.index], r]));
    assert.equal(byCase.get('plain one')?.ok, true);
    const unauthorised = byCase.get('echo 401');
    assert.ok(unauthorised && !unauthorised.ok);
    assert.match(unauthorised.error.message, /Incorrect API key provided: sk-\[redacted\]/);

    // The output channel did get the failures, with the server's words.
    assert.ok(logLines.some((line) => line.includes(unauthorised.id) && /authentication/.test(line)), `no log line for ${unauthorised.id}:\n${logLines.join('\n')}`);
    assert.ok(logLines.some((line) => /Incorrect API key provided/.test(line)), 'the server message is not in the log');

    const record = recordFromEvents(events);
    const shown = panelFor(record, extensionUri);
    try {
      shown.send({ type: 'ready' });
      for (const item of result.results) shown.send({ type: 'requestDetail', id: item.id });
      await until(() => shown.posted.filter((message) => message.type === 'detail').length === result.results.length || undefined, 'every detail');
      assert.ok(shown.posted.some((message) => message.type === 'init' && message.run?.rows.length === cases.length), 'the panel was not given the run');

      const storedText = await until(() => {
        const files = filesUnder(join(dirname(api.cacheDirectory), 'results'));
        return files.some((file) => file.text.includes(record.runId)) ? files.map((file) => file.text).join('\n') : undefined;
      }, 'the run to be stored');
      const stored = filesUnder(join(dirname(api.cacheDirectory), 'results'))
        .map((file) => JSON.parse(file.text) as Partial<StoredRun>)
        .find((run) => run.runId === record.runId && Array.isArray(run.results));
      assert.ok(stored, 'the run was not stored');
      const restored = RunRecord.fromStored(stored as StoredRun);
      assert.equal(restored.view().rows.length, cases.length);

      const places: Record<string, string> = {
        'output channel': logLines.join('\n'),
        cache: filesUnder(api.cacheDirectory).map((file) => file.text).join('\n'),
        'stored runs': storedText,
        "the panel's messages": JSON.stringify(shown.posted),
        'CSV export': await exportThroughPanel(shown.send, 'csv', dirname(file)),
        'Markdown export': await exportThroughPanel(shown.send, 'markdown', dirname(file)),
        'JSONL export': await exportThroughPanel(shown.send, 'jsonl', dirname(file)),
        'a restored run': JSON.stringify([restored.view(), record.exportRows().map((row) => restored.detail(row.id))]),
      };
      assert.match(places.cache ?? '', /mock: plain one/, 'the answers were cached');
      assert.match(places["the panel's messages"] ?? '', /Incorrect API key provided/, 'the failures reached the panel');
      assert.match(places['JSONL export'] ?? '', /Incorrect API key provided/, 'the failures reached the export');
      const secretPart = canary.slice('sk-canary-'.length);
      const leaks = Object.entries(places).filter(([, text]) => text.includes(secretPart)).map(([place]) => place);
      assert.deepEqual(leaks, [], `the key appears in: ${leaks.join(', ')}`);
    } finally {
      shown.panel.dispose();
    }
  });

  it('ignores and logs hostile results panel messages, runs nothing they name, and keeps answering', async () => {
    const events: RunEvent[] = [];
    const subscription = api.onDidRunEvent((event) => events.push(event));
    try {
      await api.runBatch(fixture('runs/greetings.llmbatch'), { bypassCache: true });
    } finally {
      subscription.dispose();
    }
    const record = recordFromEvents(events);
    const shown = panelFor(record, extensionUri);
    const terminalsBefore = vscode.window.terminals.length;
    const opened: vscode.Terminal[] = [];
    const watch = vscode.window.onDidOpenTerminal((terminal) => opened.push(terminal));
    const megabytes = 'x'.repeat(2 * 1024 * 1024);
    const hostile: unknown[] = [
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
      { type: 'executeCommand', command: 'workbench.action.terminal.new', args: [] },
      { type: 'cancel', command: 'workbench.action.terminal.new' },
      { type: 'rerunRow', id: record.exportRows()[0]?.id, bypassCache: 'yes' },
      { type: 'rerunFailed', ids: ['a'] },
      { type: 'export', format: 'csv', path: '/tmp/stolen.csv' },
      { type: 'requestDetail', id: megabytes },
      { type: 'copy', id: 'a', part: 'apiKey' },
      { type: megabytes },
      null,
      'ready',
      [{ type: 'ready' }],
    ];
    try {
      for (const message of hostile) shown.send(message);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(shown.logged.length, hostile.length, shown.logged.join('\n'));
      assert.ok(shown.logged.every((line) => /^ignored a results panel message/.test(line) && line.length < 300), shown.logged.join('\n'));
      assert.equal(shown.actionCalls.join(), '', 'no action ran');
      assert.equal(shown.posted.length, 0, 'nothing was answered');
      assert.equal(opened.length, 0, 'a terminal was opened');
      assert.equal(vscode.window.terminals.length, terminalsBefore);

      // The panel still works.
      const id = record.exportRows()[1]?.id;
      assert.ok(id);
      shown.send({ type: 'ready' });
      shown.send({ type: 'requestDetail', id });
      const detail = await until(() => shown.posted.find((message) => message.type === 'detail'), 'the detail after the hostile messages');
      assert.equal(detail.type === 'detail' && detail.detail.answer, 'mock: Say hello in German.');
      assert.ok(shown.posted.some((message) => message.type === 'init'));
    } finally {
      watch.dispose();
      shown.panel.dispose();
    }
  });

  it('after Cancel Run, running the file again sends only the cancelled rest', async () => {
    await api.clearCache();
    await config().update('concurrency', 2, vscode.ConfigurationTarget.Global);
    const file = fixture('runs/greetings.llmbatch');
    const answeredAtOnce = ['French', 'German'];
    // French and German answer at once; the rest hang until the run is cancelled.
    server.setScript((ctx) => (answeredAtOnce.some((lang) => JSON.stringify(ctx.body).includes(lang)) ? undefined : { kind: 'hang' }));
    let cancelling = false;
    let answered = 0;
    const subscription = api.onDidRunEvent((event) => {
      if (cancelling || event.type !== 'results') return;
      answered += event.results.filter((r) => r.ok).length;
      if (answered === answeredAtOnce.length) {
        cancelling = true;
        // As from the file's menu: that file's run.
        setTimeout(() => void vscode.commands.executeCommand('llmbatch.cancelRun', file), 50);
      }
    });
    let first: Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    try {
      first = await api.runBatch(file);
    } finally {
      subscription.dispose();
      await config().update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal(first.cancelled, true);
    assert.deepEqual(first.results.map((r) => (r.ok ? 'ok' : r.error.code)), ['ok', 'ok', 'cancelled', 'cancelled']);

    server.setScript(undefined);
    server.resetRecords();
    const again = (await vscode.commands.executeCommand('llmbatch.runBatch', file)) as Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    assert.deepEqual(again.results.map((r) => r.ok && r.cached), [true, true, false, false]);
    const sent = server.requests.map((request) => JSON.stringify(request.body).match(/Say hello in (\w+)/)?.[1]).sort();
    assert.deepEqual(sent, ['Italian', 'Spanish'], 'only the cancelled requests are sent again, once each');
  });
});
