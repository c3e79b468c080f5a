/**
 * The rate-limit words of the summary strip, the same the progress
 * notification and the command line use: `waiting for rate limit (server: no
 * requests left) · resumes in 12 s` while requests are held back (the host
 * sends the words of the wait), `3 × 429 · 10 in flight at most` after
 * the server turned some away, and `3 × 429` once the run is over.
 */
import type { RunProgress, RunState } from '../protocol';
import { formatCompact } from './format';

export function rateLimitParts(state: RunState | undefined, progress: RunProgress | undefined, finished429s: number | undefined): string[] {
  if (state !== 'running') return finished429s ? [`${formatCompact(finished429s)} × 429`] : [];
  const parts: string[] = [];
  const waitMs = progress?.waitingForBudgetMs;
  // Shorter waits are the normal pacing under a budget, not worth a word.
  if (waitMs !== undefined && waitMs >= 1000) parts.push(`${progress?.waitingFor ?? 'waiting for rate limit'} · resumes in ${Math.ceil(waitMs / 1000)} s`);
  const count = progress?.rateLimited429s ?? 0;
  if (count > 0) {
    parts.push(`${formatCompact(count)} × 429`);
    if (progress?.concurrency) parts.push(`${progress.concurrency} in flight at most`);
  }
  return parts;
}
