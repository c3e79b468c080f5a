import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';
import { ProgressTracker } from '../../../src/core/engine/progressTracker';
import { TokenStats } from '../../../src/core/engine/tokenStats';

function setup(total?: number) {
  let now = 10_000;
  const events: ProgressEvent[] = [];
  const stats = new TokenStats(now);
  const tracker = new ProgressTracker({ stats, now: () => now, total, minIntervalMs: 100, emit: (event) => events.push(event) });
  return { stats, tracker, events, advance: (ms: number) => (now += ms) };
}

describe('ProgressTracker', () => {
  it('emits at most one event per interval, and always the final one', () => {
    const { stats, tracker, events, advance } = setup(1_000);
    tracker.flush();
    for (let index = 0; index < 1_000; index++) {
      stats.recordSuccess(false);
      tracker.update();
      advance(1);
    }
    tracker.flush();
    // 1 000 results over 1 s of clock time: the first event, about ten throttled ones, the final one.
    assert.ok(events.length >= 10 && events.length <= 12, `saw ${events.length} events`);
    assert.equal(events.at(-1)?.done, 1_000);
  });

  it('derives ratios, throughput and the time left from the statistics', () => {
    const { stats, tracker, advance } = setup(10);
    stats.addUsage({ prompt_tokens: 300, completion_tokens: 100, total_tokens: 400 });
    stats.recordSuccess(false);
    stats.recordSuccess(true);
    stats.recordSuccess(true);
    stats.recordFailure();
    tracker.requestStarted();
    advance(2_000);
    const event = tracker.event();
    assert.equal(event.done, 4);
    assert.equal(event.total, 10);
    assert.equal(event.failed, 1);
    assert.equal(event.cached, 2);
    assert.equal(event.cacheHitRatio, 0.5);
    assert.equal(event.inFlight, 1);
    assert.equal(event.promptTokens, 300);
    assert.equal(event.completionTokens, 100);
    assert.equal(event.tokensPerSecond, 200);
    assert.equal(event.elapsedMs, 2_000);
    assert.equal(event.etaMs, 3_000);
  });

  it('grows the total with the input when its length is unknown, with no time estimate', () => {
    const { stats, tracker } = setup();
    tracker.itemSeen();
    tracker.itemSeen();
    stats.recordSuccess(false);
    const event = tracker.event();
    assert.equal(event.total, 2);
    assert.equal(event.etaMs, undefined);
  });
});

describe('TokenStats', () => {
  it('adds up usage, filling in a missing total', () => {
    const stats = new TokenStats(5);
    stats.addUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    stats.addUsage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 0 });
    stats.addUsage(undefined);
    assert.deepEqual(stats.snapshot(), { promptTokens: 11, completionTokens: 7, totalTokens: 18, requestsCompleted: 0, requestsFailed: 0, cacheHits: 0, rateLimited429s: 0, startTime: 5 });
  });
});
