/**
 * Answers a Batch API job produced are shown as "batch" wherever a result
 * appears — the row's status, the detail, the summary, filters, exports —
 * while answers a live run cached keep showing as "cached".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchApiClient } from '../../../src/core/batchApi/batchApiClient';
import { BatchJobs } from '../../../src/core/batchApi/batchJobs';
import { MemoryJobStore } from '../../../src/core/batchApi/jobState';
import { DiskCache } from '../../../src/core/cache/diskCache';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import type { BatchResult } from '../../../src/core/models';
import { buildDetail, buildRow } from '../../../src/extension/results/rowModel';
import { toCsv, toJsonl } from '../../../src/extension/results/exports';
import { summarize } from '../../../src/webview/logic/summary';
import { rowMatches } from '../../../src/webview/logic/sortFilter';
import { comparableText } from '../../../src/webview/logic/matrix';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import { chatItem } from '../engine/engineFixtures';
import { fakeClock } from '../fixtures/fakeClock';
import { answered, item } from '../results/fixtures';
import { useMockServer } from '../fixtures/useMockServer';

const fromJob = (index: number, id: string, answer: string): BatchResult => ({ ...answered(index, id, answer, { cached: true }), via: 'batch' });

describe('answers of batch jobs are marked "batch"', () => {
  it('shows a job\'s answer as batch in the row and the detail, a cached live answer as cached', () => {
    const jobRow = buildRow(item(0, 'a'), fromJob(0, 'a', 'Bonjour'), { running: false });
    const cachedRow = buildRow(item(1, 'b'), answered(1, 'b', 'Hallo', { cached: true }), { running: false });
    const liveRow = buildRow(item(2, 'c'), answered(2, 'c', 'Ciao'), { running: false });
    assert.deepEqual([jobRow.status, cachedRow.status, liveRow.status], ['batch', 'cached', 'ok']);
    assert.equal(jobRow.answer, 'Bonjour');
    assert.equal(comparableText(jobRow), 'Bonjour', 'the compare view shows a batch answer like any other');

    const detail = buildDetail(item(0, 'a'), fromJob(0, 'a', 'Bonjour'), false);
    assert.equal(detail.via, 'batch');
    assert.equal(buildDetail(item(1, 'b'), answered(1, 'b', 'Hallo', { cached: true }), false).via, undefined);
  });

  it('counts batch answers apart in the summary, not as spent now, and filters them', () => {
    const rows = [buildRow(item(0, 'a'), fromJob(0, 'a', 'x'), { running: false, costOf: () => 0.5 }), buildRow(item(1, 'b'), answered(1, 'b', 'y', { cached: true }), { running: false, costOf: () => 0.5 })];
    const totals = summarize(rows);
    assert.deepEqual([totals.batch, totals.cached, totals.ok, totals.done, totals.costUsd], [1, 1, 0, 2, 0]);
    const ids = (filter: 'batch' | 'cached' | 'ok') => rows.filter((row) => rowMatches(row, filter, '')).map((row) => row.id);
    assert.deepEqual(ids('batch'), ['a']);
    assert.deepEqual(ids('cached'), ['b']);
    assert.deepEqual(ids('ok'), ['a', 'b']);
  });

  it('exports the batch status', () => {
    const rows = [buildRow(item(0, 'a'), fromJob(0, 'a', 'x'), { running: false }), buildRow(item(1, 'b'), answered(1, 'b', 'y', { cached: true }), { running: false })];
    assert.deepEqual(toJsonl(rows).trim().split('\n').map((line) => JSON.parse(line).status), ['batch', 'cached']);
    assert.match(toCsv(rows), /,batch,/);
  });

  describe('through the cache', () => {
    const server = useMockServer();
    let root: string;
    before(async () => {
      addBatchApiRoutes(server, { finishOnFirstPoll: true });
      root = await mkdtemp(join(tmpdir(), 'llmbatch-batch-marking-'));
    });
    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('a run answered from a collected job says batch for those answers (even from a disk cache reopened later) and cached for live answers', async () => {
      const directory = join(root, 'cache');
      const items = [chatItem('q0', 'question 0'), chatItem('q1', 'question 1'), chatItem('q2', 'question 2')];
      const provider = new OpenAIProvider({ apiBase: server.baseUrl });
      const first = new DiskCache({ directory });
      const jobs = new BatchJobs({ store: new MemoryJobStore(), cache: first, connect: () => new BatchApiClient({ apiBase: server.baseUrl }), clock: fakeClock(undefined, { sleeps: 'instant' }).clock });
      await jobs.submit(items.slice(0, 2), { file: 'questions.llmbatch', endpoint: { profile: 'openai', apiBase: server.baseUrl }, identity: provider.identity });
      await jobs.wait();
      // The third answer is fetched live and cached by that run.
      await new RequestManager(provider, { cache: first, retryAttempts: 0 }).processBatch([items[2]!]);
      await first.close();

      const reopened = new DiskCache({ directory });
      server.resetRecords();
      const { results } = await new RequestManager(provider, { cache: reopened, retryAttempts: 0 }).processBatch(items);
      await reopened.close();
      assert.equal(server.requests.length, 0, 'every answer came from the cache');
      const statuses = results.map((result, i) => buildRow(item(i, result.id), result, { running: false }).status);
      assert.deepEqual(statuses, ['batch', 'batch', 'cached']);
      assert.ok(results.every((result) => result.cached), 'batch answers still cost nothing now');
    });
  });
});
