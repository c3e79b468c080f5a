/** The totals of the summary strip, computed from the rows themselves so merged re-runs add up. */
import type { ResultRow } from '../protocol';
import type { PassCount } from '../../core/expect/outcomes';
import { passCount } from './checks';

export interface RunTotals {
  readonly total: number;
  readonly done: number;
  readonly ok: number;
  readonly cached: number;
  /** Answers a Batch API job produced. */
  readonly batch: number;
  readonly failed: number;
  readonly running: number;
  readonly cancelled: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt + completion tokens of answers fetched now (cached ones excluded): the basis of tokens/s. */
  readonly fetchedTokens: number;
  /** What this run spent: answers fetched now, not cached ones. */
  readonly costUsd: number;
  /** False when some fetched answer has no known price, so `costUsd` is a lower bound. */
  readonly costComplete: boolean;
  /** Answers with expectations, and how many passed every check. */
  readonly checks: PassCount;
}

export function summarize(rows: readonly ResultRow[]): RunTotals {
  let ok = 0;
  let cached = 0;
  let batch = 0;
  let failed = 0;
  let running = 0;
  let cancelled = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let costUsd = 0;
  let fetchedTokens = 0;
  let costComplete = true;
  for (const row of rows) {
    if (row.status === 'ok') ok++;
    else if (row.status === 'cached') cached++;
    else if (row.status === 'batch') batch++;
    else if (row.status === 'failed') failed++;
    else if (row.status === 'running') running++;
    else cancelled++;
    promptTokens += row.promptTokens ?? 0;
    completionTokens += row.completionTokens ?? 0;
    // Cached and batch answers were paid for earlier (by a run or by the job).
    if (row.status !== 'ok') continue;
    fetchedTokens += (row.promptTokens ?? 0) + (row.completionTokens ?? 0);
    if (row.costUsd !== undefined) costUsd += row.costUsd;
    else costComplete = false;
  }
  return { total: rows.length, done: ok + cached + batch + failed, ok, cached, batch, failed, running, cancelled, promptTokens, completionTokens, fetchedTokens, costUsd, costComplete, checks: passCount(rows) };
}
