/**
 * One run of one file as the results panel keeps it: the items, the results
 * that have arrived, re-runs merged in, and its stored form. Pure: no VS Code here.
 */
import type { BatchResult, SourceRange } from '../../core/models';
import type { BlockScoreboard, GraderCounts, RequestOutcome } from '../../core/expect/outcomes';
import { scoredRequestOf } from '../../core/expect/runScoring';
import { ScoreboardBuilder } from '../../core/expect/scoreboard';
import type { RunItemInfo } from '../runs/runEvents';
import type { HistoryEntry, JudgeSummary, ResultRow, RowDetail, RunProgress, RunState, RunView } from '../../webview/protocol';
import type { CostFunction } from './rowModel';
import { buildDetail, buildRow } from './rowModel';

/** The JSON a run is saved as. */
export interface StoredRun {
  readonly version: 1;
  readonly runId: string;
  readonly fileUri: string;
  readonly startedAt: number;
  readonly state: RunState;
  readonly wallTimeMs?: number;
  /** 429s met, when any. */
  readonly rateLimited429s?: number;
  readonly items: readonly RunItemInfo[];
  readonly results: readonly BatchResult[];
  /** Verdicts of the answers' `expect:` lines by request id, when the file has any. */
  readonly outcomes?: Readonly<Record<string, RequestOutcome>>;
  /** The latest run's grader requests, when it had `judge` checks. */
  readonly judge?: GraderCounts;
}

export class RunRecord {
  state: RunState;
  wallTimeMs: number | undefined;
  progress: RunProgress | undefined;
  /** Attempts turned away with 429, summed over the re-runs merged in. */
  rateLimited429s = 0;
  /** The grader requests of the latest run or re-run, when it had `judge` checks. */
  judge: GraderCounts | undefined;
  private readonly items: RunItemInfo[];
  private readonly positions = new Map<string, number>();
  private readonly results: (BatchResult | undefined)[];
  private readonly outcomes: (RequestOutcome | undefined)[];
  private scoreboardCache: readonly BlockScoreboard[] | undefined;
  /** Ids a re-run is sending again; they show as running until their new result arrives. */
  private readonly rerunning = new Set<string>();
  private rerunActive = false;
  private rows: (ResultRow | undefined)[];

  constructor(
    readonly runId: string,
    readonly fileUri: string,
    readonly startedAt: number,
    items: readonly RunItemInfo[],
    private readonly costOf?: CostFunction,
    stored?: Pick<StoredRun, 'state' | 'wallTimeMs' | 'results' | 'rateLimited429s' | 'outcomes' | 'judge'>,
  ) {
    this.items = [...items];
    this.items.forEach((item, i) => this.positions.set(item.id, i));
    this.results = this.items.map(() => undefined);
    this.outcomes = this.items.map(() => undefined);
    this.rows = this.items.map(() => undefined);
    this.state = stored?.state ?? 'running';
    this.wallTimeMs = stored?.wallTimeMs;
    const stored429s = stored?.rateLimited429s;
    // Stored runs are read back from disk: a count that is not one is dropped.
    this.rateLimited429s = typeof stored429s === 'number' && Number.isSafeInteger(stored429s) && stored429s > 0 ? stored429s : 0;
    if (stored) {
      this.applyResults(stored.results);
      // Read back from disk: verdicts that are not well formed are dropped, never shown half.
      if (stored.outcomes && typeof stored.outcomes === 'object') this.applyOutcomes(Object.fromEntries(Object.entries(stored.outcomes).filter(([, outcome]) => isOutcome(outcome))));
      if (isGraderCounts(stored.judge)) this.judge = stored.judge;
    }
  }

  static fromStored(stored: StoredRun, costOf?: CostFunction): RunRecord {
    // A run saved while running (window closed mid-run) can no longer finish.
    const state = stored.state === 'running' ? 'cancelled' : stored.state;
    return new RunRecord(stored.runId, stored.fileUri, stored.startedAt, stored.items, costOf, { ...stored, state });
  }

