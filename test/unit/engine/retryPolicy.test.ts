import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APIConnectionError, APITimeoutError, APIUserAbortError, InvalidRequestError, InvalidResponseError, makeAPIError } from '../../../src/core/errors';
import type { BackoffOptions } from '../../../src/core/engine/retryPolicy';
import { backoffDelayMs, maxServerWaitMs, retryAfterMs, retryDelayMs, shouldRetry } from '../../../src/core/engine/retryPolicy';

const now = Date.UTC(2025, 0, 1, 12, 0, 0);
const exact: BackoffOptions = { retryDelayMs: 1_000, maxRetryDelayMs: 30_000, jitter: 'none', random: () => 0.5 };

describe('shouldRetry', () => {
  it('retries rate limits, timeouts, conflicts and server errors', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504, 529]) {
      assert.equal(shouldRetry(makeAPIError(status, { error: { message: 'x' } })), true, `status ${status}`);
    }
  });

  it('never retries a request the server rejected, nor a redirect', () => {
    for (const status of [301, 307, 400, 401, 403, 404, 422]) {
      assert.equal(shouldRetry(makeAPIError(status, { error: { message: 'x' } })), false, `status ${status}`);
    }
  });

  it('retries network failures, per-attempt timeouts and cut-off or garbled answers', () => {
    assert.equal(shouldRetry(new APIConnectionError('ECONNRESET')), true);
    assert.equal(shouldRetry(new APITimeoutError(1000)), true);
    assert.equal(shouldRetry(new InvalidResponseError('truncated', 200, 'cut off')), true);
    assert.equal(shouldRetry(new InvalidResponseError('not_json', 200, '<html>')), true);
  });

  it('does not retry answers that will not change, cancellations or invalid requests', () => {
    assert.equal(shouldRetry(new InvalidResponseError('error_body', 200, 'error')), false);
    assert.equal(shouldRetry(new InvalidResponseError('wrong_shape', 200, 'no choices')), false);
    assert.equal(shouldRetry(new APIUserAbortError()), false);
    assert.equal(shouldRetry(new InvalidRequestError('stream')), false);
    assert.equal(shouldRetry(new Error('bug')), false);
  });

  it('lets the server override with x-should-retry', () => {
    assert.equal(shouldRetry(makeAPIError(400, {}, new Headers({ 'x-should-retry': 'true' }))), true);
    assert.equal(shouldRetry(makeAPIError(503, {}, new Headers({ 'x-should-retry': 'false' }))), false);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms first, then retry-after in seconds', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' }), now), 2_000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '1.5' }), now), 1_500);
  });

  it('reads retry-after as an HTTP date relative to now', () => {
    const date = new Date(now + 7_000).toUTCString();
    assert.equal(retryAfterMs(new Headers({ 'retry-after': date }), now), 7_000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': new Date(now - 7_000).toUTCString() }), now), 0);
  });

  it('caps any hint at 60 seconds', () => {
    assert.equal(maxServerWaitMs, 60_000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '3600' }), now), 60_000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '90000' }), now), 60_000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': new Date(now + 3_600_000).toUTCString() }), now), 60_000);
  });

  it('takes a hint past a day as noise, so backoff decides the wait', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '999999' }), now), undefined);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': new Date(now + 40 * 86_400_000).toUTCString() }), now), undefined);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '86400' }), now), 60_000, 'a day is still a wait, cut to the cap');
  });

  it('ignores missing or unreadable hints', () => {
    assert.equal(retryAfterMs(undefined, now), undefined);
    assert.equal(retryAfterMs(new Headers(), now), undefined);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '-5' }), now), undefined);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from retryDelayMs and stops at the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, { ...exact, maxRetryDelayMs: 20_000 })), [1_000, 2_000, 4_000, 8_000, 16_000, 20_000]);
  });

  it('spreads delays within ±25 % with proportional jitter', () => {
    assert.equal(backoffDelayMs(2, { ...exact, jitter: 'proportional', random: () => 0 }), 1_500);
    assert.equal(backoffDelayMs(2, { ...exact, jitter: 'proportional', random: () => 0.5 }), 2_000);
    assert.equal(backoffDelayMs(2, { ...exact, jitter: 'proportional', random: () => 0.999 }), 2_499);
  });

  it('spreads delays between 0 and the nominal delay with full jitter', () => {
    assert.equal(backoffDelayMs(3, { ...exact, jitter: 'full', random: () => 0 }), 0);
    assert.equal(backoffDelayMs(3, { ...exact, jitter: 'full', random: () => 0.25 }), 1_000);
  });

  it('never exceeds the cap, jitter included', () => {
    assert.equal(backoffDelayMs(10, { ...exact, jitter: 'proportional', random: () => 0.999, maxRetryDelayMs: 8_000 }), 8_000);
  });
});

describe('retryDelayMs', () => {
  it("prefers the server's hint over backoff", () => {
    const limited = makeAPIError(429, {}, new Headers({ 'retry-after': '3' }));
    assert.equal(retryDelayMs(limited, 1, { ...exact, now }), 3_000);
    assert.equal(retryDelayMs(makeAPIError(429, {}), 3, { ...exact, now }), 4_000);
    assert.equal(retryDelayMs(new APIConnectionError(), 1, { ...exact, now }), 1_000);
  });
});
