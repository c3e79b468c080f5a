import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockServer } from '../../mock/mockServer';
import { formatResetDuration, MockRateLimiter, mockTokenCharge } from '../../mock/mockRateLimit';
import { parseResetDuration, readRateLimitHeaders } from '../../../src/core/rateLimit/rateLimitHeaders';

const body = (words: number, maxCompletion?: number) => ({
  model: 'm',
  messages: [{ role: 'user', content: Array.from({ length: words }, () => 'word').join(' ') }],
  ...(maxCompletion !== undefined && { max_completion_tokens: maxCompletion }),
});

describe('the mock server rate limits', () => {
  it('enforces a per-minute request limit per second, with OpenAI headers', () => {
    let now = 5_000;
    const limiter = new MockRateLimiter({ rpm: 180 }, () => now);
    const admitted = [1, 2, 3, 4].map(() => limiter.admit(body(1)));
    assert.deepEqual(admitted.map((admission) => admission.ok), [true, true, true, false]);
    const refused = admitted[3]!;
    assert.ok(!refused.ok);
    assert.equal(refused.headers['x-ratelimit-limit-requests'], '180');
    assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
    assert.equal(refused.headers['retry-after-ms'], '1000');
    now += 400;
    assert.equal(limiter.headers()['x-ratelimit-reset-requests'], '600ms');
    now += 600;
    assert.ok(limiter.admit(body(1)).ok, 'the next second has its own slice');
    assert.equal(limiter.rejected, 1);
  });

  it('charges tokens on arrival and settles them to the usage of the answer', () => {
    const now = 0;
    const limiter = new MockRateLimiter({ tpm: 6_000 }, () => now);
    // 3 + (4 + 10) prompt + 50 completion = 67 of the second's 100.
    assert.deepEqual(mockTokenCharge(body(10, 50)), { prompt: 17, tokens: 67 });
    const first = limiter.admit(body(10, 50));
    assert.ok(first.ok);
    assert.equal(limiter.admit(body(10, 50)).ok, false, 'a second reservation does not fit');
    assert.equal(first.charge.headers['x-ratelimit-remaining-tokens'], '33', 'headers as they stood when it was let in');
    limiter.settle(first.charge, { prompt_tokens: 17, completion_tokens: 3 });
    assert.equal(limiter.headers()['x-ratelimit-remaining-tokens'], '80');
    assert.ok(limiter.admit(body(10, 50)).ok, 'settling to the 20 tokens used makes room');
  });

  it('writes reset durations the client reads back', () => {
    for (const ms of [6, 850, 1_000, 1_500, 90_000]) assert.equal(parseResetDuration(formatResetDuration(ms)), ms);
  });

  it('answers over HTTP with x-ratelimit headers, then 429 with retry-after-ms', async () => {
    // Two requests a minute, counted per minute: the third in the same minute is turned away.
    const server = await MockServer.start({ rateLimit: { rpm: 2, windowMs: 60_000 } });
    try {
      const responses = [];
      for (let index = 0; index < 3; index++) {
        const response = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(3)) });
        responses.push({ status: response.status, reading: readRateLimitHeaders(response.headers, Date.now()), body: (await response.json()) as { error?: { code?: string } } });
      }
      assert.deepEqual(responses.map((response) => response.status), [200, 200, 429]);
      assert.deepEqual(responses.map((response) => response.reading?.requests.remaining), [1, 0, 0]);
      assert.equal(responses[0]?.reading?.requests.limit, 2);
      const wait = responses[2]?.reading?.retryAfterMs;
      assert.ok(wait !== undefined && wait > 50_000 && wait <= 60_000, `retry-after-ms ${wait}`);
      assert.equal(responses[2]?.body.error?.code, 'rate_limit_exceeded');
      assert.equal(server.rateLimited, 1);
    } finally {
      await server.close();
    }
  });
});
