/**
 * The messages the results panel host and its webview exchange, in both
 * directions. Everything that crosses the boundary is plain JSON described here;
 * the host validates what it receives (see `src/extension/results/inboundMessages.ts`),
 * the webview renders every string with `textContent`.
 *
 * Handshake: the webview posts `ready` each time its document loads (first open,
 * shown again after being hidden, window reload); the host answers with `init`
 * carrying the whole current state, then streams batched updates.
 */
import type { BlockScoreboard } from '../core/expect/outcomes';

export type { BlockScoreboard, ScoreboardRow } from '../core/expect/outcomes';

/** `batch`: answered by a Batch API job (at the batch price, paid when the job ran), not sent now. */
export type RowStatus = 'running' | 'ok' | 'cached' | 'batch' | 'failed' | 'cancelled';

/** One request of a run as the table shows it. Display values are already strings. */
export interface ResultRow {
  /** Position in the run, the default order. */
  readonly index: number;
  readonly id: string;
  readonly block?: string;
  readonly model?: string;
  /** Swept variable values (data rows included), rendered for display. */
  readonly variables: Readonly<Record<string, string>>;
  /** Request parameters other than model and messages (temperature, top_p…), rendered for display. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly status: RowStatus;
  readonly latencyMs?: number;
  readonly attempts?: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** Only when the model's price is known. */
  readonly costUsd?: number;
  readonly answer?: string;
  readonly finishReason?: string;
  /** `code: message` of a failed request. */
  readonly error?: string;
  /** How the answer fared against its `expect:` lines; absent without expectations or an answer. */
  readonly checks?: RowChecks;
}

/** A row's checks in brief: it passes when every one passes. */
export interface RowChecks {
  readonly passed: number;
  readonly total: number;
  /** Some check could not be decided (an unreadable grader reply…): it counts as failed. */
  readonly error?: true;
}

/** One `expect:` line's verdict, as the detail lists it. */
export interface DetailCheck {
  readonly check: string;
  readonly pass: boolean;
  readonly reason: string;
  readonly error?: true;
  /** Whether the host knows the `expect:` line, for revealing it. */
  readonly hasSource: boolean;
}

/** The grader requests of `judge` checks, counted apart from the run's own. */
export interface JudgeSummary {
  readonly requests: number;
  readonly failed: number;
  readonly cached: number;
  readonly tokens: number;
  readonly costUsd?: number;
}

/** Live counters of a running batch, as the engine reports them. */
export interface RunProgress {
  readonly done: number;
  readonly total: number;
  readonly inFlight: number;
  readonly tokensPerSecond: number;
  readonly elapsedMs: number;
  readonly etaMs?: number;
  /** The in-flight limit now: the configured concurrency, lowered for a while after 429s. */
  readonly concurrency?: number;
  /** While requests are held back by a rate limit: milliseconds until the next may go. */
  readonly waitingForBudgetMs?: number;
  /** While requests are held back: the words saying what for (`waiting for rate limit (server: no requests left)`). */
  readonly waitingFor?: string;
  /** Attempts the server turned away with 429 so far. */
  readonly rateLimited429s?: number;
}

export type RunState = 'running' | 'finished' | 'cancelled';

export interface RunView {
  readonly runId: string;
  readonly startedAt: number;
  readonly state: RunState;
  readonly rows: readonly ResultRow[];
  /** Set once the run is over (summed over re-runs merged into it). */
  readonly wallTimeMs?: number;
  readonly progress?: RunProgress;
  /** 429s met once the run is over (summed over re-runs); absent when none. */
  readonly rateLimited429s?: number;
  /** Per block that sweeps something, the values of each swept axis ranked by pass rate; absent without expectations. */
  readonly scoreboard?: readonly BlockScoreboard[];
  /** Grader requests of the latest run, when it had `judge` checks. */
  readonly judge?: JudgeSummary;
}

