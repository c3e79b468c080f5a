import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/core/rateLimit/rateLimiter';
import { Budget } from '../../../src/core/rateLimit/budget';
import type { RateLimitPermit } from '../../../src/core/rateLimit/rateLimiter';
import { RateLimitError } from '../../../src/core/errors';
import { TokenEstimator } from '../../../src/core/rateLimit/tokenEstimate';
import { headers, wordEstimator, wordyRequest } from './rateLimitFixtures';
import { fakeClock, settle } from '../fixtures/fakeClock';

/** Asks for `count` permits at once and records when each is granted. */
function askMany(limiter: RateLimiter, count: number, now: () => number, request = wordyRequest(1, 1)) {
  const grantedAt: number[] = [];
  const permits: RateLimitPermit[] = [];
  const all = Array.from({ length: count }, () =>
    limiter.acquire(request).then((permit) => {
      grantedAt.push(now());
      permits.push(permit);
      return permit;
    }),
  );
  return { grantedAt, permits, all };
}

/** The most grants inside any window of `windowMs`. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (const [at, start] of times.entries()) {
    let count = 0;
    for (let next = at; next < times.length && times[next]! < start + windowMs; next++) count++;
    most = Math.max(most, count);
  }
  return most;
}

describe('Budget', () => {
  it('makes up for a moment the process was busy elsewhere, yet no second goes over 95 % of its slice', () => {
    const budget = new Budget(600, 0);
    const sent: number[] = [];
    for (let now = 0; now < 6_000; now++) {
      // Busy elsewhere: nothing is checked for 400 ms.
      if (now > 2_000 && now < 2_400) continue;
      while (budget.waitMs(1, now) === 0) {
        budget.take(1, now);
        sent.push(now);
      }
    }
    assert.ok(sent.filter((time) => time === 2_400).length >= 2, 'several go at once after the stall');
    assert.ok(busiestWindow(sent, 1_000) <= 9, `a second saw ${busiestWindow(sent, 1_000)} of its 10`);
    assert.ok(sent.length >= 52, `${sent.length} sent in 6 s at 9.5 a second`);
  });

  it('lets a request larger than a second\'s share go once the last second is clear', () => {
    const budget = new Budget(600, 0);
    budget.take(50, 0);
    assert.ok(budget.waitMs(50, 10) > 1_000, 'the first paid its way over several seconds');
    assert.equal(budget.waitMs(50, 60_000), 0);
  });
});

describe('RateLimiter budgets', () => {
  it('spreads a requests-per-minute budget over the minute instead of sending it all at once', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 600 });
    const { grantedAt } = askMany(limiter, 40, now);
    await settle();
    assert.ok(grantedAt.length <= 10, `${grantedAt.length} went at once; a tenth of a minute's 600 is the most any second may see`);
    await advance(3_000);
    // 600 a minute is 10 a second: 3 s of budget, less the small margin kept for the second boundaries.
    assert.ok(grantedAt.length >= 28 && grantedAt.length <= 31, `${grantedAt.length} granted in 3 s`);
    assert.ok(busiestWindow(grantedAt, 1_000) <= 10, `no second may see more than its slice (saw ${busiestWindow(grantedAt, 1_000)})`);
    assert.equal(limiter.waiting, 40 - grantedAt.length);
  });

  it('charges tokens before sending and settles the charge from the usage the server reports', async () => {
    const estimator = await wordEstimator();
    const request = wordyRequest(13, 20); // 13 words + 7 for the chat format + 20 completion = 40 tokens
    const run = async (usedTokens: number | undefined) => {
      const { clock, advance, now } = fakeClock(0);
      const limiter = new RateLimiter({ clock, tpm: 600, estimator });
      const first = await limiter.acquire(request);
      assert.equal(first.tokens, 40);
      const second = limiter.acquire(request).then(() => now());
      await advance(100);
      first.succeeded(undefined, usedTokens === undefined ? undefined : { prompt_tokens: 8, completion_tokens: usedTokens - 8, total_tokens: usedTokens });
      await advance(10_000);
      return second;
    };
    const paidInFull = await run(undefined);
    const refunded = await run(10);
    const overspent = await run(80);
    // 600 tokens a minute refill at 9.5 a second: the first request's 40 take about four seconds to pay off.
    assert.ok(paidInFull >= 3_500, `second request went at ${paidInFull} ms`);
    assert.ok(refunded <= 1_500, `an answer that used only 10 of 40 tokens lets the next go sooner (went at ${refunded} ms)`);
    assert.ok(overspent >= 7_500, `an answer that used 80 tokens holds the next back longer (went at ${overspent} ms)`);
  });

  it('loads the tokenizer only once tokens are what holds requests back', async () => {
    const run = async (tpm: number) => {
      let loads = 0;
      const estimator = new TokenEstimator({ load: async () => (loads++, (text: string) => text.length) });
      // Epoch time, as the system clock gives it.
      const { clock, advance } = fakeClock(Date.UTC(2025, 0, 1));
      const limiter = new RateLimiter({ clock, rpm: 600, tpm, estimator });
      for (let index = 0; index < 5; index++) void limiter.acquire(wordyRequest(10, 50));
      await advance(1_000);
      return loads;
    };
    assert.equal(await run(10_000_000), 0, 'a token budget far above the pace of requests never needs exact counts');
    assert.equal(await run(3_000), 1, 'a tight token budget does');
  });

  it('lowers the pace at once when the configured budget is lowered', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 6_000 });
    const { grantedAt } = askMany(limiter, 200, now);
    await advance(1_000);
    const fast = grantedAt.length;
    limiter.configure({ rpm: 600 });
    await advance(1_000);
    assert.ok(fast >= 90, `${fast} in the first second at 6 000 rpm`);
    assert.ok(grantedAt.length - fast <= 11, `${grantedAt.length - fast} in the second second at 600 rpm`);
    assert.deepEqual(limiter.limits, { rpm: 600 });
  });

  it('lets a waiting request go when its batch is cancelled, and the rest keep their turn', async () => {
    const { clock, advance } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 60 });
    await limiter.acquire(wordyRequest(1, 1));
    const controller = new AbortController();
    const cancelled = limiter.acquire(wordyRequest(1, 1), controller.signal);
    const next = limiter.acquire(wordyRequest(1, 1));
    controller.abort(new Error('stop'));
    await assert.rejects(cancelled, /stop/);
    assert.equal(limiter.waiting, 1);
    await advance(1_100);
    await next;
    assert.equal(limiter.waiting, 0);
  });

  it('reports how long the next waiting request still waits', async () => {
    const { clock, advance } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 60 });
    assert.equal(limiter.waitingMs(), undefined);
    await limiter.acquire(wordyRequest(1, 1));
    void limiter.acquire(wordyRequest(1, 1));
    await settle();
    const wait = limiter.waitingMs();
    assert.ok(wait !== undefined && wait > 900 && wait <= 1_100, `waits ${wait} ms`);
    await advance(400);
    assert.ok(limiter.waitingMs()! <= wait - 400);
  });
});

describe('RateLimiter and server headers', () => {
  it('sends one request first to an endpoint it knows nothing about, then paces by the limits its answer announces', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock });
    const { grantedAt, permits } = askMany(limiter, 30, now);
    await settle();
    assert.equal(grantedAt.length, 1, 'only the first request goes before anything is known');
    await advance(50);
    permits[0]!.succeeded(headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '599', 'x-ratelimit-reset-requests': '100ms' }));
    await advance(1_000);
    assert.deepEqual(limiter.limits, { rpm: 600 });
    assert.ok(grantedAt.length >= 9 && grantedAt.length <= 12, `${grantedAt.length} granted in the first second after learning 600 rpm`);
  });

  it('lets everything go once the first answer shows the server announces no limits', async () => {
    const { clock, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock });
    const { grantedAt, permits } = askMany(limiter, 30, now);
    await settle();
    permits[0]!.succeeded(headers({ 'content-type': 'application/json' }));
    await settle();
    assert.equal(grantedAt.length, 30);
    assert.deepEqual(limiter.limits, {});
  });

  it('waits for the reset when the server says nothing is left', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 60_000 });
    const first = await limiter.acquire(wordyRequest(1, 1));
    first.succeeded(headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1.5s' }));
    const next = limiter.acquire(wordyRequest(1, 1)).then(() => now());
    await advance(3_000);
    assert.equal(await next, 1_500);
  });

  it('counts what it sent since an answer against the remaining budget that answer reports', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 60_000 });
    const { permits, grantedAt } = askMany(limiter, 8, now);
    await advance(20);
    assert.equal(grantedAt.length, 8);
    // The server saw only the first when it answered: 5 left, 7 more already on their way.
    permits[0]!.succeeded(headers({ 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '2s' }));
    const later = limiter.acquire(wordyRequest(1, 1)).then(() => now());
    await advance(5_000);
    assert.equal(await later, 2_020);
  });

  it('holds every request back for the wait a 429 asks for, and empties the budgets', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 60_000 });
    const first = await limiter.acquire(wordyRequest(1, 1));
    first.failed(new RateLimitError(429, '429 Rate limit reached', headers({ 'retry-after-ms': '800' })));
    const next = limiter.acquire(wordyRequest(1, 1)).then(() => now());
    await advance(2_000);
    assert.equal(await next, 800);
  });

  it('lets a bare 429 from an endpoint that keeps no limits delay only its own retry', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock });
    const first = await limiter.acquire(wordyRequest(1, 1));
    first.succeeded(headers({ 'content-type': 'application/json' }));
    const second = await limiter.acquire(wordyRequest(1, 1));
    second.failed(new RateLimitError(429, '429 Too many requests', headers({ 'retry-after-ms': '800' })));
    const next = limiter.acquire(wordyRequest(1, 1)).then(() => now());
    await advance(2_000);
    assert.equal(await next, 0);
  });

  it('holds every request back for a 429 that speaks of the limit, even without a budget of its own', async () => {
    const { clock, advance, now } = fakeClock(0);
    const limiter = new RateLimiter({ clock });
    const first = await limiter.acquire(wordyRequest(1, 1));
    first.succeeded(headers({ 'content-type': 'application/json' }));
    const second = await limiter.acquire(wordyRequest(1, 1));
    second.failed(new RateLimitError(429, '429 Rate limit reached', headers({ 'retry-after-ms': '800', 'x-ratelimit-remaining-requests': '0' })));
    const next = limiter.acquire(wordyRequest(1, 1)).then(() => now());
    await advance(2_000);
    assert.equal(await next, 800);
  });

  it('keeps a configured budget below the limit the server announces', async () => {
    const { clock } = fakeClock(0);
    const limiter = new RateLimiter({ clock, rpm: 100, tpm: 1_000_000, estimator: await wordEstimator() });
    const permit = await limiter.acquire(wordyRequest(1, 1));
    permit.succeeded(headers({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-limit-tokens': '200000' }));
    assert.deepEqual(limiter.limits, { rpm: 100, tpm: 200_000 });
  });
});
