import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MockServer } from '../../mock/mockServer';
import { useMockServer } from '../fixtures/useMockServer';
import { hostileRateLimitScript } from '../../mock/hostileRateLimits';
import type { HostileRateLimitMode } from '../../mock/hostileRateLimits';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { LogEntry } from '../../../src/core/engine/logEntry';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';
import type { Clock } from '../../../src/core/engine/clock';
import { maxServerWaitMs } from '../../../src/core/engine/retryPolicy';
import { RateLimiterRegistry } from '../../../src/core/rateLimit/rateLimiterRegistry';
import { describeProgress } from '../../../src/cli/progressBar';
import { chatItem, eventually } from '../engine/engineFixtures';
import { fakeClock, settle } from '../fixtures/fakeClock';
import { RateLimiter } from '../../../src/core/rateLimit/rateLimiter';
import { headers, wordEstimator, wordyRequest } from './rateLimitFixtures';
import { batchText, outputLines, startCli } from '../reliability/reliabilityFixtures';
import type { CliRun } from '../reliability/reliabilityFixtures';

/** Runs `count` requests one at a time against the mock's `mode`, on `clock`, and keeps what the run said. */
async function runAgainst(server: MockServer, mode: HostileRateLimitMode, clock: Clock, options: { count?: number; signal?: AbortSignal } = {}) {
  server.setScript(hostileRateLimitScript(mode));
  const log: LogEntry[] = [];
  const progress: ProgressEvent[] = [];
  const manager = new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl }), {
    // One at a time, so each request asks for budget after the answer before it has spoken.
    concurrency: 1,
    retryAttempts: 1,
    clock,
    progressIntervalMs: 0,
    rateLimiter: new RateLimiterRegistry({ clock }).forRun(),
    onLog: (entry) => log.push(entry),
  });
  const items = Array.from({ length: options.count ?? 3 }, (_, i) => chatItem(`q${i}`, `question ${i}`));
  const run = manager.processBatch(items, { onProgress: (event) => progress.push(event), ...(options.signal && { signal: options.signal }) });
  return { run, log, progress, notices: () => log.filter((entry) => entry.topic === 'rateLimit') };
}

