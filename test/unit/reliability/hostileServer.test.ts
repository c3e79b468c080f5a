import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockServer } from '../../mock/mockServer';
import type { MockFault } from '../../mock/mockServer';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import type { OpenAIProviderOptions } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { BatchResult, FailureResult, SuccessResult } from '../../../src/core/models';
import { chatItem } from '../engine/engineFixtures';
import { useMockServer } from '../fixtures/useMockServer';

const key = 'sk-canary-hostile-0123456789';
const normalCount = 4;

// Short, because a wrongly accepted gigantic answer would otherwise flood the report.
const shown = (result: BatchResult | undefined) => JSON.stringify(result)?.slice(0, 400);

function success(result: BatchResult | undefined): SuccessResult {
  assert.ok(result?.ok, `expected an answer, got ${shown(result)}`);
  return result;
}

function failure(result: BatchResult | undefined): FailureResult {
  assert.ok(result && !result.ok, `expected a failure, got ${shown(result)}`);
  return result;
}

/**
 * Each case sends a small batch: `normalCount` ordinary questions around one
 * request the server answers in a hostile way; the ordinary ones must be
 * answered whatever happens to the hostile one.
 */
describe('a hostile or broken server', () => {
  const server = useMockServer();

  async function runAgainst(fault: MockFault, options: { timeoutMs?: number; provider?: OpenAIProviderOptions } = {}): Promise<BatchResult> {
    server.setScript(({ body }) => (JSON.stringify(body).includes('hostile') ? fault : undefined));
    const provider = new OpenAIProvider({ apiBase: server.baseUrl, apiKey: key, ...options.provider });
    const manager = new RequestManager(provider, { concurrency: 4, retryAttempts: 1, retryDelayMs: 5, timeoutMs: options.timeoutMs ?? 10_000 });
    const items = [
      ...Array.from({ length: normalCount / 2 }, (_, i) => chatItem(`before-${i}`, `question before ${i}`)),
      chatItem('hostile', 'hostile question'),
      ...Array.from({ length: normalCount / 2 }, (_, i) => chatItem(`after-${i}`, `question after ${i}`)),
    ];
    const { results } = await manager.processBatch(items);
    assert.equal(results.length, items.length);
    for (const [index, item] of items.entries()) {
      if (item.id === 'hostile') continue;
      const answer = success(results[index]);
      assert.equal(answer.id, item.id);
      assert.equal(answer.response.choices[0]?.message.content, `mock: ${item.request.messages[0]?.content as string}`);
    }
    return results[normalCount / 2]!;
  }

  function hostileAttempts(): number {
    return server.requests.filter((request) => JSON.stringify(request.body).includes('hostile')).length;
  }

  it('fails a 2xx answer without choices with a clear, non-retried error', async () => {
    const result = failure(await runAgainst({ kind: 'ok', body: { id: 'c1', object: 'chat.completion', model: 'm', choices: [] } }));
    assert.equal(result.error.code, 'invalid_response');
    assert.match(result.error.message, /not a chat completion .*no choices/);
    assert.equal(result.statusCode, 200);
    assert.equal(hostileAttempts(), 1, 'a malformed answer would be malformed again');
  });

  it('accepts a choice whose content is null (tool calls, refusals) as a valid answer', async () => {
    const body = { id: 'c2', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }] };
    const result = success(await runAgainst({ kind: 'ok', body }));
    assert.equal(result.response.choices[0]?.message.content, null);
  });

  it('fails fields of the wrong type with the path of the first bad field', async () => {
    const body = { id: 42, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }] };
    const result = failure(await runAgainst({ kind: 'ok', body }));
    assert.equal(result.error.code, 'invalid_response');
    assert.match(result.error.message, /not a chat completion \(id: /);
    const choicesNotAList = failure(await runAgainst({ kind: 'ok', body: { id: 'c3', model: 'm', choices: 'none' } }));
    assert.match(choicesNotAList.error.message, /choices/);
  });

  it("reports a 2xx carrying an error body with the server's message", async () => {
    const result = failure(await runAgainst({ kind: 'ok', body: { error: { message: 'upstream model overloaded', type: 'server_error' } } }));
    assert.equal(result.error.code, 'invalid_response');
    assert.match(result.error.message, /200 the server reported an error: upstream model overloaded/);
  });

  it('refuses a gigantic body announced by content-length without reading it', async () => {
    const result = failure(await runAgainst({ kind: 'huge', bytes: 50 * 1024 * 1024, declareLength: true }));
    assert.equal(result.error.code, 'invalid_response');
    assert.match(result.error.message, /too large.*50 MB.*32 MB/);
    assert.equal(hostileAttempts(), 1, 'a too-large answer is not fetched again');
  });

  it('stops reading a gigantic chunked body at the size limit instead of buffering it', async () => {
    const limit = 1024 * 1024;
    const result = failure(await runAgainst({ kind: 'huge', bytes: 50 * 1024 * 1024 }, { provider: { maxResponseBytes: limit } }));
    assert.equal(result.error.code, 'invalid_response');
    assert.match(result.error.message, /too large.*over the 1 MB limit/);
  });

  it('times out a body that drips one byte at a time, per attempt', async () => {
    const started = Date.now();
    const result = failure(await runAgainst({ kind: 'drip', intervalMs: 200 }, { timeoutMs: 500 }));
    assert.equal(result.error.code, 'timeout');
    assert.match(result.error.message, /timed out after 500 ms/);
    assert.equal(result.attempts, 2, 'a timeout is retried once (retryAttempts 1), and times out again');
    // The whole answer would take well over a minute at one byte per 200 ms.
    assert.ok(Date.now() - started < 30_000);
  });

  for (const status of [302, 307]) {
    it(`does not follow a ${status} redirect to another host, so the key stays home`, async () => {
      const elsewhere = await MockServer.start();
      try {
        const location = `${elsewhere.baseUrl}/chat/completions`;
        const result = failure(await runAgainst({ kind: 'status', status, headers: { location }, body: '' }));
        assert.equal(result.error.code, 'redirect');
        assert.equal(result.statusCode, status);
        assert.ok(result.error.message.includes(location), 'the message says where the server pointed');
        assert.equal(elsewhere.requests.length, 0, 'nothing at all reached the other host');
        assert.equal(hostileAttempts(), 1, 'a redirect is not retried');
        assert.ok(!result.error.message.includes(key));
      } finally {
        await elsewhere.close();
      }
    });
  }
});