/** An earlier run of the same file, listed for comparison. */
export interface HistoryEntry {
  readonly runId: string;
  readonly startedAt: number;
  readonly total: number;
  readonly failed: number;
  readonly state: RunState;
}

export interface DetailMessage {
  readonly role: string;
  /** Text content; multi-part or tool-call content is shown as JSON. */
  readonly content: string;
}

/** Everything the detail view shows about one request, fetched on demand. */
export interface RowDetail {
  readonly id: string;
  readonly messages: readonly DetailMessage[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly variables: Readonly<Record<string, string>>;
  readonly answer?: string;
  readonly finishReason?: string;
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number; readonly totalTokens: number };
  readonly attempts?: number;
  readonly latencyMs?: number;
  readonly statusCode?: number;
  readonly requestId?: string;
  readonly cached?: boolean;
  /** Set when the answer came from a Batch API job. */
  readonly via?: 'batch';
  readonly error?: string;
  /** Pretty-printed JSON of the request as sent (no secrets ever reach it). */
  readonly requestJson: string;
  /** Pretty-printed JSON of the response or the error. */
  readonly responseJson?: string;
  /** Whether the host knows where the request was written, for "reveal in editor". */
  readonly hasSource: boolean;
  /** The verdict of each `expect:` line, in the order written, header ones first. */
  readonly checks?: readonly DetailCheck[];
}

export type ExportFormat = 'csv' | 'markdown' | 'jsonl';
export type CopyPart = 'answer' | 'messages' | 'request' | 'response' | 'error';

/** Host → webview. */
export type HostMessage =
  | {
      readonly type: 'init';
      readonly fileUri: string;
      readonly fileName: string;
      readonly run?: RunView;
      readonly history: readonly HistoryEntry[];
      /** Runs (re-run, cancel) are disabled in untrusted workspaces. */
      readonly canRun: boolean;
    }
  /** A run started that replaces the one shown. */
  | { readonly type: 'run'; readonly run: RunView; readonly history: readonly HistoryEntry[] }
  /** Rows that changed since the last message (coalesced); `state` when it changed too (a re-run started). */
  | { readonly type: 'rows'; readonly runId: string; readonly rows: readonly ResultRow[]; readonly state?: RunState }
  | { readonly type: 'progress'; readonly runId: string; readonly progress: RunProgress }
  | {
      readonly type: 'finished';
      readonly runId: string;
      readonly state: RunState;
      readonly wallTimeMs: number;
      readonly history: readonly HistoryEntry[];
      readonly rateLimited429s?: number;
      readonly scoreboard?: readonly BlockScoreboard[];
      readonly judge?: JudgeSummary;
    }
  | { readonly type: 'detail'; readonly runId: string; readonly detail: RowDetail }
  /** The rows of an earlier run, answering `loadRun`. */
  | { readonly type: 'historyRun'; readonly runId: string; readonly rows: readonly ResultRow[] };

/** Webview → host. Anything else is dropped by the host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'rerunFailed' }
  | { readonly type: 'rerunRow'; readonly id: string; readonly bypassCache: boolean }
  | { readonly type: 'cancel' }
  /** `ids` limits the export to those rows, in that order (the filtered, sorted view). */
  | { readonly type: 'export'; readonly format: ExportFormat; readonly ids?: readonly string[] }
  | { readonly type: 'revealInEditor'; readonly id: string }
  /** Reveals the `expect:` line of check `check` (its position in the detail's list) of request `id`. */
  | { readonly type: 'revealCheck'; readonly id: string; readonly check: number }
  | { readonly type: 'copy'; readonly id: string; readonly part: CopyPart; readonly runId?: string }
  | { readonly type: 'requestDetail'; readonly id: string; readonly runId?: string }
  | { readonly type: 'loadRun'; readonly runId: string };

export type WebviewMessageType = WebviewMessage['type'];

/** The webview type id of the results panel (serializer and activation event). */
export const resultsViewType = 'llmbatch.results';
