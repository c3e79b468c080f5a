import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { MockServer } from '../../mock/mockServer';
import type { MockFault } from '../../mock/mockServer';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { LogEntry } from '../../../src/core/engine/logEntry';
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

function questionOf(body: unknown): number | undefined {
  const match = /question (\d+)"/.exec(JSON.stringify(body));
  return match ? Number(match[1]) : undefined;
}

interface MockReport {
  readonly kind: 'report';
  /** Per question, the calls the server answered normally. */
  readonly successfulCalls: [number, number][];
  readonly faultsServed: number;
  readonly requests: number;
  readonly inFlightMax: number;
}

type MockMessage = { readonly kind: 'ready'; readonly baseUrl: string } | { readonly kind: 'reset' } | MockReport;

/**
 * The mock runs in a process of its own, as a real server would. Sharing one
 * event loop with 50 busy clients makes accepting new connections lag by
 * seconds on a loaded machine, and the soak would measure that instead of the engine.
 */
async function serveSoakMock(): Promise<void> {
  const successfulCalls = new Map<number, number>();
  let faultsServed = 0;
  const server = await MockServer.start({
    script: ({ body, attemptForBody }) => {
      const question = questionOf(body);
      if (question === undefined) return undefined;
      const fault = attemptForBody === 1 ? faultFor(question) : undefined;
      if (fault) faultsServed++;
      else successfulCalls.set(question, (successfulCalls.get(question) ?? 0) + 1);
      return fault;
    },
  });
  const send = (message: MockMessage) => process.send?.(message);
  process.on('message', (message: { kind: string }) => {
    if (message.kind === 'reset') {
      server.resetRecords();
      send({ kind: 'reset' });
    } else if (message.kind === 'report') {
      send({ kind: 'report', successfulCalls: [...successfulCalls], faultsServed, requests: server.requests.length, inFlightMax: server.inFlightMax });
    }
  });
  // The test process going away, however it ends, takes the mock with it.
  process.once('disconnect', () => void server.close().then(() => process.exit(0)));
  send({ kind: 'ready', baseUrl: server.baseUrl });
}

class MockProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<MockProcess> {
    const child = fork(__filename, [], { env: { ...process.env, LLMBATCH_SOAK_MOCK: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const ready = await nextMessage(child, 'ready');
    return new MockProcess(child, (ready as { baseUrl: string }).baseUrl);
  }

  async ask<Kind extends MockMessage['kind']>(kind: Kind): Promise<Extract<MockMessage, { kind: Kind }>> {
    const reply = nextMessage(this.child, kind);
    this.child.send({ kind });
    return (await reply) as Extract<MockMessage, { kind: Kind }>;
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

function nextMessage(child: ChildProcess, kind: string): Promise<MockMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: MockMessage) => {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`the soak mock exited (${code}) before answering ${kind}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

if (process.env.LLMBATCH_SOAK_MOCK === '1') {
  void serveSoakMock();
} else {
  describe('fault soak', () => {
    it('answers 2 000 requests through 429s, 5xx, resets, truncation and hangs: each with its own answer, each sent successfully once, never above the concurrency cap', async (t) => {
      const mock = await MockProcess.start();
      try {
        await soak(mock, t.diagnostic.bind(t));
      } finally {
        mock.stop();
      }
    });
  });
}

async function soak(mock: MockProcess, note: (message: string) => void): Promise<void> {
  const provider = new OpenAIProvider({ apiBase: mock.baseUrl, apiKey: 'sk-soak-0123456789' });

  // Opens the connections and measures how long an ordinary answer takes here. The
  // per-attempt timeout is 1 s on an idle machine; on a loaded one it stays well
  // above ordinary answers, or the soak would measure the machine, not the engine.
  const warmUp = await new RequestManager(provider, { concurrency, retryAttempts: 0 }).processBatch(
    Array.from({ length: 2 * concurrency }, (_, i) => chatItem(`warm-${i}`, `warm up ${i}`)),
  );
  assert.ok(warmUp.results.every((result) => result.ok));
  const slowest = Math.max(...warmUp.results.map((result) => result.latencyMs));
  const timeoutMs = Math.min(10_000, Math.max(1_000, 4 * slowest));
  await mock.ask('reset');

  const logs: LogEntry[] = [];
  // A fixed 50 in flight stresses the cap. Adaptive concurrency (tested on its own) would halve
  // it after the scheduled 429s, and the hangs would then hold most of what is left.
  const options = { concurrency, timeoutMs, retryAttempts: 3, retryDelayMs: 20, maxRetryDelayMs: 200, adaptiveConcurrency: false };
  const manager = new RequestManager(provider, { ...options, onLog: (entry) => logs.push(entry) });
  const items = Array.from({ length: total }, (_, i) => chatItem(`item-${i}`, `question ${i % distinct}`));
  const started = Date.now();
  const run = await manager.processBatch(items);
  const seconds = (Date.now() - started) / 1000;
  const report = await mock.ask('report');
  note(`soak: ${total} requests, ${report.faultsServed} faults, ${report.requests} upstream calls in ${seconds.toFixed(1)} s (timeout ${timeoutMs} ms, slowest warm-up answer ${slowest} ms)`);

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
  assert.equal(report.faultsServed, expectedFaults, 'every scheduled fault was met once, and only on a first attempt');
  assert.equal(report.successfulCalls.length, distinct, 'every distinct question reached the server');
  const repeated = report.successfulCalls.filter(([, calls]) => calls > 1);
  assert.deepEqual(repeated, [], 'no question was answered upstream more than once');
  assert.equal(report.requests, distinct + expectedFaults, 'one failed and one successful call per faulted question, one call for the rest');
  assert.ok(report.inFlightMax <= concurrency, `the server saw ${report.inFlightMax} requests at once`);
  assert.equal(logs.filter((entry) => /Retry 1 of 3/.test(entry.message)).length, expectedFaults);
}
