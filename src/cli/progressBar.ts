/**
 * The CLI's progress line on stderr. Drawn only on a TTY: piped stderr (CI logs)
 * gets the summary line alone instead of thousands of carriage returns.
 */
import type { ProgressEvent } from '../core/engine/progressTracker';
import { describeRateLimitWait } from '../core/rateLimit/rateLimitWait';
import { printable } from '../core/printable';

export interface ProgressSink {
  update(event: ProgressEvent): void;
  /** Clears the line, for a message to take its place; the next update draws it again. */
  done(): void;
}

export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1_000) return `${(value / 1000).toFixed(1)}k`;
  return String(Math.round(value));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * "37/120 · 3 cached · 1 failed · 1.2k tok/s · ETA 12 s" — the same words the
 * editor shows; while held back by a rate limit, what for and until when
 * ("waiting for rate limit (server: no requests left) · resumes in 12 s"), and
 * after 429s how many there were and the in-flight limit.
 */
export function describeProgress(event: ProgressEvent): string {
  const parts = [`${event.done}/${event.total}`];
  if (event.cached) parts.push(`${event.cached} cached`);
  if (event.failed) parts.push(`${event.failed} failed`);
  if (event.tokensPerSecond > 0) parts.push(`${formatCount(event.tokensPerSecond)} tok/s`);
  // Short waits are the normal pacing under a budget; only a real pause is worth a word.
  if (event.rateLimited && event.waitingForBudgetMs !== undefined && event.waitingForBudgetMs >= 1000) {
    parts.push(describeRateLimitWait(event.waitingFor), `resumes in ${formatDuration(event.waitingForBudgetMs)}`);
  }
  if (event.rateLimited429s > 0) parts.push(`${formatCount(event.rateLimited429s)} × 429`, `${event.concurrency} in flight at most`);
  if (event.etaMs !== undefined && event.done < event.total) parts.push(`ETA ${formatDuration(event.etaMs)}`);
  return parts.join(' · ');
}

/** A bar on `stream`; `label` names what it counts when a run has more than one kind of request. */
export function createProgressBar(stream: NodeJS.WriteStream, label?: string): ProgressSink {
  let drawn = false;
  return {
    update(event) {
      const width = 24;
      const filled = event.total ? Math.round((event.done / event.total) * width) : width;
      const line = `${label === undefined ? '' : `${label} `}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${printable(describeProgress(event))}`;
      const columns = stream.columns || 100;
      stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
