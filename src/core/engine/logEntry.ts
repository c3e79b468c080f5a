/** What the engine says about a run besides its results, in a file of its own so the manager and the runner both use it without importing each other. */

/** A message about the run that is not a result: retries, cache trouble, callback errors. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  /** The batch item concerned, if any. */
  readonly itemId?: string;
  readonly error?: unknown;
  /** Set on what a rate limiter says: server values ignored or cut, waits a server imposes. */
  readonly topic?: 'rateLimit';
}
