import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MockFault } from '../../mock/mockServer';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import type { RequestManagerOptions } from '../../../src/core/engine/requestManager';
import type { LogEntry } from '../../../src/core/engine/logEntry';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { BatchResult, FailureResult, SuccessResult } from '../../../src/core/models';
import { answerOf, chatItem } from './engineFixtures';
import { fakeClock } from '../fixtures/fakeClock';
import { useMockServer } from '../fixtures/useMockServer';

const key = 'sk-test-0123456789abcdef';

function success(result: BatchResult | undefined): SuccessResult {
  assert.ok(result?.ok, `expected an answer, got ${JSON.stringify(result)}`);
  return result;
}

function failure(result: BatchResult | undefined): FailureResult {
  assert.ok(result && !result.ok, `expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

describe('RequestManager against an OpenAI-compatible server', () => {
  const server = useMockServer();

  /** A manager with a recorded fake clock; random 0.5 makes ±25 % jitter exactly nominal. */
  function setup(options: RequestManagerOptions = {}) {
    const { clock, delays } = fakeClock(undefined, { sleeps: 'instant' });
    const logs: LogEntry[] = [];
    const manager = new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl, apiKey: key }), {
      clock,
      random: () => 0.5,
      retryDelayMs: 1_000,
      timeoutMs: 5_000,
      onLog: (entry) => logs.push(entry),
      ...options,
    });
    return { manager, delays, logs };
  }

  /** Fails the first attempts of every request with `faults`, then answers normally. */
  function failFirst(...faults: MockFault[]): void {
    server.setScript(({ attemptForBody }) => faults[attemptForBody - 1]);
  }

  it('retries 429 and 5xx with exponential backoff until an answer arrives', async () => {
    const { manager, delays } = setup({ retryAttempts: 3 });
    failFirst({ kind: 'status', status: 429 }, { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    const result = success(results[0]);
    assert.equal(result.attempts, 4);
    assert.equal(result.response.choices[0]?.message.content, 'mock: Hello');
    assert.deepEqual(delays, [1_000, 2_000, 4_000]);
    assert.equal(server.requests.length, 4);
  });

  it('retries 408 and 409 too', async () => {
    const { manager } = setup();
    failFirst({ kind: 'status', status: 408 }, { kind: 'status', status: 409 });
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    assert.equal(success(results[0]).attempts, 3);
  });

  it('gives up after retryAttempts retries and records the last error', async () => {
    const { manager, delays } = setup({ retryAttempts: 2 });
    server.setScript(() => ({ kind: 'status', status: 502, body: { error: { message: 'upstream is down' } } }));
    const { results, stats } = await manager.processBatch([chatItem('a', 'Hello')]);
    const result = failure(results[0]);
    assert.equal(result.attempts, 3);
    assert.equal(result.statusCode, 502);
    assert.deepEqual(result.error, { code: 'server_error', message: '502 upstream is down' });
    assert.equal(delays.length, 2);
    assert.equal(server.requests.length, 3);
    assert.equal(stats.requestsFailed, 1);
  });

  it('never retries 400, 401, 403, 404 or 422: one call, server message kept', async () => {
    const codes: Record<number, string> = { 400: 'bad_request', 401: 'authentication', 403: 'permission_denied', 404: 'not_found', 422: 'unprocessable_entity' };
    for (const status of [400, 401, 403, 404, 422]) {
      server.resetRecords();
      const { manager, delays } = setup();
      server.setScript(() => ({ kind: 'status', status, body: { error: { message: `server says ${status}` } } }));
      const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
      const result = failure(results[0]);
      assert.equal(server.requests.length, 1, `status ${status}`);
      assert.equal(result.attempts, 1);
      assert.deepEqual(result.error, { code: codes[status], message: `${status} server says ${status}` });
      assert.deepEqual(delays, []);
    }
  });

  it("waits what the server's retry-after-ms and retry-after ask, capped at 60 s", async () => {
    const { manager, delays } = setup({ retryAttempts: 4 });
    const retryAt = new Date(Date.UTC(2025, 0, 1) + 7_000).toUTCString();
    failFirst(
      { kind: 'status', status: 429, headers: { 'retry-after': retryAt } },
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '250', 'retry-after': '30' } },
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
      { kind: 'status', status: 503, headers: { 'retry-after': '86400' } },
    );
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    assert.equal(success(results[0]).attempts, 5);
    assert.deepEqual(delays, [7_000, 250, 2_000, 60_000]);
  });

  it('retries a truncated answer, a reset connection and a garbled body', async () => {
    const { manager, logs } = setup({ retryAttempts: 4 });
    failFirst({ kind: 'truncated' }, { kind: 'reset' }, { kind: 'truncated', dropConnection: true }, { kind: 'ok', body: '<html>502</html>' });
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    assert.equal(success(results[0]).attempts, 5);
    const retried = logs.filter((entry) => entry.level === 'info').map((entry) => (entry.error as { code?: string }).code);
    assert.deepEqual(retried, ['invalid_response', 'connection', 'invalid_response', 'invalid_response']);
  });

  it('times out a hanging attempt and retries it', async () => {
    // Generous: the retry must succeed within the same limit even on a busy machine.
    const { manager, logs } = setup({ timeoutMs: 1_500 });
    failFirst({ kind: 'hang' });
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    assert.equal(success(results[0]).attempts, 2);
    assert.equal((logs.find((entry) => entry.level === 'info')?.error as { code?: string }).code, 'timeout');
  });

  it('records a timeout when every attempt hangs', async () => {
    const { manager } = setup({ timeoutMs: 60, retryAttempts: 1 });
    server.setScript(() => ({ kind: 'hang' }));
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    const result = failure(results[0]);
    assert.equal(result.error.code, 'timeout');
    assert.equal(result.attempts, 2);
  });

  it('does not retry a 2xx that carries an error object', async () => {
    const { manager } = setup();
    server.setScript(() => ({ kind: 'ok', body: { error: { message: 'provider returned error' } } }));
    const { results } = await manager.processBatch([chatItem('a', 'Hello')]);
    const result = failure(results[0]);
    assert.equal(result.error.code, 'invalid_response');
    assert.match(result.error.message, /provider returned error/);
    assert.equal(server.requests.length, 1);
  });

  it('keeps going when one item fails: one result per item, in input order', async () => {
    const { manager } = setup();
    server.setScript(({ body }) => {
      const text = JSON.stringify(body);
      return text.includes('poison') ? { kind: 'status', status: 400, body: { error: { message: 'content rejected' } } } : undefined;
    });
    const items = ['one', 'two', 'poison', 'four', 'five'].map((text, index) => chatItem(`item-${index}`, text));
    const { results, stats, cancelled } = await manager.processBatch(items);
    assert.deepEqual(results.map((result) => result.id), ['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    assert.deepEqual(results.map((result) => result.index), [0, 1, 2, 3, 4]);
    assert.deepEqual(results.map(answerOf), ['mock: one', 'mock: two', 'error:bad_request', 'mock: four', 'mock: five']);
    assert.equal(stats.requestsCompleted, 4);
    assert.equal(stats.requestsFailed, 1);
    assert.equal(cancelled, false);
  });

  it('fails a stream: true request at once without calling the server', async () => {
    const { manager } = setup();
    const { results } = await manager.processBatch([chatItem('a', 'Hello', { stream: true })]);
    const result = failure(results[0]);
    assert.equal(result.error.code, 'invalid_request');
    assert.equal(server.requests.length, 0);
  });

  it('never has more requests in flight than the concurrency cap', async () => {
    server.setLatency(15);
    const { manager } = setup({ concurrency: 4 });
    const items = Array.from({ length: 30 }, (_, index) => chatItem(`item-${index}`, `question ${index}`));
    const { results } = await manager.processBatch(items);
    assert.equal(results.filter((result) => result.ok).length, 30);
    assert.equal(server.inFlightMax, 4);
  });

  it('counts the tokens the server reported', async () => {
    const { manager } = setup();
    const { stats, results } = await manager.processBatch([chatItem('a', 'one two'), chatItem('b', 'three')]);
    const usage = results.map((result) => success(result).response.usage);
    assert.equal(stats.promptTokens, (usage[0]?.prompt_tokens ?? 0) + (usage[1]?.prompt_tokens ?? 0));
    assert.equal(stats.completionTokens, (usage[0]?.completion_tokens ?? 0) + (usage[1]?.completion_tokens ?? 0));
    assert.equal(stats.totalTokens, stats.promptTokens + stats.completionTokens);
    assert.equal(stats.requestsCompleted, 2);
  });
});
