/**
 * The results of a submission, one per request in input order, put together
 * from what its jobs left behind: answers in the cache, failures in the job
 * state, and the status of jobs that have not finished.
 */
import type { BatchItem, BatchResult } from '../models';
import type { CacheProvider } from '../cache/cacheProvider';
import { isTerminalStatus } from './batchObjects';
import type { BatchJobRecord, SubmissionRecord } from './jobState';

/** Whether every job of the submission has finished and been collected (a job that was never created counts as done). */
export function isSubmissionDone(submission: SubmissionRecord): boolean {
  return submission.jobs.every((job) => job.collectedAt !== undefined);
}

/** The code a request gets when its job ended without answering it. */
export function unansweredCode(job: Pick<BatchJobRecord, 'status'>): string {
  if (job.status === 'expired') return 'batch_expired';
  if (job.status === 'cancelled') return 'batch_cancelled';
  if (job.status === 'failed') return 'batch_failed';
  return 'missing_result';
}

/**
 * One result per request of `submission`, in input order. Answers come from
 * `cache` (batch answers are stored there when a job is collected; requests
 * answered from the cache at submit time count as cached); requests of jobs
 * still running get a `batch_pending` failure.
 */
export async function submissionResults(submission: SubmissionRecord, cache: CacheProvider): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const [index, [id, key, jobIndex]] of submission.requests.entries()) {
    const meta = { id, index, attempts: jobIndex < 0 ? 0 : 1, latencyMs: 0 };
    const job = jobIndex < 0 ? undefined : submission.jobs[jobIndex];
    const fail = (code: string, message: string, statusCode?: number): BatchResult => ({
      ok: false,
      ...meta,
      cached: false,
      via: 'batch',
      ...(statusCode !== undefined && { statusCode }),
      error: { code, message },
    });
    if (jobIndex >= 0 && !job) {
      results.push(fail('not_submitted', 'this request was not submitted: the submission stopped before its job was created'));
      continue;
    }
    const failure = job?.failures?.[id];
    if (failure) {
      results.push(fail(failure.code, failure.message, failure.statusCode));
      continue;
    }
    if (job && job.collectedAt === undefined) {
      const state = isTerminalStatus(job.status) ? `${job.status}, its results not yet downloaded` : job.status;
      results.push(fail('batch_pending', `batch job ${job.id} is ${state}`));
      continue;
    }
    const entry = await cache.get(key);
    if (!entry) {
      results.push(fail('not_in_cache', 'the answer is no longer in the cache (cleared or expired); run the file to send it again'));
      continue;
    }
    results.push({
      ok: true,
      ...meta,
      cached: job === undefined,
      ...(job !== undefined && { via: 'batch' as const }),
      statusCode: entry.statusCode,
      ...(entry.requestId !== undefined && { requestId: entry.requestId }),
      response: entry.response,
    });
  }
  return results;
}

/**
 * The items to send live after a submission: those whose result is a failure
 * (failed, expired, cancelled, never submitted). Answered items stay cached,
 * so running the whole file live sends exactly these as well.
 */
export function itemsToRerun(items: readonly BatchItem[], results: readonly BatchResult[]): BatchItem[] {
  const unanswered = new Set(results.filter((result) => !result.ok && result.error.code !== 'batch_pending').map((result) => result.id));
  return items.filter((item) => unanswered.has(item.id));
}

/** `3 jobs: 2 completed, 1 in_progress · 118/120 answered, 2 failed` */
export function summarizeSubmission(submission: SubmissionRecord): string {
  const statuses = new Map<string, number>();
  for (const job of submission.jobs) statuses.set(job.status, (statuses.get(job.status) ?? 0) + 1);
  const jobs = `${submission.jobs.length} job${submission.jobs.length === 1 ? '' : 's'}${statuses.size ? `: ${[...statuses].map(([status, n]) => `${n} ${status}`).join(', ')}` : ''}`;
  const cached = submission.requests.filter(([, , job]) => job < 0).length;
  const answered = submission.jobs.reduce((sum, job) => sum + (job.answered ?? job.counts?.completed ?? 0), 0);
  const failed = submission.jobs.reduce((sum, job) => sum + (job.failures ? Object.keys(job.failures).length : (job.counts?.failed ?? 0)), 0);
  const parts = [`${answered + cached}/${submission.requests.length} answered`];
  if (cached) parts.push(`${cached} from the cache`);
  if (failed) parts.push(`${failed} failed`);
  return `${jobs} · ${parts.join(', ')}`;
}
