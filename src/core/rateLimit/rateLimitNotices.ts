/**
 * What a rate limiter tells the logs of the runs using it: each server value
 * it ignored as noise or cut short (once per header and kind, for as long as
 * the limiter lives), and each wait of a second or more that a server imposes
 * by what it says (not the pace of a budget), as it begins — at most one in
 * ten seconds, so a long 429 storm does not fill the log. Without them a run
 * held back by a server would be silent.
 */
import { maxServerWaitMs } from '../engine/retryPolicy';
import type { HeaderNote } from './rateLimitHeaders';
import type { RateLimitWait } from './rateLimitWait';
import { explainServerWait, isServerWait } from './rateLimitWait';

const holdNoticeSpacingMs = 10_000;

/** Something a run's log should say about an endpoint's limits. */
export interface RateLimitNotice {
  readonly level: 'info' | 'warn';
  readonly message: string;
}

export class RateLimitNotices {
  readonly #listeners = new Set<(notice: RateLimitNotice) => void>();
  readonly #noted = new Set<string>();
  // Until when the current hold has been told of, so one hold is told once.
  #toldHoldUntil = 0;
  #toldHoldAt = Number.NEGATIVE_INFINITY;

  /** Adds a listener; returns the way to remove it. */
  listen(listener: (notice: RateLimitNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A server value not taken as sent. */
  note(note: HeaderNote): void {
    const key = `${note.kind} ${note.header}`;
    if (this.#noted.has(key)) return;
    this.#noted.add(key);
    const cap = `${maxServerWaitMs / 1000} s`;
    if (note.kind === 'capped') {
      this.#tell({ level: 'info', message: `The server's ${note.header}: ${note.value} asks for a wait over ${cap}; llmbatch waits ${cap} at most for what a server announces, then sends again.` });
      return;
    }
    const what = note.header.startsWith('x-ratelimit-limit-') ? 'a limit under one a minute' : 'a wait of more than a day';
    this.#tell({ level: 'warn', message: `Ignored the server's ${note.header}: ${note.value} (${what}): no provider keeps such a limit, so it is taken as noise.` });
  }

  /** Requests wait `wait` ms from `now` for what a server announced. */
  hold(wait: number, now: number, reason: RateLimitWait): void {
    if (wait < 1_000 || !isServerWait(reason) || now < this.#toldHoldUntil || now < this.#toldHoldAt + holdNoticeSpacingMs) return;
    this.#toldHoldUntil = now + wait;
    this.#toldHoldAt = now;
    this.#tell({ level: 'info', message: `Waiting ${Math.ceil(wait / 1000)} s for rate limit: ${explainServerWait(reason)}.` });
  }

  #tell(notice: RateLimitNotice): void {
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch {
        // A broken listener must not stop the limiter.
      }
    }
  }
}
