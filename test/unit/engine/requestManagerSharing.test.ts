import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { EchoProvider } from '../../../src/core/providers/echoProvider';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';
import { cacheKey } from '../../../src/core/cache/cacheKey';
import type { CacheProvider } from '../../../src/core/cache/cacheProvider';
import type { RequestManagerOptions } from '../../../src/core/engine/requestManager';
import type { LogEntry } from '../../../src/core/engine/logEntry';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';
import type { BatchResult } from '../../../src/core/models';
import { answerOf, chatItem, eventually } from './engineFixtures';
import { useMockServer } from '../fixtures/useMockServer';

describe('RequestManager caching, sharing and cancelling', () => {
  const server = useMockServer();
  let provider: OpenAIProvider;
  before(() => {
    provider = new OpenAIProvider({ apiBase: server.baseUrl, apiKey: 'sk-test-0123456789' });
  });

  function manager(options: RequestManagerOptions = {}): RequestManager {
    return new RequestManager(provider, { retryDelayMs: 1, timeoutMs: 5_000, ...options });
  }

  it('answers a repeated batch from the cache without calling the server', async () => {
    const cache = new InMemoryCache();
    const items = [chatItem('a', 'first'), chatItem('b', 'second')];
    const first = await manager({ cache }).processBatch(items);
    assert.equal(server.requests.length, 2);
    server.resetRecords();
    const second = await manager({ cache }).processBatch(items);
    assert.equal(server.requests.length, 0);
    assert.deepEqual(second.results.map(answerOf), first.results.map(answerOf));
    assert.ok(second.results.every((result) => result.cached && result.attempts === 0));
    assert.equal(second.stats.cacheHits, 2);
    assert.equal(second.stats.promptTokens, 0, 'cached answers cost no tokens');
  });

  it('keeps distinct samples of the same request apart in the cache', async () => {
    const cache = new InMemoryCache();
    await manager({ cache }).processBatch([chatItem('a', 'same', {}, 0), chatItem('b', 'same', {}, 1)]);
    assert.equal(server.requests.length, 2);
  });

  it('never caches a failure', async () => {
    const cache = new InMemoryCache();
    const item = chatItem('a', 'Hello');
    server.setScript(() => ({ kind: 'status', status: 400, body: { error: { message: 'nope' } } }));
    const failed = await manager({ cache }).processBatch([item]);
    assert.equal(failed.results[0]?.ok, false);
    assert.equal(await cache.exists(cacheKey(item.request, provider.identity)), false);
    server.setScript(undefined);
    const retried = await manager({ cache }).processBatch([item]);
    assert.equal(answerOf(retried.results[0] as BatchResult), 'mock: Hello');
    assert.equal(server.requests.length, 2);
  });

  it('turns cache failures into warnings, never into failed requests', async () => {
    const broken: CacheProvider = {
      exists: async () => false,
      get: async () => Promise.reject(new Error('disk unreadable')),
      put: async () => Promise.reject(new Error('disk full')),
      clear: async () => undefined,
      close: async () => undefined,
    };
    const logs: LogEntry[] = [];
    const { results } = await manager({ cache: broken, onLog: (entry) => logs.push(entry) }).processBatch([chatItem('a', 'Hello')]);
    assert.equal(answerOf(results[0] as BatchResult), 'mock: Hello');
    const warnings = logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /disk unreadable/);
    assert.match(warnings[1] ?? '', /disk full/);
  });

  it('sends identical requests once and gives every duplicate its own result', async () => {
    server.setLatency(20);
    const items = [...Array.from({ length: 6 }, (_, index) => chatItem(`dup-${index}`, 'same question')), chatItem('other', 'other question')];
    const { results, stats } = await manager({ concurrency: 10 }).processBatch(items);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(results.map((result) => result.id), ['dup-0', 'dup-1', 'dup-2', 'dup-3', 'dup-4', 'dup-5', 'other']);
    assert.deepEqual(results.map((result) => result.index), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(new Set(results.slice(0, 6).map(answerOf)), new Set(['mock: same question']));
    assert.equal(stats.requestsCompleted, 7);
    const single = results[6]?.ok ? results[6].response.usage?.prompt_tokens ?? 0 : 0;
    assert.equal(stats.promptTokens, 2 * single, 'the shared answer is paid for once');
  });

  it('shares a request already in flight for another batch on the same manager', async () => {
    server.setLatency(30);
    const shared = manager();
    const [first, second] = await Promise.all([shared.processBatch([chatItem('a', 'same')]), shared.processBatch([chatItem('b', 'same')])]);
    assert.equal(server.requests.length, 1);
    assert.equal(answerOf(first.results[0] as BatchResult), 'mock: same');
    assert.equal(answerOf(second.results[0] as BatchResult), 'mock: same');
  });

  it('on cancel keeps (and caches) finished answers, aborts in-flight requests and marks the rest cancelled', async () => {
    const cache = new InMemoryCache();
    server.setScript(({ body }) => (JSON.stringify(body).includes('slow') ? { kind: 'hang' } : undefined));
    const items = [chatItem('fast-1', 'fast one'), chatItem('slow-1', 'slow one'), chatItem('fast-2', 'fast two'), chatItem('slow-2', 'slow two'), ...Array.from({ length: 5 }, (_, index) => chatItem(`later-${index}`, `later ${index}`))];
    const controller = new AbortController();
    const seen: string[] = [];
    const run = manager({ cache, concurrency: 4 }).processBatch(items, {
      signal: controller.signal,
      onResult: (result) => seen.push(result.id),
    });
    await eventually(() => seen.length >= 2 && server.inFlight === 2);
    controller.abort();
    const { results, cancelled, stats } = await run;
    assert.equal(cancelled, true);
    assert.equal(results.length, items.length);
    const byId = Object.fromEntries(results.map((result) => [result.id, answerOf(result)]));
    assert.equal(byId['fast-1'], 'mock: fast one');
    assert.equal(byId['fast-2'], 'mock: fast two');
    assert.equal(byId['slow-1'], 'error:cancelled');
    assert.equal(byId['slow-2'], 'error:cancelled');
    const done = results.filter((result) => result.ok).length;
    assert.equal(stats.requestsCompleted, done);
    assert.equal(stats.requestsFailed, items.length - done);
    assert.equal(new Set(seen).size, items.length, 'onResult fired once per item');
    assert.equal(await cache.exists(cacheKey(items[0]!.request, provider.identity)), true);
    assert.equal(await cache.exists(cacheKey(items[1]!.request, provider.identity)), false);
    await eventually(() => server.inFlight === 0);
  });

  it('returns every item cancelled when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { results, cancelled } = await manager().processBatch([chatItem('a', 'x'), chatItem('b', 'y')], { signal: controller.signal });
    assert.equal(cancelled, true);
    assert.deepEqual(results.map(answerOf), ['error:cancelled', 'error:cancelled']);
    assert.equal(server.requests.length, 0);
  });
});

