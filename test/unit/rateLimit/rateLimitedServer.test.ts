import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { MockServer } from '../../mock/mockServer';
import type { MockRateLimit } from '../../mock/mockRateLimit';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';
import { RateLimiterRegistry } from '../../../src/core/rateLimit/rateLimiterRegistry';
import type { RateLimits } from '../../../src/core/rateLimit/rateLimiter';
import { chatItem } from '../engine/engineFixtures';

// A provider's 1 200 rpm / 80 000 tpm, ten times faster so a batch of 400 takes two seconds, not twenty.
const limits = { rpm: 12_000, tpm: 800_000 } as const;
const total = 400;
const concurrency = 50;

type Message =
  | { readonly kind: 'ready'; readonly baseUrl: string }
  | { readonly kind: 'limited'; readonly calls: number; readonly rateLimited: number }
  | { readonly kind: 'report'; readonly calls: number; readonly rateLimited: number };

/** The server runs in its own process, as a provider would: the client's pauses must not delay its clock. */
async function serveRateLimitedMock(): Promise<void> {
  const server = await MockServer.start({ latencyMs: 20 });
  const send = (message: Message) => process.send?.(message);
  process.on('message', (message: { kind: string; limit?: MockRateLimit }) => {
    if (message.kind === 'limit') {
      server.setRateLimit(message.limit);
      server.resetRecords();
      send({ kind: 'limited', calls: 0, rateLimited: 0 });
    } else if (message.kind === 'report') {
      send({ kind: 'report', calls: server.requests.length, rateLimited: server.rateLimited });
    }
  });
  process.once('disconnect', () => void server.close().then(() => process.exit(0)));
  send({ kind: 'ready', baseUrl: server.baseUrl });
}

function nextMessage(child: ChildProcess, kind: Message['kind']): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Message) => {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`the mock exited (${code}) before answering ${kind}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function ask(child: ChildProcess, message: { kind: 'limit'; limit: MockRateLimit } | { kind: 'report' }): Promise<Message> {
  const reply = nextMessage(child, message.kind === 'limit' ? 'limited' : 'report');
  child.send(message);
  return reply;
}

/** Runs the batch against a freshly limited server; returns the share of calls answered 429. */
async function runBatch(child: ChildProcess, baseUrl: string, configured: RateLimits | undefined, note: (message: string) => void) {
  await ask(child, { kind: 'limit', limit: limits });
  const registry = new RateLimiterRegistry();
  const provider = new OpenAIProvider({ apiBase: baseUrl, apiKey: 'sk-rate-0123456789' });
  const manager = new RequestManager(provider, { concurrency, retryAttempts: 5, retryDelayMs: 50, rateLimiter: registry.forRun(() => configured) });
  const items = Array.from({ length: total }, (_, index) => chatItem(`item-${index}`, `Question ${index}: name one fact about the number ${index}, please.`, { max_completion_tokens: 100 }));
  const events: ProgressEvent[] = [];
  const started = Date.now();
  const run = await manager.processBatch(items, { onProgress: (event) => events.push(event) });
  const seconds = (Date.now() - started) / 1000;
  const report = (await ask(child, { kind: 'report' })) as Extract<Message, { kind: 'report' }>;
  note(`${configured ? 'budgets' : 'headers only'}: ${report.calls} calls, ${report.rateLimited} × 429 in ${seconds.toFixed(2)} s`);
  assert.ok(run.results.every((result) => result.ok), 'every request was answered');
  assert.equal(run.stats.rateLimited429s, report.rateLimited, 'the run counts the 429s the server sent');
  return { share: report.rateLimited / report.calls, events, report };
}

if (process.env.LLMBATCH_RATE_LIMIT_MOCK === '1') {
  void serveRateLimitedMock();
} else {
  describe('against a server that enforces 12 000 requests and 800 000 tokens a minute, per second', () => {
    let child: ChildProcess;
    let baseUrl: string;

    before(async () => {
      child = fork(__filename, [], { env: { ...process.env, LLMBATCH_RATE_LIMIT_MOCK: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      baseUrl = ((await nextMessage(child, 'ready')) as Extract<Message, { kind: 'ready' }>).baseUrl;
    });

    after(() => {
      if (child.connected) child.disconnect();
    });

    it('without any limiter on the client, sending a batch of 400 at once meets many 429s', async (t) => {
      await ask(child, { kind: 'limit', limit: limits });
      const provider = new OpenAIProvider({ apiBase: baseUrl, apiKey: 'sk-rate-0123456789' });
      const manager = new RequestManager(provider, { concurrency: total, retryAttempts: 0, adaptiveConcurrency: false });
      const items = Array.from({ length: total }, (_, index) => chatItem(`item-${index}`, `Question ${index}`, { max_completion_tokens: 100 }));
      await manager.processBatch(items);
      const report = (await ask(child, { kind: 'report' })) as Extract<Message, { kind: 'report' }>;
      t.diagnostic(`no limiter: ${report.rateLimited} of ${report.calls} calls answered 429`);
      assert.ok(report.rateLimited >= total / 10, 'the server really enforces its limit');
    });

    it('with the budgets configured, a batch of 400 meets a 429 on fewer than 1 % of its calls', async (t) => {
      const { share, events } = await runBatch(child, baseUrl, limits, t.diagnostic.bind(t));
      assert.ok(share < 0.01, `${(share * 100).toFixed(1)} % of calls answered 429`);
      assert.ok(events.some((event) => event.rateLimited && event.waitingForBudgetMs !== undefined), 'progress shows requests waiting for budget');
    });

    it('with nothing configured, the limits the server announces keep 429s under 5 %', async (t) => {
      const { share } = await runBatch(child, baseUrl, undefined, t.diagnostic.bind(t));
      assert.ok(share < 0.05, `${(share * 100).toFixed(1)} % of calls answered 429`);
    });
  });
}
