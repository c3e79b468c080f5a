/**
 * What a run tells the rest of the extension (results panel, status bar, log).
 * The run controller is the only producer; consumers subscribe and never reach
 * into the engine themselves.
 */
import type { BatchResult, SourceRange } from '../../core/models';
import type { ProgressEvent } from '../../core/engine/progressTracker';
import type { RequestOutcome, RunExpectations } from '../../core/expect/outcomes';

/** What the panel needs to show a request before its answer arrives. */
export interface RunItemInfo {
  readonly index: number;
  readonly id: string;
  readonly block?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly model?: string;
  readonly provider: string;
  /** The request as sent, minus anything secret (no keys, no headers). */
  readonly request: unknown;
  readonly source?: SourceRange;
  /** The block's swept axes (model, settings, variables), for the scoreboard. */
  readonly swept?: readonly string[];
  /** Whether the request has `expect:` lines. */
  readonly expects?: true;
}

export interface RunStats {
  readonly total: number;
  readonly succeeded: number;
  /** Requests that ended with an error; items cancelled before an answer are counted in `unfinished` instead. */
  readonly failed: number;
  readonly cached: number;
  /** Items left without an answer because the run was cancelled. */
  readonly unfinished?: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd?: number;
  /** Attempts the server turned away with 429 (rate limited); absent or 0 when none was. */
  readonly rateLimited429s?: number;
  readonly wallTimeMs: number;
  readonly cancelled: boolean;
}

export type RunEvent =
  | {
      readonly type: 'started';
      readonly runId: string;
      /** The .llmbatch or .jsonl file the run came from, as a URI string. */
      readonly fileUri: string;
      readonly startedAt: number;
      readonly items: readonly RunItemInfo[];
      /**
       * Set when this run completes an earlier one of the same file (re-run of
       * the failed requests or of one row): the id of that run. Its items and
       * results replace the earlier run's entries with the same id; the rest stay.
       */
      readonly updates?: string;
    }
  | { readonly type: 'progress'; readonly runId: string; readonly progress: ProgressEvent }
  /** Results arrive in small groups (not one event per answer) to keep the panel cheap to update. */
  | {
      readonly type: 'results';
      readonly runId: string;
      readonly results: readonly BatchResult[];
      /** The verdicts of the `expect:` lines of these results, by request id; absent when none has expectations. */
      readonly outcomes?: Readonly<Record<string, RequestOutcome>>;
    }
  /** `expect` is set when the run had expectations: pass counts, verdicts, scoreboard and grader counts. */
  | { readonly type: 'finished'; readonly runId: string; readonly stats: RunStats; readonly expect?: RunExpectations };