describe('RequestManager results and progress', () => {
  it('keeps input order whatever order answers arrive in', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const echo = new EchoProvider({ latencyMs: () => Math.floor(random() * 15) });
    const items = Array.from({ length: 60 }, (_, index) => chatItem(`item-${index}`, `question ${index}`));
    const completionOrder: number[] = [];
    const { results } = await new RequestManager(echo, { concurrency: 8 }).processBatch(items, { onResult: (result) => completionOrder.push(result.index) });
    assert.deepEqual(results.map(answerOf), items.map((_, index) => `Echo: question ${index}`));
    assert.notDeepEqual(completionOrder, [...completionOrder].sort((a, b) => a - b), 'answers really arrived out of order');
  });

  it('reports progress from a first event to a final one that accounts for every item', async () => {
    const events: ProgressEvent[] = [];
    const items = Array.from({ length: 20 }, (_, index) => chatItem(`item-${index}`, `question ${index}`));
    await new RequestManager(new EchoProvider(), { concurrency: 4 }).processBatch(items, { onProgress: (event) => events.push(event) });
    assert.equal(events[0]?.done, 0);
    assert.equal(events[0]?.total, 20);
    const last = events.at(-1);
    assert.equal(last?.done, 20);
    assert.equal(last?.inFlight, 0);
    assert.equal(last?.failed, 0);
    assert.equal(last?.etaMs, 0);
    assert.ok((last?.completionTokens ?? 0) > 0);
  });

  it('prints no listener-leak warning when many requests share one cancel signal', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const items = Array.from({ length: 60 }, (_, index) => chatItem(`item-${index}`, `question ${index}`));
      const manager = new RequestManager(new EchoProvider({ latencyMs: 5 }), { concurrency: 30 });
      await manager.processBatch(items, { signal: new AbortController().signal });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('still times out and cancels a provider that ignores its abort signal', async () => {
    class DeafProvider extends EchoProvider {
      override makeRequest(): Promise<never> {
        return new Promise(() => undefined);
      }
    }
    const timedOut = await new RequestManager(new DeafProvider(), { timeoutMs: 30, retryAttempts: 0 }).processBatch([chatItem('a', 'x')]);
    assert.equal(answerOf(timedOut.results[0] as BatchResult), 'error:timeout');
    const controller = new AbortController();
    const run = new RequestManager(new DeafProvider(), { timeoutMs: 60_000 }).processBatch([chatItem('b', 'y')], { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const cancelled = await run;
    assert.equal(answerOf(cancelled.results[0] as BatchResult), 'error:cancelled');
    assert.equal(cancelled.cancelled, true);
  });

  it('survives callbacks that throw', async () => {
    const logs: LogEntry[] = [];
    const { results } = await new RequestManager(new EchoProvider(), { onLog: (entry) => logs.push(entry) }).processBatch([chatItem('a', 'x')], {
      onResult: () => {
        throw new Error('ui went away');
      },
    });
    assert.equal(results[0]?.ok, true);
    assert.ok(logs.some((entry) => entry.level === 'warn' && entry.message.includes('ui went away')));
  });

  it('uses the provider chosen per request and records a failure when none fits', async () => {
    const echo = new EchoProvider();
    const resolve = (request: { model?: string }) => {
      if (request.model === 'unknown') throw new Error('no profile for model unknown');
      return echo;
    };
    const { results } = await new RequestManager(resolve).processBatch([chatItem('a', 'x'), chatItem('b', 'y', { model: 'unknown' })]);
    assert.equal(answerOf(results[0] as BatchResult), 'Echo: x');
    assert.equal(answerOf(results[1] as BatchResult), 'error:provider_error');
  });
});
