import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseResetDuration, readRateLimitHeaders } from '../../../src/core/rateLimit/rateLimitHeaders';

describe('parseResetDuration', () => {
  it('reads the durations OpenAI writes in x-ratelimit-reset-* headers', () => {
    assert.equal(parseResetDuration('1m30s'), 90_000);
    assert.equal(parseResetDuration('6ms'), 6);
    assert.equal(parseResetDuration('2.5s'), 2_500);
    assert.equal(parseResetDuration('0.5s'), 500);
    assert.equal(parseResetDuration('1h2m3s'), 3_723_000);
    assert.equal(parseResetDuration('6m0s'), 360_000);
    assert.equal(parseResetDuration('1s500ms'), 1_500);
  });

  it('takes a bare number as seconds', () => {
    assert.equal(parseResetDuration('20'), 20_000);
    assert.equal(parseResetDuration(' 1.5 '), 1_500);
  });

  it('says nothing for absent or unreadable values', () => {
    assert.equal(parseResetDuration(undefined), undefined);
    assert.equal(parseResetDuration(null), undefined);
    assert.equal(parseResetDuration(''), undefined);
    assert.equal(parseResetDuration('soon'), undefined);
    assert.equal(parseResetDuration('1m30'), undefined);
    assert.equal(parseResetDuration('-5s'), undefined);
    assert.equal(parseResetDuration('5 s'), undefined);
  });
});

describe('readRateLimitHeaders', () => {
  it('reads limits, what is left and when it refills, for requests and tokens', () => {
    const reading = readRateLimitHeaders(
      new Headers({
        'x-ratelimit-limit-requests': '5000',
        'x-ratelimit-remaining-requests': '4999',
        'x-ratelimit-reset-requests': '12ms',
        'x-ratelimit-limit-tokens': '400000',
        'x-ratelimit-remaining-tokens': '399950',
        'x-ratelimit-reset-tokens': '7ms',
      }),
      0,
    );
    assert.deepEqual(reading, {
      requests: { limit: 5000, remaining: 4999, resetMs: 12 },
      tokens: { limit: 400000, remaining: 399950, resetMs: 7 },
    });
  });

  it('reads the wait a 429 asks for, retry-after-ms before retry-after', () => {
    assert.equal(readRateLimitHeaders(new Headers({ 'retry-after-ms': '850', 'retry-after': '3' }), 0)?.retryAfterMs, 850);
    assert.equal(readRateLimitHeaders(new Headers({ 'retry-after': '3' }), 0)?.retryAfterMs, 3_000);
  });

  it('is undefined for answers without rate-limit headers, and skips unreadable values', () => {
    assert.equal(readRateLimitHeaders(new Headers({ 'content-type': 'application/json' }), 0), undefined);
    assert.equal(readRateLimitHeaders(undefined, 0), undefined);
    assert.deepEqual(readRateLimitHeaders(new Headers({ 'x-ratelimit-limit-requests': 'lots', 'x-ratelimit-remaining-requests': '3' }), 0), {
      requests: { remaining: 3 },
      tokens: {},
    });
  });

  it('drops values no provider would send as noise, and cuts announced waits to 60 s, noting each', () => {
    const reading = readRateLimitHeaders(
      new Headers({
        'x-ratelimit-limit-requests': '0.001',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '99999h',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '1h',
        'retry-after': '7200',
      }),
      0,
    );
    assert.deepEqual(reading, {
      requests: { remaining: 0 },
      tokens: { remaining: 0, resetMs: 60_000 },
      retryAfterMs: 60_000,
      notes: [
        { header: 'x-ratelimit-limit-requests', value: '0.001', kind: 'noise' },
        { header: 'x-ratelimit-reset-requests', value: '99999h', kind: 'noise' },
        { header: 'x-ratelimit-reset-tokens', value: '1h', kind: 'capped' },
        { header: 'retry-after', value: '7200', kind: 'capped' },
      ],
    });
  });

  it('takes a retry-after past a day, or a limit too large to be a number, as noise; a limit of 0 as no limit', () => {
    const noise = readRateLimitHeaders(new Headers({ 'retry-after-ms': '999999999999', 'x-ratelimit-limit-tokens': '9'.repeat(400), 'x-ratelimit-limit-requests': '0' }), 0);
    assert.equal(noise?.retryAfterMs, undefined);
    assert.deepEqual(noise?.requests, {});
    assert.deepEqual(noise?.tokens, {});
    assert.deepEqual(
      noise?.notes?.map((item) => [item.header, item.kind, item.value.length <= 40]),
      [
        ['x-ratelimit-limit-tokens', 'noise', true],
        ['retry-after-ms', 'noise', true],
      ],
    );
  });
});
