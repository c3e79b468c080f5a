/**
 * The data rows of a `@data` setting as a block's expansion uses them: read and
 * checked once per setting, each row an element of the block's data axis.
 */
import type { SourceRange } from '../../models';
import type { AxisElement } from './axisElement';
import type { DataLoad, DataRow } from '../data/dataFiles';
import type { DiagnosticReporter } from '../diagnosticSink';

export interface DataPlan {
  readonly display: string;
  readonly range: SourceRange;
  /** Column name → index into each row's values. */
  readonly columns: ReadonlyMap<string, number>;
  readonly rowCount: number;
  readonly columnList: readonly string[];
}

export type PreparedData =
  | { readonly ok: true; readonly data: DataPlan; readonly elements: readonly AxisElement[] }
  | { readonly ok: false; readonly message: string };

function displayPath(path: string): string {
  return path.startsWith('./') ? path.slice(2) : path;
}

/** The element of one data row; its label, used by no id, is made only when read. */
class RowElement implements AxisElement {
  constructor(
    readonly row: DataRow,
    readonly range: SourceRange,
  ) {}

  get value(): number {
    return this.row.number;
  }

  get label(): string {
    return `#row${this.row.number}`;
  }

  get invalid(): boolean {
    return false;
  }

  get dynamic(): boolean {
    return false;
  }
}

/** Reads the data file of a `@data` setting and reports its problems, once per setting. */
export function prepareData(path: string, range: SourceRange, loadData: (path: string) => DataLoad, sink: DiagnosticReporter): PreparedData {
  const display = displayPath(path);
  const load = loadData(path);
  if (!load.ok) return { ok: false, message: `${display}: ${load.message}` };
  const { table } = load;
  for (const problem of table.problems) {
    sink.add('error', `${display}${problem.where ? ` ${problem.where}` : ''}: ${problem.message}`, range, 'data-row');
  }
  const rowCount = table.rows.length + (table.omittedRows ?? 0);
  if (rowCount === 0) sink.add('warning', `${display} has no data rows, so this block sends no requests`, range, 'data-empty');
  const columns = new Map(table.columns.map((column, index) => [column, index] as const));
  const data = { display, range, columns, rowCount, columnList: table.columns };
  const elements = table.rows.map((row): AxisElement => new RowElement(row, range));
  return { ok: true, data, elements };
}
