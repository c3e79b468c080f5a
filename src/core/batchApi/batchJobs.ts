/**
 * Offloads a batch to a provider's Batch API and brings the answers home:
 * submit (split, upload, create), follow the jobs (poll with backoff, across
 * restarts through the job store), collect (download, match by custom_id,
 * cache every answer under the key a live run would look up), cancel.
 */
import type { BatchItem, BatchResult } from '../models';
import type { CacheIdentity } from '../cache/cacheKey';
import { cacheKey } from '../cache/cacheKey';
import type { CacheProvider } from '../cache/cacheProvider';
import { parseBatchOutput } from '../batchFile/batchJsonl';
import type { Clock } from '../engine/clock';
import { systemClock } from '../engine/clock';
import { APIError, describeError } from '../errors';
import type { BatchApi } from './batchApiClient';
import type { BatchObject } from './batchObjects';
import { describeBatchErrors, isTerminalStatus } from './batchObjects';
import type { JobLimits } from './jobInput';
import { batchApiLimits, splitIntoJobs } from './jobInput';
import type { BatchJobRecord, JobEndpoint, JobFailure, JobState, JobStore, SubmissionRecord } from './jobState';
import { newSubmissionId } from './jobState';
import { isSubmissionDone, submissionResults, unansweredCode } from './jobResults';

export interface BatchJobsOptions {
  readonly store: JobStore;
  /** Answers of finished jobs go here, under the key a live run of the same request looks up. */
  readonly cache: CacheProvider;
  /** The Batch API of an endpoint, or why it may not be contacted (its key may not go there). */
  readonly connect: (endpoint: JobEndpoint) => BatchApi | { readonly refused: string } | Promise<BatchApi | { readonly refused: string }>;
  readonly clock?: Clock;
  /** Default: the Batch API's own limits. */
  readonly limits?: JobLimits;
  /** First wait between two polls. Default 5 s. */
  readonly pollIntervalMs?: number;
  /** Longest wait between two polls; waits grow by half each time up to this. Default 60 s. */
  readonly maxPollIntervalMs?: number;
}

export interface SubmitOptions {
  /** The source file, recorded for `status` and re-runs. */
  readonly file: string;
  readonly endpoint: JobEndpoint;
  /** Identity of the live provider for these requests, so cached answers are found by live runs. */
  readonly identity: CacheIdentity;
  /** Leave out requests already answered in the cache. Default true. */
  readonly skipCached?: boolean;
  readonly signal?: AbortSignal;
  /** Called as each job is created. */
  readonly onJob?: (job: BatchJobRecord, submission: SubmissionRecord) => void;
}

/** A submission that could not be followed this round, and why. */
export interface JobProblem {
  readonly submissionId: string;
  readonly jobId?: string;
  readonly message: string;
  /** True when polling again will not help (a refused endpoint, a rejected key, an unknown job). */
  readonly permanent: boolean;
}

export interface RefreshReport {
  readonly submissions: SubmissionRecord[];
  readonly problems: JobProblem[];
}

export interface FollowOptions {
  /** Only these submissions; default all. */
  readonly submissionIds?: readonly string[];
  readonly signal?: AbortSignal;
}

/** Why a submit stopped; jobs created before the failure are recorded and keep running. */
export class SubmitError extends Error {
  constructor(
    message: string,
    readonly submission: SubmissionRecord | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SubmitError';
  }
}

export class BatchJobs {
  readonly #options: BatchJobsOptions;
  readonly #clock: Clock;

