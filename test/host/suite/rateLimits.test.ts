import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, config } from './hostFixtures';
import { MockServer } from '../../mock/mockServer';
import type { LlmbatchApi } from '../../../src/extension/extension';
import type { RunEvent } from '../../../src/extension/runs/runEvents';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';

async function setProfiles(profiles: Record<string, unknown> | undefined): Promise<void> {
  await config().update('profiles', profiles, vscode.ConfigurationTarget.Global);
}

/** An unsaved .llmbatch document sending `count` distinct requests through `provider`. */
async function sweepDocument(provider: string, label: string, count: number, header = ''): Promise<vscode.TextDocument> {
  const values = Array.from({ length: count }, (_, i) => i + 1).join(', ');
  const content = `${header}@provider = ${provider}\n@model = mock-model\n\n### ${label}\n@n = [${values}]\nuser: ${label} request {{n}}\n`;
  return vscode.workspace.openTextDocument({ language: 'llmbatch', content });
}

function answered(result: Awaited<ReturnType<LlmbatchApi['runBatch']>>): number {
  return result.results.filter((r) => r.ok).length;
}

describe('rate limits in editor runs', function () {
  // Each test paces a few dozen requests under a budget of 10–20 a second.
  this.timeout(90_000);
  let api: LlmbatchApi;
  let server: MockServer;
  const events: RunEvent[] = [];
  let subscription: vscode.Disposable | undefined;

  const progressOf = (runId: string): ProgressEvent[] => events.flatMap((e) => (e.type === 'progress' && e.runId === runId ? [e.progress] : []));

  before(async () => {
    api = await activateExtension();
    server = await MockServer.start();
    await config().update('concurrency', 20, vscode.ConfigurationTarget.Global);
    subscription = api.onDidRunEvent((event) => events.push(event));
  });

  after(async () => {
    subscription?.dispose();
    await setProfiles(undefined);
    await config().update('concurrency', undefined, vscode.ConfigurationTarget.Global);
    await server.close();
  });

  beforeEach(() => {
    events.length = 0;
    server.resetRecords();
    server.setRateLimit(undefined);
  });

  it('keeps one run under the rpm of its profile: every answer, hardly any 429', async () => {
    server.setRateLimit({ rpm: 1200 });
    await setProfiles({ limited: { baseUrl: server.baseUrl, requiresKey: false, rpm: 1200 } });
    const result = await api.runBatch((await sweepDocument('limited', 'single', 60)).uri, { bypassCache: true });
    assert.equal(answered(result), 60);
    assert.ok(server.rateLimited <= 1, `${server.rateLimited} requests were turned away with 429`);
    assert.equal(result.stats.rateLimited429s ?? 0, server.rateLimited, 'the run reports the 429s the server sent');
    const progress = progressOf(result.runId);
    assert.ok(progress.length > 0);
    for (const event of progress) assert.ok(event.concurrency >= 1 && event.concurrency <= 20, `in-flight limit ${event.concurrency} outside 1–20`);
  });

  it('runs two files at once on one shared budget per endpoint', async () => {
    server.setRateLimit({ rpm: 600 });
    await setProfiles({ limited: { baseUrl: server.baseUrl, requiresKey: false, rpm: 600 } });
    const first = await sweepDocument('limited', 'left', 30);
    const second = await sweepDocument('limited', 'right', 30);
    const [a, b] = await Promise.all([api.runBatch(first.uri, { bypassCache: true }), api.runBatch(second.uri, { bypassCache: true })]);
    assert.equal(answered(a), 30);
    assert.equal(answered(b), 30);
    // They ran side by side: both started before either finished.
    const order = events.filter((e) => e.type === 'started' || e.type === 'finished').map((e) => e.type);
    assert.deepEqual(order, ['started', 'started', 'finished', 'finished']);
    // Two limiters, each believing it had the whole 600 rpm, would send at twice the limit.
    assert.ok(server.rateLimited <= 2, `${server.rateLimited} requests were turned away with 429`);
    assert.equal((a.stats.rateLimited429s ?? 0) + (b.stats.rateLimited429s ?? 0), server.rateLimited);
    assert.equal(server.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 60 + server.rateLimited);
  });

  it('holds requests back under a profile’s rpm even when the server announces no limit, and says so', async () => {
    await setProfiles({ slow: { baseUrl: server.baseUrl, requiresKey: false, rpm: 30 } });
    const result = await api.runBatch((await sweepDocument('slow', 'slow', 3)).uri, { bypassCache: true });
    assert.equal(answered(result), 3);
    const waits = progressOf(result.runId).filter((p) => p.rateLimited && (p.waitingForBudgetMs ?? 0) >= 1000);
    assert.ok(waits.length > 0, 'no progress event said the run was waiting for its rate limit');
  });

  it('honours @rpm in the header of a file open in the editor', async () => {
    await setProfiles({ open: { baseUrl: server.baseUrl, requiresKey: false } });
    // An open document runs from the editor's own parse of it, not from the file.
    const document = await sweepDocument('open', 'header', 3, '@rpm = 30\n');
    const result = await api.runBatch(document.uri, { bypassCache: true });
    assert.equal(answered(result), 3);
    const waits = progressOf(result.runId).filter((p) => p.rateLimited && (p.waitingForBudgetMs ?? 0) >= 1000);
    assert.ok(waits.length > 0, 'the file’s @rpm did not hold requests back');
  });

  it('refuses to run with an unusable rpm, naming the setting and sending nothing', async () => {
    await setProfiles({ broken: { baseUrl: server.baseUrl, requiresKey: false, rpm: 'fast' } });
    const document = await sweepDocument('broken', 'broken', 2);
    await assert.rejects(api.runBatch(document.uri, { bypassCache: true }), /llmbatch\.profiles\.broken\.rpm must be a number of requests per minute above 0 \(got "fast"\)/);
    assert.equal(server.requests.length, 0);
  });
});
