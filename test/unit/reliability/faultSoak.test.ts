import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockServer } from '../../mock/mockServer';
import type { MockFault } from '../../mock/mockServer';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { LogEntry } from '../../../src/core/engine/requestManager';
import { chatItem } from '../engine/engineFixtures';

const total = 2_000;
// Every 20th question is asked twice under another id, so sharing is soaked too.
const distinct = 1_900;
const concurrency = 50;

/**
 * The fault a question's first attempt meets, spread evenly by a fixed scramble
 * of its number: 10 % 429 (half with `retry-after-ms`, half with an HTTP-date
 * `retry-after`), 5 % 500/503, 2 % resets, 2 % truncated JSON, 1 % hangs.
 */
function faultFor(question: number): MockFault | undefined {
  const slot = (question * 37) % 100;
  if (slot < 5) return { kind: 'status', status: 429, headers: { 'retry-after-ms': '15' } };
  // HTTP dates have one-second resolution, so this asks for a wait of up to 1 s.
  if (slot < 10) return { kind: 'status', status: 429, headers: { 'retry-after': new Date(Date.now() + 1_000).toUTCString() } };
  if (slot < 13) return { kind: 'status', status: 500 };
  if (slot < 15) return { kind: 'status', status: 503 };
  if (slot < 17) return { kind: 'reset' };
  if (slot < 19) return { kind: 'truncated', dropConnection: slot === 18 };
  if (slot < 20) return { kind: 'hang' };
  return undefined;
}

function questionOf(body: unknown): number {
  const match = /question (\d+)"/.exec(JSON.stringify(body));
  if (!match) throw new Error('not a soak request');
  return Number(match[1]);
}

describe('fault soak', () => {
  let server: MockServer;
  before(async () => {
    server = await MockServer.start();
  });
  after(async () => {
    await server.close();
  });

  it('answers 2 000 requests through 429s, 5xx, resets, truncation and hangs: each with its own answer, each sent successfully once, never above the concurrency cap', async (t) => {
    const successfulCalls = new Map<number, number>();
    let faultsServed = 0;
    server.setScript(({ body, attemptForBody }) => {
      const question = questionOf(body);
      const fault = attemptForBody === 1 ? faultFor(question) : undefined;
      if (fault) faultsServed++;
      else successfulCalls.set(question, (successfulCalls.get(question) ?? 0) + 1);
      return fault;
    });
    const logs: LogEntry[] = [];
    const manager = new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl, apiKey: 'sk-soak-0123456789' }), {
      concurrency,
      timeoutMs: Number(process.env.SOAK_TIMEOUT ?? 1000),
      retryAttempts: 3,
      retryDelayMs: 20,
      maxRetryDelayMs: 200,
      onLog: (entry) => logs.push(entry),
    });
    if (process.env.SOAK_WARM) {
      server.setScript(undefined);
      await new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl }), { concurrency }).processBatch(Array.from({ length: concurrency }, (_, i) => chatItem(`warm-${i}`, `warm ${i}`)));
      server.resetRecords();
      server.setScript(({ body, attemptForBody }) => {
        const question = questionOf(body);
        const fault = attemptForBody === 1 ? faultFor(question) : undefined;
        if (fault) faultsServed++;
        else successfulCalls.set(question, (successfulCalls.get(question) ?? 0) + 1);
        return fault;
      });
    }
    const items = Array.from({ length: total }, (_, i) => chatItem(`item-${i}`, `question ${i % distinct}`));

    const started = Date.now();
    const run = await manager.processBatch(items);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`soak: ${total} requests, ${faultsServed} faults served, ${server.requests.length} upstream calls in ${seconds.toFixed(1)} s`);

    assert.equal(run.results.length, total);
    assert.equal(run.cancelled, false);
    const failed = run.results.filter((result) => !result.ok);
    assert.deepEqual(failed.slice(0, 3), [], `${failed.length} requests failed`);
    for (const [index, result] of run.results.entries()) {
      assert.ok(result.ok);
      assert.equal(result.id, `item-${index}`);
      assert.equal(result.index, index);
      assert.equal(result.response.choices[0]?.message.content, `mock: question ${index % distinct}`, `answer of item-${index}`);
    }

    const expectedFaults = Array.from({ length: distinct }, (_, question) => faultFor(question)).filter(Boolean).length;
    assert.equal(faultsServed, expectedFaults, 'every scheduled fault was met once, and only on a first attempt');
    assert.equal(successfulCalls.size, distinct, 'every distinct question reached the server');
    const repeated = [...successfulCalls].filter(([, calls]) => calls > 1);
    assert.deepEqual(repeated, [], 'no question was answered upstream more than once');
    assert.equal(server.requests.length, distinct + expectedFaults, 'one failed and one successful call per faulted question, one call for the rest');
    assert.ok(server.inFlightMax <= concurrency, `the server saw ${server.inFlightMax} requests at once`);
    assert.ok(server.inFlightMax >= concurrency / 2, 'the soak did run requests side by side');
    assert.equal(logs.filter((entry) => /Retry 1 of 3/.test(entry.message)).length, expectedFaults);
  });
});
