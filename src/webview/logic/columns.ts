/**
 * The table's columns for a run: fixed ones plus one per swept value. A
 * parameter gets a column only when it differs between rows; a constant
 * temperature says nothing about any single row.
 */
import type { ResultRow, RowStatus } from '../protocol';
import { answerPreview, formatCompact, formatCost, formatDuration } from './format';
import { checksText } from './checks';

export type SortValue = string | number | undefined;

export interface Column {
  /** `id`, `block`, `model`, `status`, `checks`, `latency`, `tokens`, `cost`, `answer`, `var:<name>` or `param:<name>`. */
  readonly key: string;
  readonly label: string;
  readonly numeric: boolean;
  /** Smallest useful width in pixels; the answer column also takes the remaining space. */
  readonly minWidth: number;
  /** Lower numbers are dropped last when the panel is narrow. */
  readonly priority: number;
  text(row: ResultRow): string;
  sortValue(row: ResultRow): SortValue;
}

const statusRank: Record<RowStatus, number> = { failed: 0, cancelled: 1, running: 2, ok: 3, batch: 4, cached: 5 };

export const statusLabels: Record<RowStatus, string> = {
  running: 'running',
  ok: 'ok',
  cached: 'cached',
  batch: 'batch',
  failed: 'failed',
  cancelled: 'cancelled',
};

function tokensOf(row: ResultRow): number | undefined {
  if (row.promptTokens === undefined && row.completionTokens === undefined) return undefined;
  return (row.promptTokens ?? 0) + (row.completionTokens ?? 0);
}

const fixedBefore: readonly Column[] = [
  { key: 'id', label: 'Request', numeric: false, minWidth: 80, priority: 0, text: (row) => row.id, sortValue: (row) => row.index },
];

function blockColumn(): Column {
  return { key: 'block', label: 'Block', numeric: false, minWidth: 90, priority: 5, text: (row) => row.block ?? '', sortValue: (row) => row.block };
}

function modelColumn(): Column {
  return { key: 'model', label: 'Model', numeric: false, minWidth: 96, priority: 1, text: (row) => row.model ?? '', sortValue: (row) => row.model };
}

const statusColumn: Column = {
  key: 'status',
  label: 'Status',
  numeric: false,
  minWidth: 68,
  priority: 0,
  text: (row) => statusLabels[row.status],
  sortValue: (row) => statusRank[row.status],
};

/** `✓ 3/3` · `✗ 1/3`; sorted by the share of checks passed, so the worst answers come first. */
const checksColumn: Column = {
  key: 'checks',
  label: 'Checks',
  numeric: false,
  minWidth: 72,
  // The verdict is what a scored run is for: it stays however narrow the panel.
  priority: 0,
  text: (row) => checksText(row.checks),
  sortValue: (row) => (row.checks ? (row.checks.total === 0 ? 1 : row.checks.passed / row.checks.total) : undefined),
};

function hasChecks(rows: readonly ResultRow[]): boolean {
  for (let i = 0; i < rows.length; i++) if (rows[i]!.checks) return true;
  return false;
}

const fixedAfter: readonly Column[] = [
  {
    key: 'latency',
    label: 'Latency',
    numeric: true,
    minWidth: 76,
    priority: 4,
    text: (row) => (row.latencyMs === undefined ? '' : formatDuration(row.latencyMs)),
    sortValue: (row) => row.latencyMs,
  },
  {
    key: 'tokens',
    label: 'Tokens',
    numeric: true,
    minWidth: 84,
    priority: 3,
    text: (row) => (tokensOf(row) === undefined ? '' : `${formatCompact(row.promptTokens ?? 0)} + ${formatCompact(row.completionTokens ?? 0)}`),
    sortValue: tokensOf,
  },
  {
    key: 'cost',
    label: 'Cost',
    numeric: true,
    minWidth: 84,
    priority: 4,
    text: (row) => (row.costUsd === undefined ? '' : formatCost(row.costUsd)),
    sortValue: (row) => row.costUsd,
  },
  {
    key: 'answer',
    label: 'Answer',
    numeric: false,
    minWidth: 140,
    priority: 0,
    text: (row) => (row.status === 'failed' ? (row.error ?? '') : answerPreview(row.answer)),
    sortValue: (row) => (row.status === 'failed' ? row.error : row.answer),
  },
];

// Plain indexed loops below: these run once over every row on first paint,
// before the JIT has warmed up, where iterators and destructuring cost a lot.

/** Variable names in first-seen order. */
export function variableNames(rows: readonly ResultRow[]): string[] {
  return keysOf(rows, (row) => row.variables);
}

function keysOf(rows: readonly ResultRow[], record: (row: ResultRow) => Readonly<Record<string, string>>): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const values = record(rows[i]!);
    for (const name in values) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  return names;
}

/** Parameters whose value is not the same on every row, in first-seen order. */
export function sweptParameterNames(rows: readonly ResultRow[]): string[] {
  const names = keysOf(rows, (row) => row.parameters);
  const swept: string[] = [];
  for (const name of names) {
    const first = rows[0]?.parameters[name];
    for (let i = 1; i < rows.length; i++) {
      if (rows[i]!.parameters[name] !== first) {
        swept.push(name);
        break;
      }
    }
  }
  return swept;
}

/** Whether the rows come from more than one block. */
export function hasSeveralBlocks(rows: readonly ResultRow[]): boolean {
  const first = rows[0]?.block;
  for (let i = 1; i < rows.length; i++) if (rows[i]!.block !== first) return true;
  return false;
}

/** Room for a swept value's name in the header, within reason. */
function labelWidth(label: string): number {
  return Math.max(60, Math.min(140, Math.round(label.length * 6.5 + 26)));
}

/** Columns for these rows: request, block (when several), model, swept variables and parameters, then the results. */
export function columnsFor(rows: readonly ResultRow[], options: { readonly showBlock?: boolean } = {}): Column[] {
  const variables = variableNames(rows).filter((name) => name !== 'model');
  const parameters = sweptParameterNames(rows).filter((name) => !variables.includes(name));
  const columns: Column[] = [...fixedBefore];
  if (options.showBlock ?? hasSeveralBlocks(rows)) columns.push(blockColumn());
  columns.push(modelColumn());
  for (const name of variables) {
    columns.push({ key: `var:${name}`, label: name, numeric: false, minWidth: labelWidth(name), priority: 1, text: (row) => row.variables[name] ?? '', sortValue: (row) => row.variables[name] });
  }
  for (const name of parameters) {
    columns.push({ key: `param:${name}`, label: name, numeric: false, minWidth: labelWidth(name), priority: 1, text: (row) => row.parameters[name] ?? '', sortValue: (row) => row.parameters[name] });
  }
  columns.push(statusColumn);
  if (hasChecks(rows)) columns.push(checksColumn);
  columns.push(...fixedAfter);
  return columns;
}

/**
 * Drops columns until the minimum widths fit `width`: the least important
 * first, and among equals the rightmost. Request, status, checks and answer always stay.
 */
export function columnsThatFit(columns: readonly Column[], width: number): Column[] {
  const kept = [...columns];
  let total = kept.reduce((sum, column) => sum + column.minWidth, 0);
  const droppable = columns
    .map((column, position) => ({ column, position }))
    .filter((entry) => entry.column.priority > 0)
    .sort((a, b) => b.column.priority - a.column.priority || b.position - a.position);
  for (const { column } of droppable) {
    if (total <= width) break;
    kept.splice(kept.indexOf(column), 1);
    total -= column.minWidth;
  }
  return kept;
}