  constructor(options: BatchJobsOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Uploads the requests not yet answered in the cache as one or more jobs.
   * The submission is recorded before the first upload and after each job, so
   * a crash or an error part-way leaves every created job followable.
   */
  async submit(items: readonly BatchItem[], options: SubmitOptions): Promise<SubmissionRecord> {
    const { cache, store } = this.#options;
    const keys = items.map((item) => cacheKey(item.request, options.identity, item.sample ?? 0));
    const answered = options.skipCached === false ? [] : await existing(cache, keys);
    const toSend = items.filter((_, i) => !answered[i]);
    const inputs = splitIntoJobs(toSend, this.#options.limits ?? batchApiLimits);
    const jobOf = new Map<string, number>();
    inputs.forEach((input, job) => input.items.forEach((item) => jobOf.set(item.id, job)));
    const submission: SubmissionRecord = {
      id: newSubmissionId(this.#clock.now()),
      file: options.file,
      createdAt: this.#clock.now(),
      endpoint: options.endpoint,
      requests: items.map((item, i) => [item.id, keys[i]!, jobOf.get(item.id) ?? -1] as const),
      jobs: [],
    };
    await store.update((state) => void state.submissions.push(submission));
    if (inputs.length === 0) return submission;
    const api = await this.#options.connect(options.endpoint);
    for (const [index, input] of inputs.entries()) {
      let batch: BatchObject;
      try {
        if ('refused' in api) throw new Error(api.refused);
        options.signal?.throwIfAborted();
        const name = `${baseName(options.file)}.part${index + 1}.jsonl`;
        const file = await api.uploadFile(input.jsonl, { fileName: name, ...(options.signal && { signal: options.signal }) });
        const metadata = { llmbatch_submission: submission.id, llmbatch_part: `${index + 1}/${inputs.length}`, llmbatch_file: baseName(options.file).slice(0, 500) };
        batch = await api.createBatch(file.id, { metadata, ...(options.signal && { signal: options.signal }) });
      } catch (error) {
        const done = submission.jobs.length;
        if (done === 0) await store.update((state) => forget(state, submission.id));
        const created = done ? ` ${done} of ${inputs.length} jobs were created and keep running (${submission.jobs.map((job) => job.id).join(', ')}).` : '';
        throw new SubmitError(`job ${index + 1} of ${inputs.length} could not be submitted: ${describeError(error).message}.${created}`, done ? submission : undefined, { cause: error });
      }
      const job: BatchJobRecord = { id: batch.id, inputFileId: batch.input_file_id ?? '', requestCount: input.items.length, status: batch.status, updatedAt: this.#clock.now() };
      applyBatch(job, batch);
      submission.jobs.push(job);
      await store.update((state) => {
        const saved = state.submissions.find((candidate) => candidate.id === submission.id);
        saved?.jobs.push(job);
      });
      options.onJob?.(job, submission);
    }
    return submission;
  }

  /** Every recorded submission, oldest first. */
  async list(): Promise<SubmissionRecord[]> {
    return (await this.#options.store.read()).submissions;
  }

  /**
   * One round: asks for the status of every unfinished job, and collects each
   * job that has finished (downloads its files and caches its answers).
   * Network trouble becomes a problem in the report, never an exception.
   */
  async refresh(options: FollowOptions = {}): Promise<RefreshReport> {
    const problems: JobProblem[] = [];
    const state = await this.#options.store.read();
    for (const submission of selected(state, options.submissionIds)) {
      if (isSubmissionDone(submission)) continue;
      const api = await this.#options.connect(submission.endpoint);
      if ('refused' in api) {
        problems.push({ submissionId: submission.id, message: api.refused, permanent: true });
        continue;
      }
      for (const job of submission.jobs) {
        if (job.collectedAt !== undefined) continue;
        try {
          options.signal?.throwIfAborted();
          if (!isTerminalStatus(job.status)) await this.#poll(submission, job, api, options.signal);
          if (isTerminalStatus(job.status)) await this.#collect(submission, job, api, options.signal);
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          problems.push({ submissionId: submission.id, jobId: job.id, message: `${job.id}: ${describeError(error).message}`, permanent: isPermanent(error) });
        }
      }
    }
    return { submissions: selected(await this.#options.store.read(), options.submissionIds), problems };
  }

  /**
   * Polls until every selected submission is done (or cannot be followed),
   * waiting longer between polls each round; resolves with the last report.
   * Aborting `signal` stops waiting (the jobs keep running).
   */
  async wait(options: FollowOptions & { readonly onUpdate?: (report: RefreshReport) => void } = {}): Promise<RefreshReport> {
    let delay = this.#options.pollIntervalMs ?? 5_000;
    const maxDelay = this.#options.maxPollIntervalMs ?? 60_000;
    for (;;) {
      const report = await this.refresh(options);
      options.onUpdate?.(report);
      const stuck = new Set(report.problems.filter((problem) => problem.permanent).map((problem) => problem.submissionId));
      if (report.submissions.every((submission) => isSubmissionDone(submission) || stuck.has(submission.id))) return report;
      await this.#clock.sleep(delay, options.signal);
      delay = Math.min(maxDelay, Math.round(delay * 1.5));
    }
  }

  /** Asks the API to cancel a job; answers it already produced are collected like any other. */
  async cancel(jobId: string, signal?: AbortSignal): Promise<BatchJobRecord> {
    const state = await this.#options.store.read();
    const submission = state.submissions.find((candidate) => candidate.jobs.some((job) => job.id === jobId));
    const job = submission?.jobs.find((candidate) => candidate.id === jobId);
    if (!submission || !job) throw new Error(`no recorded batch job ${jobId}`);
    if (isTerminalStatus(job.status)) return job;
    const api = await this.#options.connect(submission.endpoint);
    if ('refused' in api) throw new Error(api.refused);
    const batch = await api.cancelBatch(jobId, signal);
    applyBatch(job, batch);
    job.updatedAt = this.#clock.now();
    await this.#save(submission.id, job);
    return job;
  }

  /** One result per request of the submission, in input order; see `submissionResults`. */
  async results(submissionId: string): Promise<BatchResult[]> {
    const submission = (await this.list()).find((candidate) => candidate.id === submissionId);
    if (!submission) throw new Error(`no recorded submission ${submissionId}`);
    return submissionResults(submission, this.#options.cache);
  }

  async #poll(submission: SubmissionRecord, job: BatchJobRecord, api: BatchApi, signal: AbortSignal | undefined): Promise<void> {
    const batch = await api.retrieveBatch(job.id, signal);
    applyBatch(job, batch);
    job.updatedAt = this.#clock.now();
    await this.#save(submission.id, job);
  }

  /** Downloads a finished job's files, caches its answers and records the rest as failures. */
  async #collect(submission: SubmissionRecord, job: BatchJobRecord, api: BatchApi, signal: AbortSignal | undefined): Promise<void> {
    const jobIndex = submission.jobs.indexOf(job);
    const keyOf = new Map(submission.requests.filter(([, , index]) => index === jobIndex).map(([id, key]) => [id, key]));
    const failures: Record<string, JobFailure> = {};
    let answered = 0;
    for (const fileId of [job.outputFileId, job.errorFileId]) {
      if (!fileId) continue;
      const { results } = parseBatchOutput(await api.fileContent(fileId, signal));
      for (const result of results.values()) {
        const key = keyOf.get(result.id);
        // Lines of other jobs, or answers already seen in the other file, are not ours to count.
        if (key === undefined || failures[result.id]) continue;
        if (result.ok) {
          const entry = { response: result.response, statusCode: result.statusCode, ...(result.requestId !== undefined && { requestId: result.requestId }), createdAt: this.#clock.now(), via: 'batch' as const };
          await this.#options.cache.put(key, entry).catch((error: unknown) => {
            throw new CacheWriteError(`the answers could not be cached, so the job was not marked collected: ${describeError(error).message}`, { cause: error });
          });
          keyOf.delete(result.id);
          answered++;
        } else {
          failures[result.id] = { code: result.error.code, message: result.error.message, ...(result.statusCode !== undefined && { statusCode: result.statusCode }) };
        }
      }
    }
    const code = unansweredCode(job);
    const message = job.status === 'failed' ? `batch job ${job.id} failed${job.error ? `: ${job.error}` : ''}` : `batch job ${job.id} ended (${job.status}) without answering this request`;
    for (const id of keyOf.keys()) failures[id] ??= { code, message };
    job.failures = failures;
    job.answered = answered;
    job.collectedAt = this.#clock.now();
    job.updatedAt = this.#clock.now();
    await this.#save(submission.id, job);
  }

  async #save(submissionId: string, job: BatchJobRecord): Promise<void> {
    await this.#options.store.update((state) => {
      const saved = state.submissions.find((candidate) => candidate.id === submissionId);
      const index = saved?.jobs.findIndex((candidate) => candidate.id === job.id) ?? -1;
      if (saved && index >= 0) saved.jobs[index] = job;
    });
  }

}

function applyBatch(job: BatchJobRecord, batch: BatchObject): void {
  job.status = batch.status;
  if (batch.request_counts) job.counts = { total: batch.request_counts.total, completed: batch.request_counts.completed, failed: batch.request_counts.failed };
  if (batch.output_file_id) job.outputFileId = batch.output_file_id;
  if (batch.error_file_id) job.errorFileId = batch.error_file_id;
  const error = describeBatchErrors(batch);
  if (error) job.error = error;
}

function forget(state: JobState, submissionId: string): void {
  const at = state.submissions.findIndex((candidate) => candidate.id === submissionId);
  if (at >= 0) state.submissions.splice(at, 1);
}

function selected(state: JobState, ids: readonly string[] | undefined): SubmissionRecord[] {
  return ids === undefined ? state.submissions : state.submissions.filter((submission) => ids.includes(submission.id));
}

class CacheWriteError extends Error {}

function isPermanent(error: unknown): boolean {
  return error instanceof CacheWriteError || (error instanceof APIError && [400, 401, 403, 404].includes(error.status));
}

/** Which keys the cache already answers, looked up a few at a time. */
async function existing(cache: CacheProvider, keys: readonly string[]): Promise<boolean[]> {
  const found: boolean[] = [];
  for (let start = 0; start < keys.length; start += 64) {
    found.push(...(await Promise.all(keys.slice(start, start + 64).map((key) => cache.exists(key)))));
  }
  return found;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1) || 'batch';
}
