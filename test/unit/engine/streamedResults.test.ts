import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EchoProvider } from '../../../src/core/providers/echoProvider';
import type { ProviderResponse } from '../../../src/core/providers/provider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';
import { APIError } from '../../../src/core/errors';
import type { BatchResult, LLMRequest } from '../../../src/core/models';
import { answerOf, chatItem } from './engineFixtures';

/** Echoes, except that a message saying "refuse" gets a 400; counts what reaches it. */
class PickyProvider extends EchoProvider {
  readonly sent: string[] = [];

  override async makeRequest(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    const content = String(request.messages[0]?.content);
    this.sent.push(content);
    if (content.startsWith('refuse')) throw new APIError(400, `400 ${content} is not allowed`);
    return super.makeRequest(request, signal);
  }
}

describe('RequestManager handing results over as they come (keepResults: false)', () => {
  it('keeps only the failures, in input order, while every result still reaches onResult', async () => {
    const provider = new PickyProvider();
    const items = ['a', 'refuse 1', 'b', 'c', 'refuse 2', 'd'].map((content, i) => chatItem(`q${i}`, content));
    const seen: BatchResult[] = [];
    const run = await new RequestManager(provider, { concurrency: 3, retryDelayMs: 1 }).processBatch(items, { keepResults: false, onResult: (result) => seen.push(result) });
    assert.deepEqual(run.results, []);
    assert.deepEqual(run.failures.map((result) => result.id), ['q1', 'q4']);
    assert.deepEqual(seen.map((result) => result.id).sort(), ['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    assert.equal(run.cancelled, false);
  });

  it('still reports every result and its failures by default', async () => {
    const run = await new RequestManager(new PickyProvider(), { retryDelayMs: 1 }).processBatch([chatItem('x', 'refuse'), chatItem('y', 'fine')]);
    assert.deepEqual(run.results.map((result) => [result.id, result.ok]), [['x', false], ['y', true]]);
    assert.match(answerOf(run.results[1]!), /fine/);
    assert.deepEqual(run.failures.map((result) => result.id), ['x']);
  });

  it('sends an identical request once even when its twin comes long after the first answer, the cache answering the twin', async () => {
    const provider = new PickyProvider();
    const items = [chatItem('first', 'same'), ...Array.from({ length: 20 }, (_, i) => chatItem(`other${i}`, `other ${i}`)), chatItem('twin', 'same')];
    const run = await new RequestManager(provider, { concurrency: 2, cache: new InMemoryCache() }).processBatch(items, { keepResults: false, onResult: () => undefined });
    assert.equal(provider.sent.filter((content) => content === 'same').length, 1);
    assert.equal(run.stats.cacheHits, 1);
    assert.deepEqual(run.failures, []);
  });
});
