import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchApiClient } from '../../../src/core/batchApi/batchApiClient';
import { BatchJobs } from '../../../src/core/batchApi/batchJobs';
import type { BatchJobsOptions } from '../../../src/core/batchApi/batchJobs';
import { splitIntoJobs, JobInputError } from '../../../src/core/batchApi/jobInput';
import { itemsToRerun } from '../../../src/core/batchApi/jobResults';
import { FileJobStore, MemoryJobStore } from '../../../src/core/batchApi/jobState';
import type { JobStore } from '../../../src/core/batchApi/jobState';
import { cacheKey } from '../../../src/core/cache/cacheKey';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import type { MockBatchApi } from '../../mock/batchApiRoutes';
import { answerOf, chatItem } from '../engine/engineFixtures';
import { fakeClock } from '../fixtures/fakeClock';
import { useMockServer } from '../fixtures/useMockServer';

const items = Array.from({ length: 7 }, (_, i) => chatItem(`q${i}`, `question ${i}`));

describe('batch jobs through the Batch API', () => {
  const server = useMockServer();
  let batch: MockBatchApi;
  let root: string;

  before(async () => {
    batch = addBatchApiRoutes(server);
    root = await mkdtemp(join(tmpdir(), 'llmbatch-batch-jobs-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    batch.behaviour = {};
  });

  const identity = () => new OpenAIProvider({ apiBase: server.baseUrl }).identity;
  const endpoint = () => ({ profile: 'openai', apiBase: server.baseUrl });
  function setUp(options: Partial<BatchJobsOptions> = {}): { jobs: BatchJobs; cache: InMemoryCache; store: JobStore } {
    const cache = (options.cache as InMemoryCache | undefined) ?? new InMemoryCache();
    const store = options.store ?? new MemoryJobStore();
    const jobs = new BatchJobs({ store, cache, connect: () => new BatchApiClient({ apiBase: server.baseUrl }), clock: fakeClock(undefined, { sleeps: 'instant' }).clock, ...options });
    return { jobs, cache, store };
  }
  const chatRequests = () => server.requests.filter((request) => request.path === '/v1/chat/completions');
  const live = (cache: InMemoryCache) => new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl }), { cache, retryAttempts: 0 });

  it('answers every request in input order, caches them under the live key, and a live run then sends nothing', async () => {
    const { jobs, cache } = setUp();
    const submission = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    assert.equal(submission.jobs.length, 1);
    const upload = [...batch.files.values()][0]!;
    assert.deepEqual(upload.content.trim().split('\n').map((line) => JSON.parse(line).custom_id), items.map((item) => item.id));

    const report = await jobs.wait();
    assert.deepEqual(report.problems, []);
    assert.equal(report.submissions[0]!.jobs[0]!.status, 'completed');
    const results = await jobs.results(submission.id);
    assert.deepEqual(results.map((result) => result.id), items.map((item) => item.id));
    assert.deepEqual(results.map(answerOf), items.map((_, i) => `mock: question ${i}`));
    assert.ok(results.every((result) => result.via === 'batch' && !result.cached));
    for (const item of items) assert.ok(await cache.exists(cacheKey(item.request, identity())));

    const rerun = await live(cache).processBatch(items);
    assert.equal(chatRequests().length, 0, 'the live run was answered from the cache');
    assert.ok(rerun.results.every((result) => result.ok && result.cached));
  });

  it('splits seven requests into three jobs of at most three and keeps the order across them', async () => {
    assert.deepEqual(splitIntoJobs(items, { maxRequests: 3, maxBytes: 1e6 }).map((job) => job.items.length), [3, 3, 1]);
    const oneLine = Buffer.byteLength(splitIntoJobs(items.slice(0, 1))[0]!.jsonl);
    assert.deepEqual(splitIntoJobs(items, { maxRequests: 100, maxBytes: oneLine * 2 }).map((job) => job.items.length), [2, 2, 2, 1]);
    assert.throws(() => splitIntoJobs(items, { maxRequests: 100, maxBytes: 10 }), JobInputError);

    const { jobs } = setUp({ limits: { maxRequests: 3, maxBytes: 1e6 } });
    const before = batch.jobs.size;
    const submission = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    assert.equal(submission.jobs.length, 3);
    assert.deepEqual(batch.jobList.slice(before).map((job) => job.lines.length), [3, 3, 1]);
    await jobs.wait();
    const results = await jobs.results(submission.id);
    assert.deepEqual(results.map(answerOf), items.map((_, i) => `mock: question ${i}`));
  });

  it('keeps the partial answers of an expired job and re-runs only the rest live', async () => {
    batch.behaviour = { expireAfter: 3 };
    const { jobs, cache } = setUp();
    const submission = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    const report = await jobs.wait();
    assert.equal(report.submissions[0]!.jobs[0]!.status, 'expired');
    const results = await jobs.results(submission.id);
    assert.deepEqual(results.map(answerOf), [...items.slice(0, 3).map((_, i) => `mock: question ${i}`), ...Array(4).fill('error:batch_expired')]);

    const rest = itemsToRerun(items, results);
    assert.deepEqual(rest.map((item) => item.id), ['q3', 'q4', 'q5', 'q6']);
    server.resetRecords();
    const whole = await live(cache).processBatch(items);
    assert.equal(chatRequests().length, 4, 'only the expired requests were sent live');
    assert.ok(whole.results.every((result) => result.ok));
  });

  it('records failed lines with their status and message, and answers the others', async () => {
    batch.behaviour = { failLine: ({ customId }) => (customId === 'q2' ? { status: 400, message: 'Invalid model for q2.', code: 'model_not_found' } : undefined) };
    const { jobs, cache } = setUp();
    const submission = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    await jobs.wait();
    const results = await jobs.results(submission.id);
    const failed = results[2]!;
    assert.equal(failed.ok, false);
    assert.ok(!failed.ok && failed.error.code === 'model_not_found' && failed.error.message === 'Invalid model for q2.' && failed.statusCode === 400);
    assert.equal(results.filter((result) => result.ok).length, 6);
    assert.equal(await cache.exists(cacheKey(items[2]!.request, identity())), false, 'failures are never cached');
  });

  it('reports a job that failed validation, with its reason on every request', async () => {
    batch.behaviour = { failValidation: 'The input file has a problem.' };
    const { jobs } = setUp();
    const submission = await jobs.submit(items.slice(0, 2), { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    const report = await jobs.wait();
    assert.equal(report.submissions[0]!.jobs[0]!.status, 'failed');
    const results = await jobs.results(submission.id);
    assert.ok(results.every((result) => !result.ok && result.error.code === 'batch_failed' && /The input file has a problem/.test(result.error.message)));
  });

  it('cancels a job: it goes through cancelling to cancelled and nothing is left pending', async () => {
    batch.behaviour = { advanceOnPoll: false };
    const { jobs } = setUp();
    const submission = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    const jobId = submission.jobs[0]!.id;
    assert.equal((await jobs.cancel(jobId)).status, 'cancelling');
    const cancel = server.requests.find((request) => request.path === `/v1/batches/${jobId}/cancel`);
    assert.equal(cancel?.method, 'POST');
    const report = await jobs.wait();
    assert.equal(report.submissions[0]!.jobs[0]!.status, 'cancelled');
    const results = await jobs.results(submission.id);
    assert.ok(results.every((result) => !result.ok && result.error.code === 'batch_cancelled'));
  });

  it('follows a job after a restart: a new store on the same state file picks it up and collects it', async () => {
    batch.behaviour = { advanceOnPoll: false };
    const stateFile = join(root, 'restart', '.llmbatch-jobs.json');
    const cache = new InMemoryCache();
    const first = setUp({ store: new FileJobStore(stateFile), cache });
    const submission = await first.jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    assert.equal(saved.submissions[0].jobs[0].id, submission.jobs[0]!.id);

    batch.complete(submission.jobs[0]!.id);
    const second = setUp({ store: new FileJobStore(stateFile), cache });
    const report = await second.jobs.refresh();
    assert.equal(report.submissions[0]!.jobs[0]!.status, 'completed');
    assert.ok(report.submissions[0]!.jobs[0]!.collectedAt !== undefined);
    assert.deepEqual((await second.jobs.results(submission.id)).map(answerOf), items.map((_, i) => `mock: question ${i}`));
  });

  it('sends only what the cache cannot answer, and nothing at all when it answers everything', async () => {
    const cache = new InMemoryCache();
    await live(cache).processBatch(items.slice(0, 4));
    const { jobs } = setUp({ cache });
    const uploads = batch.files.size;
    const submission = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    const sent = [...batch.files.values()][uploads]!.content.trim().split('\n').map((line) => JSON.parse(line).custom_id);
    assert.deepEqual(sent, ['q4', 'q5', 'q6']);
    await jobs.wait();
    const results = await jobs.results(submission.id);
    assert.deepEqual(results.map((result) => result.cached), [true, true, true, true, false, false, false]);

    const again = await jobs.submit(items, { file: 'questions.llmbatch', endpoint: endpoint(), identity: identity() });
    assert.equal(again.jobs.length, 0);
  });
});
