/**
 * How expectation verdicts read in the panel: a row's checks in brief, pass
 * counts over rows, the scoreboard's orders, and the table filter a scoreboard
 * value sets. Pure, so the table, compare view and scoreboard say the same.
 */
import type { PassCount } from '../../core/expect/outcomes';
import type { ResultRow, RowChecks, ScoreboardRow } from '../protocol';

/** `✓ 3/3` when every check passed, else `✗ 1/3`. */
export function checksText(checks: RowChecks | undefined): string {
  if (!checks) return '';
  return `${checksPassed(checks) ? '✓' : '✗'} ${checks.passed}/${checks.total}`;
}

export function checksPassed(checks: RowChecks): boolean {
  return checks.passed === checks.total;
}

/** Scored rows (answered, with expectations) and how many passed every check. */
export function passCount(rows: readonly ResultRow[]): PassCount {
  let scored = 0;
  let passed = 0;
  for (const row of rows) {
    if (!row.checks) continue;
    scored++;
    if (checksPassed(row.checks)) passed++;
  }
  return { scored, passed };
}

/** The rows of one value of one swept axis of one block, as a scoreboard click picks them. */
export interface AxisFilter {
  /** '' for requests outside any block. */
  readonly block: string;
  readonly axis: string;
  readonly value: string;
}

/** Values on the scoreboard are written as in request ids: whitespace runs as one space, long ones cut with `…`. */
function sameValue(shown: string | undefined, value: string): boolean {
  if (shown === undefined) return false;
  const flat = shown.replace(/\s+/g, ' ');
  return flat === value || (value.endsWith('…') && flat.startsWith(value.slice(0, -1)));
}

export function rowMatchesAxis(row: ResultRow, filter: AxisFilter): boolean {
  if ((row.block ?? '') !== filter.block) return false;
  // Swept settings and the swept model are among the row's variables; a lone model is its own field.
  const shown = row.variables[filter.axis] ?? (filter.axis === 'model' ? row.model : row.parameters[filter.axis]);
  return sameValue(shown, filter.value);
}

export function describeAxisFilter(filter: AxisFilter): string {
  return `${filter.block ? `${filter.block} · ` : ''}${filter.axis} = ${filter.value}`;
}

export type ScoreboardColumn = 'passRate' | 'latency' | 'tokens' | 'cost';

export interface ScoreboardSort {
  readonly column: ScoreboardColumn;
  readonly descending: boolean;
}

const sortValues: Record<ScoreboardColumn, (row: ScoreboardRow) => number | undefined> = {
  passRate: (row) => (row.scored > 0 ? row.passRate : undefined),
  latency: (row) => row.meanLatencyMs,
  tokens: (row) => row.meanTokens,
  cost: (row) => row.meanCostUsd,
};

/** The axis's values in `sort` order (missing figures last), or in the command line's ranking without one. */
export function sortScoreboardRows(rows: readonly ScoreboardRow[], sort: ScoreboardSort | undefined): ScoreboardRow[] {
  if (!sort) return rows.slice();
  const value = sortValues[sort.column];
  return rows
    .map((row, rank) => ({ row, rank, key: value(row) }))
    .sort((a, b) => {
      if (a.key === undefined || b.key === undefined) return (a.key === undefined ? 1 : 0) - (b.key === undefined ? 1 : 0) || a.rank - b.rank;
      return (sort.descending ? b.key - a.key : a.key - b.key) || a.rank - b.rank;
    })
    .map((entry) => entry.row);
}
