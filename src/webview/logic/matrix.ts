/**
 * The compare view's matrix: for one block, one row per combination of the
 * swept variables (data rows included), one column per model × parameter
 * variant, answers in the cells. A second form puts the same requests of two
 * runs side by side.
 */
import type { ResultRow } from '../protocol';
import type { PassCount } from '../../core/expect/outcomes';
import { sweptParameterNames } from './columns';
import { passCount } from './checks';

export interface MatrixColumn {
  readonly key: string;
  readonly label: string;
}

export interface MatrixRow {
  readonly key: string;
  /** The row's variable values (or the request id when comparing runs), in `variableNames` order. */
  readonly values: readonly string[];
  /** One list per column: usually one result, several with repeated samples, none when missing. */
  readonly cells: readonly (readonly ResultRow[])[];
}

export interface CompareMatrix {
  /** Headings of the leading value columns. */
  readonly variableNames: readonly string[];
  readonly columns: readonly MatrixColumn[];
  readonly rows: readonly MatrixRow[];
}

export interface CompareBlock {
  readonly block: string | undefined;
  readonly count: number;
}

/** The blocks of a run with their request counts, in run order. */
export function compareBlocks(rows: readonly ResultRow[]): CompareBlock[] {
  const counts = new Map<string | undefined, number>();
  for (const row of rows) counts.set(row.block, (counts.get(row.block) ?? 0) + 1);
  return [...counts].map(([block, count]) => ({ block, count }));
}

/** The block the compare view opens on: the first with variants to compare. */
export function defaultCompareBlock(blocks: readonly CompareBlock[]): string | undefined {
  return (blocks.find((entry) => entry.count > 1) ?? blocks[0])?.block;
}

function isParameterVariable(name: string, rows: readonly ResultRow[]): boolean {
  return name === 'model' || rows.some((row) => name in row.parameters);
}

/** Model × swept-parameter columns against swept-variable rows, for the rows of `block`. */
export function buildVariantMatrix(allRows: readonly ResultRow[], block: string | undefined): CompareMatrix {
  const rows = allRows.filter((row) => row.block === block);
  const variableNames: string[] = [];
  for (const row of rows) for (const name of Object.keys(row.variables)) if (!variableNames.includes(name)) variableNames.push(name);
  const rowVariables = variableNames.filter((name) => !isParameterVariable(name, rows));
  const columnParameters = sweptParameterNames(rows);
  const models = new Set(rows.map((row) => row.model));
  const showModel = models.size > 1 || columnParameters.length === 0;

  const columns = new Map<string, MatrixColumn>();
  const matrixRows = new Map<string, { values: string[]; byColumn: Map<string, ResultRow[]> }>();
  for (const row of rows) {
    const labelParts = columnParameters.map((name) => `${name}=${row.parameters[name] ?? '—'}`);
    if (showModel) labelParts.unshift(row.model ?? '(default model)');
    const columnKey = JSON.stringify([row.model ?? null, ...columnParameters.map((name) => row.parameters[name] ?? null)]);
    if (!columns.has(columnKey)) columns.set(columnKey, { key: columnKey, label: labelParts.join(' · ') });

    const values = rowVariables.map((name) => row.variables[name] ?? '');
    const rowKey = JSON.stringify(values);
    let entry = matrixRows.get(rowKey);
    if (!entry) matrixRows.set(rowKey, (entry = { values, byColumn: new Map() }));
    const cell = entry.byColumn.get(columnKey);
    if (cell) cell.push(row);
    else entry.byColumn.set(columnKey, [row]);
  }
  const columnList = [...columns.values()];
  return {
    variableNames: rowVariables,
    columns: columnList,
    rows: [...matrixRows].map(([key, entry]) => ({ key, values: entry.values, cells: columnList.map((column) => entry.byColumn.get(column.key) ?? []) })),
  };
}

/** The requests of `block` in two runs side by side, matched by request id. */
export function buildRunMatrix(
  current: readonly ResultRow[],
  earlier: readonly ResultRow[],
  block: string | undefined,
  labels: readonly [string, string],
): CompareMatrix {
  const mine = current.filter((row) => row.block === block);
  const theirs = new Map(earlier.filter((row) => row.block === block).map((row) => [row.id, row]));
  const seen = new Set<string>();
  const rows: MatrixRow[] = [];
  for (const row of mine) {
    seen.add(row.id);
    const other = theirs.get(row.id);
    rows.push({ key: row.id, values: [row.id], cells: [[row], other ? [other] : []] });
  }
  for (const [id, other] of theirs) if (!seen.has(id)) rows.push({ key: id, values: [id], cells: [[], [other]] });
  return { variableNames: ['request'], columns: [{ key: 'current', label: labels[0] }, { key: 'earlier', label: labels[1] }], rows };
}

/** What a cell shows and compares: the answer, or the error of a failed request. */
export function comparableText(row: ResultRow): string | undefined {
  if (row.status === 'ok' || row.status === 'cached' || row.status === 'batch') return row.answer ?? '';
  if (row.status === 'failed') return `⚠ ${row.error ?? 'failed'}`;
  return undefined;
}

/** Whether the answers in a matrix row are not all the same (whitespace at the ends ignored). */
export function rowDiffers(row: MatrixRow): boolean {
  const texts = new Set<string>();
  let missing = false;
  for (const cell of row.cells) {
    if (cell.length === 0) missing = true;
    for (const result of cell) {
      const text = comparableText(result);
      if (text !== undefined) texts.add(text.trim());
    }
  }
  return texts.size > 1 || (missing && texts.size > 0);
}

/** Each column's pass count over its scored answers (the rows shown, so a filter narrows it too). */
export function columnPassCounts(matrix: CompareMatrix, rows: readonly MatrixRow[] = matrix.rows): PassCount[] {
  return matrix.columns.map((_, column) => passCount(rows.flatMap((row) => row.cells[column] ?? [])));
}
