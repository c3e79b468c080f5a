/**
 * The scoreboard: for each block that sweeps something, each swept axis (the
 * model, a swept setting, a swept variable — data rows are not an axis worth
 * ranking), the pass rate of each value, best first. Built as results arrive,
 * so a run of any size keeps only one tally per value.
 */
import { idValue } from '../language/expand/requestIds';
import type { BlockScoreboard, RequestOutcome, ScoreboardRow } from './outcomes';

/** What the scoreboard needs of one finished request. */
export interface ScoredRequest {
  readonly block?: string;
  /** The block's swept axes, in order. */
  readonly swept?: readonly string[];
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Absent for a failed request. */
  readonly outcome?: RequestOutcome;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly tokens: number;
  readonly costUsd?: number;
}

interface Tally {
  scored: number;
  passed: number;
  errors: number;
  answered: number;
  latencyMs: number;
  tokens: number;
  cost: number;
  priced: number;
}

export class ScoreboardBuilder {
  /** block → axis → value → tally, in the order first seen. */
  private readonly blocks = new Map<string, Map<string, Map<string, Tally>>>();

  add(request: ScoredRequest): void {
    const swept = request.swept;
    if (!swept || swept.length === 0 || request.block === undefined) return;
    let axes = this.blocks.get(request.block);
    if (!axes) this.blocks.set(request.block, (axes = new Map()));
    for (const axis of swept) {
      let values = axes.get(axis);
      if (!values) axes.set(axis, (values = new Map()));
      const value = idValue(request.variables?.[axis]);
      let tally = values.get(value);
      if (!tally) values.set(value, (tally = { scored: 0, passed: 0, errors: 0, answered: 0, latencyMs: 0, tokens: 0, cost: 0, priced: 0 }));
      if (!request.ok) {
        tally.errors++;
        continue;
      }
      tally.answered++;
      tally.latencyMs += request.latencyMs;
      tally.tokens += request.tokens;
      if (request.costUsd !== undefined) {
        tally.cost += request.costUsd;
        tally.priced++;
      }
      if (request.outcome) {
        tally.scored++;
        if (request.outcome.pass) tally.passed++;
      }
    }
  }

  /** Blocks that sweep something and have a scored request, each axis ranked by pass rate, then latency, then tokens. */
  build(): BlockScoreboard[] {
    const boards: BlockScoreboard[] = [];
    for (const [block, axes] of this.blocks) {
      const ranked = [...axes].map(([axis, values]) => ({ axis, rows: [...values].map(([value, tally]) => rowOf(axis, value, tally)).sort(byRank) }));
      if (ranked.some(({ rows }) => rows.some((row) => row.scored > 0))) boards.push({ block, axes: ranked });
    }
    return boards;
  }
}

function rowOf(axis: string, value: string, tally: Tally): ScoreboardRow {
  const row: { -readonly [K in keyof ScoreboardRow]: ScoreboardRow[K] } = {
    axis,
    value,
    scored: tally.scored,
    passed: tally.passed,
    passRate: tally.scored === 0 ? 0 : tally.passed / tally.scored,
    errors: tally.errors,
    meanLatencyMs: tally.answered === 0 ? 0 : tally.latencyMs / tally.answered,
    meanTokens: tally.answered === 0 ? 0 : tally.tokens / tally.answered,
  };
  if (tally.answered > 0 && tally.priced === tally.answered) row.meanCostUsd = tally.cost / tally.answered;
  return row;
}

function byRank(a: ScoreboardRow, b: ScoreboardRow): number {
  return (b.scored > 0 ? 1 : 0) - (a.scored > 0 ? 1 : 0) || b.passRate - a.passRate || a.meanLatencyMs - b.meanLatencyMs || a.meanTokens - b.meanTokens;
}

/** The scoreboard as text for a terminal: one table per block and axis. */
export function formatScoreboard(boards: readonly BlockScoreboard[]): string[] {
  const lines: string[] = [];
  for (const board of boards) {
    for (const { axis, rows } of board.axes) {
      lines.push(`scoreboard · ${board.block} · ${axis}`);
      const width = Math.max(...rows.map((row) => row.value.length));
      for (const row of rows) {
        const rate = row.scored === 0 ? '   –' : `${Math.round(row.passRate * 100)}%`.padStart(4);
        const errors = row.errors > 0 ? ` · ${row.errors} failed` : '';
        lines.push(`  ${row.value.padEnd(width)}  ${rate}  ${row.passed}/${row.scored} passed · ${Math.round(row.meanLatencyMs)} ms · ${Math.round(row.meanTokens)} tokens${errors}`);
      }
    }
  }
  return lines;
}