describe('rate-limit headers no provider would send', () => {
  const server = useMockServer();

  it('ignores budgets exhausted until a reset 99 999 hours away, and says so once', async () => {
    const { clock, delays } = fakeClock(undefined, { sleeps: 'instant' });
    const { run, notices } = await runAgainst(server, 'exhausted-for-ever', clock);
    const { results } = await run;
    assert.ok(results.every((result) => result.ok));
    assert.deepEqual(
      delays.filter((ms) => ms >= 1_000),
      [],
      'nothing waited for the announced reset',
    );
    assert.equal(notices().length, 1);
    assert.equal(notices()[0]!.level, 'warn');
    assert.match(notices()[0]!.message, /Ignored the server's x-ratelimit-reset-requests: 99999h \(a wait of more than a day\).*noise/);
  });

  it('ignores a limit of 0.001 requests a minute instead of spacing requests 16 hours apart', async () => {
    const { clock, delays } = fakeClock(undefined, { sleeps: 'instant' });
    const { run, notices } = await runAgainst(server, 'tiny-limit', clock);
    const { results } = await run;
    assert.ok(results.every((result) => result.ok));
    assert.deepEqual(delays.filter((ms) => ms >= 1_000), []);
    assert.deepEqual(
      notices().map((entry) => entry.message),
      [`Ignored the server's x-ratelimit-limit-requests: 0.001 (a limit under one a minute): no provider keeps such a limit, so it is taken as noise.`],
    );
  });

  it('waits 60 s at most for an hour-long reset, and says what it waits for in the log', async () => {
    const { clock, delays } = fakeClock(undefined, { sleeps: 'instant' });
    const { run, notices } = await runAgainst(server, 'exhausted-for-an-hour', clock);
    const { results } = await run;
    assert.ok(results.every((result) => result.ok));
    assert.equal(Math.max(...delays), maxServerWaitMs, 'each later request waited the cap, never the hour');
    assert.equal(delays.filter((ms) => ms === maxServerWaitMs).length, 2, 'the second and the third request each waited once');
    const messages = notices().map((entry) => entry.message);
    assert.equal(messages.filter((message) => /x-ratelimit-reset-requests: 1h asks for a wait over 60 s; llmbatch waits 60 s at most/.test(message)).length, 1, 'the cap is told once');
    assert.ok(messages.includes('Waiting 60 s for rate limit: the server reports no requests left until its limit resets.'), messages.join('\n'));
  });

  it('retries a 429 announcing a reset 99 999 hours away like any other, without waiting for it', async () => {
    const { clock, delays } = fakeClock(undefined, { sleeps: 'instant' });
    const { run, notices } = await runAgainst(server, 'exhausted-for-ever-429', clock);
    const { results } = await run;
    assert.ok(results.every((result) => !result.ok && result.error.code === 'rate_limit' && result.attempts === 2));
    assert.ok(Math.max(...delays) < maxServerWaitMs, `waited ${Math.max(...delays)} ms`);
    assert.equal(notices().filter((entry) => entry.level === 'warn').length, 1);
  });

  it('takes a retry-after of eleven days as noise and backs off instead', async () => {
    const { clock, delays } = fakeClock(undefined, { sleeps: 'instant' });
    const { run, notices } = await runAgainst(server, 'retry-after-days', clock);
    const { results } = await run;
    assert.ok(results.every((result) => !result.ok && result.error.code === 'rate_limit'));
    assert.ok(Math.max(...delays) < maxServerWaitMs, `waited ${Math.max(...delays)} ms`);
    assert.match(notices()[0]?.message ?? '', /Ignored the server's retry-after: 999999 \(a wait of more than a day\)/);
  });

  it('says in the progress line what it waits for, and ends the wait as soon as the run is cancelled', async () => {
    // The clock only moves when told: the 30 s wait would last for ever.
    const { clock } = fakeClock(Date.UTC(2025, 0, 1));
    const controller = new AbortController();
    const { run, progress } = await runAgainst(server, 'exhausted-for-30s', clock, { signal: controller.signal });
    await eventually(() => progress.some((event) => event.waitingFor === 'server-requests'), 10_000);
    const held = progress.find((event) => event.waitingFor === 'server-requests')!;
    assert.equal(held.waitingForBudgetMs, 30_000);
    assert.match(describeProgress(held), /^1\/3 · waiting for rate limit \(server: no requests left\) · resumes in 30\.0 s/);
    controller.abort();
    const { results, cancelled } = await run;
    assert.equal(cancelled, true);
    assert.deepEqual(
      results.map((result) => (result.ok ? 'ok' : result.error.code)),
      ['ok', 'cancelled', 'cancelled'],
    );
  });
});

describe('a budget the server announced', () => {
  it('holds a request back 60 s in all, where a configured budget paces it as configured', async () => {
    const estimator = await wordEstimator();
    const request = wordyRequest(80, 13); // 80 words + 7 for the chat format + 13 completion = 100 tokens
    /** Seconds until `limiter` lets `request` go, looked at each second up to two minutes; undefined if it did not. */
    const secondsUntilGranted = async (limiter: RateLimiter, advance: (ms: number) => Promise<void>) => {
      let granted = false;
      void limiter.acquire(request).then(() => (granted = true));
      for (let seconds = 0; seconds <= 120; seconds++) {
        await settle();
        if (granted) return seconds;
        await advance(1_000);
      }
      return undefined;
    };
    // The first request on a budget never waits; it leaves the bucket 99 tokens short: 99 minutes at one token a minute.
    const announced = fakeClock(0);
    const fromServer = new RateLimiter({ clock: announced.clock, estimator, probeTimeoutMs: 0 });
    (await fromServer.acquire(request)).succeeded(headers({ 'x-ratelimit-limit-tokens': '1' }));
    await fromServer.acquire(request);
    assert.equal(await secondsUntilGranted(fromServer, announced.advance), maxServerWaitMs / 1000);
    const configured = fakeClock(0);
    const asked = new RateLimiter({ clock: configured.clock, estimator, probeTimeoutMs: 0, tpm: 1 });
    await asked.acquire(request);
    assert.equal(await secondsUntilGranted(asked, configured.advance), undefined, 'a tokens-per-minute budget of 1 was asked for');
  });
});

describe('llmbatch run against rate-limit headers no provider would send', () => {
  const server = useMockServer();
  let input: string;
  before(() => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-hostile-limits-'));
    input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(6));
  });

  /** The CLI's run, or its output so far if it had to be killed: a run that hangs fails instead of holding the suite up. */
  async function runCli(mode: HostileRateLimitMode): Promise<CliRun> {
    server.setScript(hostileRateLimitScript(mode));
    const { child, done } = startCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--retries', '1', '--retry-delay', '0.01']);
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      return await done;
    } finally {
      clearTimeout(guard);
    }
  }

  const cases: [HostileRateLimitMode, number, RegExp][] = [
    ['exhausted-for-ever', 0, /Ignored the server's x-ratelimit-reset-requests: 99999h/],
    ['exhausted-for-ever-429', 1, /Ignored the server's x-ratelimit-reset-requests: 99999h/],
    ['tiny-limit', 0, /Ignored the server's x-ratelimit-limit-requests: 0\.001/],
    ['retry-after-days', 1, /Ignored the server's retry-after: 999999/],
  ];
  for (const [mode, code, notice] of cases) {
    it(`ends on its own against ${mode}, saying once what it ignored, with no timer overflow`, async () => {
      const result = await runCli(mode);
      assert.equal(result.signal, null, `killed after a minute: ${result.stderr.slice(0, 500)}`);
      assert.equal(result.code, code, result.stderr);
      assert.equal(outputLines(result.stdout).length, 6);
      assert.equal(result.stderr.split('\n').filter((line) => notice.test(line)).length, 1, result.stderr);
      assert.match(result.stderr, /^llmbatch: warning: Ignored the server's /m);
      assert.doesNotMatch(result.stderr, /TimeoutOverflowWarning/);
    });
  }

  it('stops at Ctrl+C while it waits for the rate limit, writing every line', async () => {
    server.setScript(hostileRateLimitScript('exhausted-for-an-hour'));
    const { child, done } = startCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--concurrency', '1']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      await eventually(() => stderr.includes('Waiting 60 s for rate limit: the server reports no requests left'), 30_000);
      child.kill('SIGINT');
      const result = await done;
      assert.equal(result.signal, null, 'the wait ended with the run, not with the guard');
      assert.equal(result.code, 1, result.stderr);
      const lines = outputLines(result.stdout);
      assert.equal(lines.length, 6);
      assert.equal(lines[0]?.error, null);
      assert.ok(lines.slice(1).every((line) => line.error?.code === 'cancelled'));
      assert.match(result.stderr, /· cancelled/);
    } finally {
      clearTimeout(guard);
    }
  });
});
