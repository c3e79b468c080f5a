import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { EchoProvider } from '../../../src/core/providers/echoProvider';
import type { ProviderResponse } from '../../../src/core/providers/provider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import type { BatchItem, LLMRequest } from '../../../src/core/models';
import { chatItem } from './engineFixtures';

/** An echo provider that counts how many calls are running at once. */
class CountingProvider extends EchoProvider {
  active = 0;
  maxActive = 0;
  calls = 0;

  override async makeRequest(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await super.makeRequest(request, signal);
    } finally {
      this.active--;
    }
  }
}

interface BigBatchReport {
  readonly results: number;
  readonly completed: number;
  readonly calls: number;
  readonly lastId: string | undefined;
  readonly maxActive: number;
  /** Most items pulled from the input but not yet given a result, at any moment. */
  readonly maxUnfinished: number;
}

async function runBigBatch(total: number, concurrency: number): Promise<BigBatchReport> {
  const provider = new CountingProvider();
  let pulled = 0;
  let finished = 0;
  let maxUnfinished = 0;
  const template = chatItem('t', 'x');
  function* items(): Generator<BatchItem> {
    for (let index = 0; index < total; index++) {
      pulled++;
      maxUnfinished = Math.max(maxUnfinished, pulled - finished);
      yield { id: `item-${index}`, request: { ...template.request, messages: [{ role: 'user', content: `question ${index}` }] } };
    }
  }
  const { results, stats } = await new RequestManager(provider, { concurrency }).processBatch(items(), {
    onResult: () => {
      finished++;
    },
  });
  return { results: results.length, completed: stats.requestsCompleted, calls: provider.calls, lastId: results.at(-1)?.id, maxActive: provider.maxActive, maxUnfinished };
}

const role = 'bounded-memory-batch';

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === role) {
  const { total, concurrency } = workerData as { total: number; concurrency: number };
  void runBigBatch(total, concurrency).then((report) => parentPort?.postMessage(report));
} else {
  describe('RequestManager with a very large batch', () => {
    // On Node 20 the test runner tracks every promise through async hooks, which would make a
    // 100 000-item run measure the runner instead of the engine; a worker thread is free of it.
    it('runs 100 000 items while holding only a small multiple of the concurrency unfinished', async () => {
      const total = 100_000;
      const concurrency = 50;
      const worker = new Worker(__filename, { workerData: { role, total, concurrency } });
      const report = await new Promise<BigBatchReport>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
      });
      await worker.terminate();
      assert.equal(report.results, total);
      assert.equal(report.completed, total);
      assert.equal(report.calls, total);
      assert.equal(report.lastId, `item-${total - 1}`);
      assert.ok(report.maxActive <= concurrency, `at most ${concurrency} calls at once (saw ${report.maxActive})`);
      assert.ok(report.maxUnfinished <= 2 * concurrency + 1, `items pulled but unfinished stayed bounded (saw ${report.maxUnfinished})`);
    });
  });
}
