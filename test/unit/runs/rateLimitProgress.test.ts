import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { budgetWait, format429s, formatProgress } from '../../../src/extension/output/runText';
import { rateLimitParts } from '../../../src/webview/logic/rateLimitText';
import { describeProgress } from '../../../src/cli/progressBar';
import { describeRateLimitWait } from '../../../src/core/rateLimit/rateLimitWait';
import { RunRecord } from '../../../src/extension/results/runRecord';
import type { RunProgress } from '../../../src/webview/protocol';

const base = { done: 37, total: 120, cached: 0, failed: 0, tokensPerSecond: 0, concurrency: 20, rateLimited: false, rateLimited429s: 0 };

describe('rate limits in the progress notification and status bar', () => {
  it('says when the run waits for budget and when it resumes', () => {
    assert.equal(formatProgress({ ...base, rateLimited: true, waitingForBudgetMs: 11_200 }), '37/120 · waiting for rate limit · resumes in 12 s');
  });

  it('says what the run waits for: the server\'s word, a 429\'s retry-after, or a budget', () => {
    assert.equal(formatProgress({ ...base, rateLimited: true, waitingForBudgetMs: 45_000, waitingFor: 'server-requests' }), '37/120 · waiting for rate limit (server: no requests left) · resumes in 45 s');
    assert.equal(budgetWait({ rateLimited: true, waitingForBudgetMs: 60_000, waitingFor: 'retry-after' }), 'waiting for rate limit (server: retry after 429) · resumes in 1 min');
    assert.equal(budgetWait({ rateLimited: true, waitingForBudgetMs: 2_000, waitingFor: 'tokens' }), 'waiting for rate limit (tokens per minute) · resumes in 2 s');
    assert.equal(describeProgress({ ...base, elapsedMs: 0, inFlight: 0, promptTokens: 0, completionTokens: 0, cacheHitRatio: 0, rateLimited: true, waitingForBudgetMs: 9_000, waitingFor: 'server-tokens' }), '37/120 · waiting for rate limit (server: no tokens left) · resumes in 9.0 s');
  });

  it('keeps quiet about the short waits of normal pacing', () => {
    assert.equal(formatProgress({ ...base, rateLimited: true, waitingForBudgetMs: 400 }), '37/120');
    assert.equal(budgetWait({ rateLimited: true, waitingForBudgetMs: 999 }), undefined);
    assert.equal(budgetWait({ rateLimited: false, waitingForBudgetMs: 5_000 }), undefined);
  });

  it('counts down in minutes past a minute', () => {
    assert.equal(budgetWait({ rateLimited: true, waitingForBudgetMs: 125_000 }), 'waiting for rate limit · resumes in 2 min 5 s');
    assert.equal(budgetWait({ rateLimited: true, waitingForBudgetMs: 120_000 }), 'waiting for rate limit · resumes in 2 min');
  });

  it('after 429s, gives their count and the lowered in-flight limit', () => {
    assert.equal(formatProgress({ ...base, failed: 1, rateLimited429s: 3, concurrency: 5 }), '37/120 · 1 failed · 3 × 429 · 5 in flight at most');
    assert.equal(format429s(1500), '1.5k × 429');
  });

  it('shows nothing of rate limits for a run that met none', () => {
    assert.equal(formatProgress({ ...base, cached: 3, tokensPerSecond: 1234 }), '37/120 · 3 cached · 1.2k tok/s');
  });
});

describe('rate limits in the results panel summary', () => {
  it('while running: the wait, the 429s and the in-flight limit, as the notification says them', () => {
    const progress: RunProgress = { done: 37, total: 120, inFlight: 4, tokensPerSecond: 0, elapsedMs: 1000, waitingForBudgetMs: 3_100, rateLimited429s: 2, concurrency: 5 };
    assert.deepEqual(rateLimitParts('running', progress, undefined), ['waiting for rate limit · resumes in 4 s', '2 × 429', '5 in flight at most']);
  });

  it('while running: what the run waits for, in the words the host sent', () => {
    const progress: RunProgress = { done: 1, total: 2, inFlight: 0, tokensPerSecond: 0, elapsedMs: 1, waitingForBudgetMs: 59_200, waitingFor: describeRateLimitWait('server-requests') };
    assert.deepEqual(rateLimitParts('running', progress, undefined), ['waiting for rate limit (server: no requests left) · resumes in 60 s']);
  });

  it('once over: how many 429s the run met, or nothing', () => {
    assert.deepEqual(rateLimitParts('finished', undefined, 14), ['14 × 429']);
    assert.deepEqual(rateLimitParts('cancelled', undefined, undefined), []);
    assert.deepEqual(rateLimitParts('running', { done: 1, total: 2, inFlight: 1, tokensPerSecond: 0, elapsedMs: 1, waitingForBudgetMs: 200, concurrency: 20 }, undefined), []);
  });

  it('adds up the 429s of re-runs merged into a run, and keeps them when stored', () => {
    const items = [{ index: 0, id: 'a', provider: 'mock', request: {} }];
    const record = new RunRecord('run-1', 'file:///a.llmbatch', 0, items);
    record.finish(false, 1000, 3);
    assert.equal(record.view().rateLimited429s, 3);
    record.beginRerun(items);
    record.finish(false, 500, 2);
    assert.equal(record.view().rateLimited429s, 5);
    const restored = RunRecord.fromStored(JSON.parse(JSON.stringify(record.toStored())));
    assert.equal(restored.view().rateLimited429s, 5);
    const clean = new RunRecord('run-2', 'file:///a.llmbatch', 0, items);
    clean.finish(false, 1000, 0);
    assert.equal(clean.view().rateLimited429s, undefined);
  });
});
