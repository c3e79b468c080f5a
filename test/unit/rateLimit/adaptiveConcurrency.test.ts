import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveConcurrency } from '../../../src/core/rateLimit/adaptiveConcurrency';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';
import { RateLimitError } from '../../../src/core/errors';
import type { LLMRequest } from '../../../src/core/models';
import { Provider } from '../../../src/core/providers/provider';
import type { ProviderResponse } from '../../../src/core/providers/provider';
import { chatItem } from '../engine/engineFixtures';

function controller(max: number, options: { cooldownMs?: number; increaseAfter?: number } = {}) {
  let now = 0;
  const changes: number[] = [];
  const aimd = new AdaptiveConcurrency({ max, now: () => now, onChange: (value) => changes.push(value), ...options });
  return { aimd, changes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('AdaptiveConcurrency', () => {
  it('halves the limit on a 429, down to 1 and no further', () => {
    const { aimd, changes, advance, now } = controller(20, { cooldownMs: 0 });
    for (let cut = 0; cut < 8; cut++) {
      advance(1);
      aimd.rateLimited(now());
    }
    assert.deepEqual(changes, [10, 5, 2, 1]);
    assert.equal(aimd.current, 1);
  });

  it('counts a burst of 429s as one signal: answers to requests sent before a cut, or within the cooldown, cut nothing more', () => {
    const { aimd, advance, now } = controller(32, { cooldownMs: 1_000 });
    const sentBefore = now();
    advance(10);
    assert.equal(aimd.rateLimited(sentBefore), true);
    assert.equal(aimd.current, 16);
    advance(2_000);
    assert.equal(aimd.rateLimited(sentBefore), false, 'sent before the cut');
    assert.equal(aimd.rateLimited(now()), true);
    assert.equal(aimd.rateLimited(now()), false, 'within the cooldown');
    assert.equal(aimd.current, 8);
  });

  it('grows back by one per run of answers, never above the configured concurrency', () => {
    const { aimd, advance, now } = controller(8, { increaseAfter: 5 });
    advance(1);
    aimd.rateLimited(now());
    assert.equal(aimd.current, 4);
    for (let answer = 0; answer < 14; answer++) aimd.answered();
    assert.equal(aimd.current, 6);
    for (let answer = 0; answer < 100; answer++) aimd.answered();
    assert.equal(aimd.current, 8);
  });

  it('holds attempts beyond the limit until others end, in order', async () => {
    const { aimd, advance, now } = controller(2, { cooldownMs: 0 });
    await aimd.enter();
    await aimd.enter();
    const order: string[] = [];
    const third = aimd.enter().then(() => order.push('third'));
    const fourth = aimd.enter().then(() => order.push('fourth'));
    advance(1);
    aimd.rateLimited(now());
    aimd.leave();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [], 'a limit of 1 with one attempt still out admits nobody');
    aimd.leave();
    await third;
    assert.deepEqual(order, ['third']);
    aimd.leave();
    await fourth;
    assert.deepEqual(order, ['third', 'fourth']);
  });
});

/** Answers 429 to every call while `storm` is on; records how many calls were out at once. */
class StormProvider extends Provider {
  readonly id = 'storm';
  readonly apiBase = 'storm:';
  storm = true;
  inFlight = 0;
  peakDuringStorm = 0;
  calls = 0;
  /** Calls in flight as each call started, by call number. */
  readonly concurrency: number[] = [];

  getRequestUrl(): string {
    return 'storm:';
  }

  getRequestHeaders(): Record<string, string> {
    return {};
  }

  async makeRequest(request: LLMRequest): Promise<ProviderResponse> {
    this.calls++;
    this.inFlight++;
    this.concurrency.push(this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3));
      if (this.storm && this.calls <= 40) {
        throw new RateLimitError(429, '429 Rate limit reached', new Headers({ 'retry-after-ms': '2' }));
      }
      const content = String(request.messages[0]?.content);
      return {
        body: { id: 'x', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
        statusCode: 200,
        headers: new Headers(),
      };
    } finally {
      this.inFlight--;
    }
  }
}

describe('RequestManager under 429s', () => {
  it('sends fewer requests at once after a 429, retries included, and says so in progress and statistics', async () => {
    const provider = new StormProvider();
    const events: ProgressEvent[] = [];
    const manager = new RequestManager(provider, { concurrency: 16, retryAttempts: 10, retryDelayMs: 1, adaptiveConcurrency: { cooldownMs: 0, increaseAfter: 1_000 } });
    const items = Array.from({ length: 60 }, (_, index) => chatItem(`item-${index}`, `question ${index}`));
    const run = await manager.processBatch(items, { onProgress: (event) => events.push(event) });
    assert.ok(run.results.every((result) => result.ok), 'every request got its answer in the end');
    assert.equal(run.stats.rateLimited429s, 40);
    assert.equal(events.at(-1)?.rateLimited429s, 40);
    assert.equal(events[0]?.concurrency, 16);
    assert.ok(events.some((event) => event.concurrency < 16), 'progress shows the lowered limit');
    assert.equal(Math.max(...provider.concurrency.slice(0, 16)), 16, 'the run starts at full concurrency');
    // Calls 25 to 40 are mostly retries of requests that keep their task slot: the limit must reach them too.
    const storm = provider.concurrency.slice(24, 40);
    assert.ok(Math.max(...storm) <= 8, `calls in flight during the storm: ${storm.join(', ')}`);
  });

  it('keeps the configured concurrency when adaptive concurrency is off', async () => {
    const provider = new StormProvider();
    const events: ProgressEvent[] = [];
    const manager = new RequestManager(provider, { concurrency: 8, retryAttempts: 10, retryDelayMs: 1, adaptiveConcurrency: false });
    const items = Array.from({ length: 30 }, (_, index) => chatItem(`item-${index}`, `question ${index}`));
    const run = await manager.processBatch(items, { onProgress: (event) => events.push(event) });
    assert.ok(run.results.every((result) => result.ok));
    assert.ok(events.every((event) => event.concurrency === 8));
    assert.ok(run.stats.rateLimited429s > 0);
  });
});
