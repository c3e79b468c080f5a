/** Which rows the table shows, in which order, grouped or not. */
import type { ResultRow, RowStatus } from '../protocol';
import type { Column, SortValue } from './columns';
import type { AxisFilter } from './checks';
import { checksPassed, rowMatchesAxis } from './checks';

/** `checksFailed`: answered, but some `expect:` check failed. */
export type StatusFilter = 'all' | 'ok' | 'cached' | 'batch' | 'failed' | 'pending' | 'checksFailed';

export interface SortSpec {
  readonly column: string;
  readonly descending: boolean;
}

export interface ViewOptions {
  readonly statusFilter: StatusFilter;
  readonly text: string;
  readonly sort?: SortSpec;
  readonly groupByBlock: boolean;
  /** Blocks whose rows are hidden under their group header. */
  readonly collapsed?: ReadonlySet<string>;
  /** One value of a swept axis, picked on the scoreboard. */
  readonly axis?: AxisFilter;
}

export type DisplayEntry =
  | { readonly kind: 'group'; readonly block: string; readonly count: number; readonly failed: number; readonly collapsed: boolean }
  | { readonly kind: 'row'; readonly row: ResultRow };

const statusMatches: Record<StatusFilter, (status: RowStatus, row: ResultRow) => boolean> = {
  all: () => true,
  ok: (status) => status === 'ok' || status === 'cached' || status === 'batch',
  cached: (status) => status === 'cached',
  batch: (status) => status === 'batch',
  failed: (status) => status === 'failed',
  pending: (status) => status === 'running' || status === 'cancelled',
  checksFailed: (_, row) => row.checks !== undefined && !checksPassed(row.checks),
};

// Rows are immutable and replaced on update, so a weak cache stays correct.
const haystacks = new WeakMap<ResultRow, string>();

function haystackOf(row: ResultRow): string {
  let text = haystacks.get(row);
  if (text === undefined) {
    text = [row.id, row.block ?? '', row.model ?? '', ...Object.values(row.variables), ...Object.values(row.parameters), row.answer ?? '', row.error ?? '']
      .join('\n')
      .toLowerCase();
    haystacks.set(row, text);
  }
  return text;
}

/** The lower-cased words of a text filter; a row must contain every one. */
export function filterWords(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether `row` passes the status filter and contains every word of `text` (case-insensitive). */
export function rowMatches(row: ResultRow, statusFilter: StatusFilter, text: string | readonly string[]): boolean {
  if (!statusMatches[statusFilter](row.status, row)) return false;
  const words = typeof text === 'string' ? filterWords(text) : text;
  if (words.length === 0) return true;
  const haystack = haystackOf(row);
  return words.every((word) => haystack.includes(word));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Missing values sort last whatever the direction, so empty cells never crowd the top. */
export function compareSortValues(a: SortValue, b: SortValue, descending: boolean): number {
  if (a === undefined || a === '') return b === undefined || b === '' ? 0 : 1;
  if (b === undefined || b === '') return -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return descending ? -order : order;
}

/** A stable sort by one column; ties keep run order. */
export function sortRows(rows: readonly ResultRow[], column: Column | undefined, descending: boolean): ResultRow[] {
  const sorted = rows.slice();
  if (!column) {
    // Rows usually arrive in run order already; skip the sort then.
    for (let i = 1; i < sorted.length; i++) if (sorted[i - 1]!.index > sorted[i]!.index) return sorted.sort((a, b) => a.index - b.index);
    return sorted;
  }
  const keyed = sorted.map((row) => ({ row, value: column.sortValue(row) }));
  keyed.sort((a, b) => compareSortValues(a.value, b.value, descending) || a.row.index - b.row.index);
  return keyed.map((entry) => entry.row);
}

/** The entries the table renders: filtered, sorted, and under block headers when grouped. */
export function buildDisplayList(rows: readonly ResultRow[], columns: readonly Column[], options: ViewOptions): DisplayEntry[] {
  const words = filterWords(options.text);
  const axis = options.axis;
  const visible =
    options.statusFilter === 'all' && words.length === 0 && !axis ? rows : rows.filter((row) => rowMatches(row, options.statusFilter, words) && (!axis || rowMatchesAxis(row, axis)));
  const column = options.sort ? columns.find((candidate) => candidate.key === options.sort?.column) : undefined;
  const sorted = sortRows(visible, column, options.sort?.descending ?? false);
  if (!options.groupByBlock) {
    const entries = new Array<DisplayEntry>(sorted.length);
    for (let i = 0; i < sorted.length; i++) entries[i] = { kind: 'row', row: sorted[i]! };
    return entries;
  }

  // Groups keep the order in which blocks first appear in the run.
  const order = new Map<string, number>();
  for (const row of rows) if (!order.has(row.block ?? '')) order.set(row.block ?? '', order.size);
  const groups = new Map<string, ResultRow[]>();
  for (const row of sorted) {
    const block = row.block ?? '';
    const list = groups.get(block);
    if (list) list.push(row);
    else groups.set(block, [row]);
  }
  const entries: DisplayEntry[] = [];
  for (const [block, list] of [...groups].sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0))) {
    const collapsed = options.collapsed?.has(block) ?? false;
    entries.push({ kind: 'group', block, count: list.length, failed: list.filter((row) => row.status === 'failed').length, collapsed });
    if (!collapsed) for (const row of list) entries.push({ kind: 'row', row });
  }
  return entries;
}