  get size(): number {
    return this.items.length;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Starts a re-run of some of this run's requests; returns the ids whose rows changed. */
  beginRerun(items: readonly RunItemInfo[]): string[] {
    const changed: string[] = [];
    for (const item of items) {
      const position = this.positions.get(item.id);
      if (position === undefined) {
        this.positions.set(item.id, this.items.length);
        this.items.push(item);
        this.results.push(undefined);
        this.outcomes.push(undefined);
        this.rows.push(undefined);
      } else {
        this.items[position] = item;
        this.rows[position] = undefined;
      }
      this.rerunning.add(item.id);
      changed.push(item.id);
    }
    this.state = 'running';
    this.rerunActive = true;
    this.judge = undefined;
    this.progress = undefined;
    return changed;
  }

  /** Records results (matched by id); returns the ids whose rows changed. */
  applyResults(results: readonly BatchResult[]): string[] {
    const changed: string[] = [];
    for (const result of results) {
      const position = this.positions.get(result.id);
      if (position === undefined) continue;
      // A cancelled re-run keeps the earlier answer or error.
      if (!result.ok && result.error.code === 'cancelled' && this.rerunning.has(result.id) && this.results[position]) {
        this.rerunning.delete(result.id);
      } else {
        this.results[position] = result;
        // A new answer is scored afresh: its verdict follows in `applyOutcomes`.
        this.outcomes[position] = undefined;
        this.rerunning.delete(result.id);
      }
      this.rows[position] = undefined;
      this.scoreboardCache = undefined;
      changed.push(result.id);
    }
    return changed;
  }

  /** Records the verdicts of answers (by request id); returns the ids whose rows changed. */
  applyOutcomes(outcomes: Readonly<Record<string, RequestOutcome>>): string[] {
    const changed: string[] = [];
    for (const [id, outcome] of Object.entries(outcomes)) {
      const position = this.positions.get(id);
      if (position === undefined || this.results[position]?.ok !== true) continue;
      this.outcomes[position] = outcome;
      this.rows[position] = undefined;
      changed.push(id);
    }
    if (changed.length > 0) this.scoreboardCache = undefined;
    return changed;
  }

  outcome(id: string): RequestOutcome | undefined {
    const position = this.positions.get(id);
    return position === undefined ? undefined : this.outcomes[position];
  }

  /** The ranking of each swept axis's values, built the way the command line builds it. */
  scoreboard(): readonly BlockScoreboard[] {
    if (!this.scoreboardCache) {
      const builder = new ScoreboardBuilder();
      for (let i = 0; i < this.items.length; i++) {
        const item = this.items[i]!;
        const result = this.rerunning.has(item.id) ? undefined : this.results[i];
        if (!item.swept || !result || (!result.ok && result.error.code === 'cancelled')) continue;
        builder.add(scoredRequestOf(item, result, this.outcomes[i]));
      }
      this.scoreboardCache = builder.build();
    }
    return this.scoreboardCache;
  }

  judgeSummary(): JudgeSummary | undefined {
    const judge = this.judge;
    if (!judge) return undefined;
    return { requests: judge.requests, failed: judge.failed, cached: judge.cached, tokens: judge.promptTokens + judge.completionTokens };
  }

  /** Marks the run over; returns the ids whose rows changed (those left without an answer). */
  finish(cancelled: boolean, wallTimeMs: number, rateLimited429s = 0, judge?: GraderCounts): string[] {
    const changed = [...this.rerunning];
    this.scoreboardCache = undefined;
    if (judge) this.judge = judge;
    const firstRun = this.state === 'running' && this.wallTimeMs === undefined;
    this.rerunning.clear();
    this.rerunActive = false;
    this.state = cancelled ? 'cancelled' : 'finished';
    this.wallTimeMs = firstRun ? wallTimeMs : (this.wallTimeMs ?? 0) + wallTimeMs;
    this.rateLimited429s += rateLimited429s;
    this.progress = undefined;
    for (let i = 0; i < this.items.length; i++) {
      const result = this.results[i];
      if (!result || (!result.ok && result.error.code === 'cancelled')) {
        this.rows[i] = undefined;
        changed.push(this.items[i]!.id);
      }
    }
    return changed;
  }

  row(id: string): ResultRow | undefined {
    const position = this.positions.get(id);
    return position === undefined ? undefined : this.rowAt(position);
  }

  allRows(): ResultRow[] {
    return this.items.map((_, i) => this.rowAt(i));
  }

  private rowAt(position: number): ResultRow {
    let row = this.rows[position];
    if (!row) {
      const item = this.items[position]!;
      const running = this.state === 'running' && (!this.rerunActive || this.rerunning.has(item.id));
      const result = this.rerunning.has(item.id) ? undefined : this.results[position];
      const outcome = result && this.outcomes[position];
      row = buildRow(item, result, { running, ...(this.costOf && { costOf: this.costOf }), ...(outcome && { outcome }) });
      this.rows[position] = row;
    }
    return row;
  }

  /** Rows of these ids (unknown ids skipped). */
  rowsFor(ids: Iterable<string>): ResultRow[] {
    const rows: ResultRow[] = [];
    for (const id of ids) {
      const row = this.row(id);
      if (row) rows.push(row);
    }
    return rows;
  }

  /** Ids of the requests without an answer: failed, cancelled or never sent. */
  unansweredIds(): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.items.length; i++) if (this.results[i]?.ok !== true) ids.push(this.items[i]!.id);
    return ids;
  }

  /** Rows with whole answers, for export: all of them, or these ids in this order. */
  exportRows(ids?: readonly string[]): ResultRow[] {
    const positions = ids ? ids.flatMap((id) => (this.positions.has(id) ? [this.positions.get(id)!] : [])) : this.items.map((_, i) => i);
    return positions.map((position) => {
      const item = this.items[position]!;
      const result = this.rerunning.has(item.id) ? undefined : this.results[position];
      const outcome = result && this.outcomes[position];
      return buildRow(item, result, { running: this.state === 'running', fullAnswer: true, ...(this.costOf && { costOf: this.costOf }), ...(outcome && { outcome }) });
    });
  }

  detail(id: string): RowDetail | undefined {
    const position = this.positions.get(id);
    if (position === undefined) return undefined;
    const item = this.items[position]!;
    return buildDetail(item, this.results[position], this.state === 'running', this.outcomes[position]);
  }

  result(id: string): BatchResult | undefined {
    const position = this.positions.get(id);
    return position === undefined ? undefined : this.results[position];
  }

  item(id: string): RunItemInfo | undefined {
    const position = this.positions.get(id);
    return position === undefined ? undefined : this.items[position];
  }

  source(id: string): SourceRange | undefined {
    return this.item(id)?.source;
  }

  view(): RunView {
    return {
      runId: this.runId,
      startedAt: this.startedAt,
      state: this.state,
      rows: this.allRows(),
      ...(this.wallTimeMs !== undefined && { wallTimeMs: this.wallTimeMs }),
      ...(this.progress && { progress: this.progress }),
      ...(this.rateLimited429s > 0 && { rateLimited429s: this.rateLimited429s }),
      ...this.scoring(),
    };
  }

  /** The scoreboard and grader counts the panel shows, when there are any. */
  scoring(): Pick<RunView, 'scoreboard' | 'judge'> {
    const scoreboard = this.scoreboard();
    const judge = this.judgeSummary();
    return { ...(scoreboard.length > 0 && { scoreboard }), ...(judge && { judge }) };
  }

  historyEntry(): HistoryEntry {
    let failed = 0;
    for (const result of this.results) if (result && !result.ok && result.error.code !== 'cancelled') failed++;
    return { runId: this.runId, startedAt: this.startedAt, total: this.items.length, failed, state: this.state };
  }

  toStored(): StoredRun {
    return {
      version: 1,
      runId: this.runId,
      fileUri: this.fileUri,
      startedAt: this.startedAt,
      state: this.state,
      ...(this.wallTimeMs !== undefined && { wallTimeMs: this.wallTimeMs }),
      ...(this.rateLimited429s > 0 && { rateLimited429s: this.rateLimited429s }),
      items: this.items,
      results: this.results.filter((result): result is BatchResult => result !== undefined),
      ...(this.outcomes.some((outcome) => outcome !== undefined) && {
        outcomes: Object.fromEntries(this.items.flatMap((item, i) => (this.outcomes[i] ? [[item.id, this.outcomes[i]]] : []))),
      }),
      ...(this.judge && { judge: this.judge }),
    };
  }
}

function isOutcome(value: unknown): value is RequestOutcome {
  const outcome = value as Partial<RequestOutcome> | null;
  return (
    typeof outcome?.pass === 'boolean' &&
    Array.isArray(outcome.checks) &&
    outcome.checks.every((check: unknown) => {
      const fields = check as Record<string, unknown> | null;
      return typeof fields?.['check'] === 'string' && typeof fields['pass'] === 'boolean' && typeof fields['reason'] === 'string';
    })
  );
}

function isGraderCounts(value: unknown): value is GraderCounts {
  const counts = value as Record<string, unknown> | null | undefined;
  return ['requests', 'failed', 'cached', 'promptTokens', 'completionTokens'].every((name) => typeof counts?.[name] === 'number');
}
