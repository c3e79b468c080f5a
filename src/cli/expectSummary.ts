/**
 * What `llmbatch run` and `llmbatch status` say about expectations: the pass
 * count on the summary line, the scoreboard, and the exit code they decide.
 */
import type { BatchRunResult } from '../core/engine/requestManager';
import type { PassCount } from '../core/expect/outcomes';
import { formatPassCount } from '../core/expect/outcomes';
import { formatScoreboard } from '../core/expect/scoreboard';
import type { RunScoring } from '../core/expect/runScoring';
import { exitCodes } from './io';
import { formatCount } from './progressBar';

/** The grader requests, counted apart from the experiment's own. */
export function formatGraderRun(run: BatchRunResult): string {
  const { stats } = run;
  const tokens = stats.promptTokens + stats.completionTokens;
  const count = run.results.length;
  const failed = run.failures.length > 0 ? `, ${run.failures.length} failed` : '';
  return `judge: ${count} request${count === 1 ? '' : 's'}${failed}, ${stats.cacheHits} cached, ${formatCount(tokens)} tokens`;
}

/** The summary's pass count, grader count and the scoreboard lines (empty when nothing sweeps). */
export function expectationReport(scoring: RunScoring, graders: BatchRunResult | undefined): { summary: string[]; scoreboard: string[] } {
  const summary = [formatPassCount(scoring.counts)];
  if (graders) summary.push(formatGraderRun(graders));
  return { summary, scoreboard: formatScoreboard(scoring.scoreboard.build()) };
}

/**
 * 0 when every request succeeded and every expectation passed; 1 when a request
 * failed, or an expectation failed and the pass rate is below `minPassRate` (every
 * failure counts without it).
 */
export function exitCodeFor(failedRequests: number, counts: PassCount | undefined, minPassRate: number | undefined): number {
  if (failedRequests > 0) return exitCodes.someFailed;
  if (!counts || counts.passed === counts.scored) return exitCodes.ok;
  if (minPassRate !== undefined && counts.passed / counts.scored >= minPassRate) return exitCodes.ok;
  return exitCodes.someFailed;
}
