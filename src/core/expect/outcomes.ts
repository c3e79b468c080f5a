/**
 * What scoring a run produces, in shapes both hosts and the results panel share:
 * the verdict of each `expect:` check on one answer, the request's verdict, and
 * the scoreboard that ranks the values of each swept axis. Kept apart from the
 * code that computes them so the results side can depend on them alone.
 */
import type { SourceRange } from '../models';

/** The verdict of one `expect:` line on one answer. */
export interface CheckOutcome {
  /** The check as written after `expect:` (placeholders filled in). */
  readonly check: string;
  readonly pass: boolean;
  /** Why it passed or failed, in words a user can act on. */
  readonly reason: string;
  /** The check could not be decided (an unreadable grader reply, an invalid schema): it counts as failed. */
  readonly error?: true;
  /** The `expect:` line, for revealing it from a result. */
  readonly range?: SourceRange;
}

/** The verdict on one answered request: it passes when every check passes. */
export interface RequestOutcome {
  readonly pass: boolean;
  /** In the order the `expect:` lines are written, header ones first. */
  readonly checks: readonly CheckOutcome[];
}

/** Pass counts of a run: requests with expectations that got an answer, and how many of them passed. */
export interface PassCount {
  readonly scored: number;
  readonly passed: number;
}

/** `37/45 passed (82%)`, rounded down so that 99.6 % never reads 100 %; the command line and the panel say it alike. */
export function formatPassCount(counts: PassCount): string {
  const rate = counts.scored === 0 ? 0 : Math.floor((counts.passed / counts.scored) * 100);
  return `${counts.passed}/${counts.scored} passed (${rate}%)`;
}

/** One value of one swept axis of one block, ranked on the scoreboard. */
export interface ScoreboardRow {
  /** `model`, a swept setting such as `temperature`, or a swept variable. */
  readonly axis: string;
  /** The value as it appears in request ids (`gpt-4o-mini`, `0.7`). */
  readonly value: string;
  /** Requests with expectations that got an answer. */
  readonly scored: number;
  readonly passed: number;
  /** passed / scored, 0 when nothing was scored. */
  readonly passRate: number;
  /** Requests that failed (transport or API error): not scored. */
  readonly errors: number;
  readonly meanLatencyMs: number;
  /** Mean total tokens (prompt + completion) of the answered requests. */
  readonly meanTokens: number;
  /** Mean cost in USD, when every answered request's model has a known price. */
  readonly meanCostUsd?: number;
}

/** The scoreboard of one block: each swept axis, its values best first. */
export interface BlockScoreboard {
  readonly block: string;
  readonly axes: readonly { readonly axis: string; readonly rows: readonly ScoreboardRow[] }[];
}

/** The grader requests of a run, counted apart from its own requests. */
export interface GraderCounts {
  readonly requests: number;
  readonly cached: number;
  readonly failed: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Everything scoring says about one run, for the hosts' run results and the results panel. */
export interface RunExpectations {
  readonly counts: PassCount;
  /** By request id (a null-prototype object); failed requests and those without expectations have none. */
  readonly outcomes: Readonly<Record<string, RequestOutcome>>;
  readonly scoreboard: readonly BlockScoreboard[];
  /** Absent when the run had no judge check to grade. */
  readonly graders?: GraderCounts;
}
