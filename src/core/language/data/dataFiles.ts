/**
 * Data files for `@data`: CSV (or TSV) with a header row, JSON Lines, or a JSON
 * list of objects. Every row becomes one set of variables named after the columns.
 */
import { maxJsonDepth, nestsDeeperThan } from '../../jsonDepth';
import { readCsvRecords } from './csv';
import { findJsonSyntaxError } from '../../jsonSyntax';

export interface DataRow {
  /** 1-based position among the file's data rows (the header is not a row). */
  readonly number: number;
  /** One value per column of the table, in column order; `undefined` where a JSON row lacks the field. */
  readonly values: readonly unknown[];
}

export interface DataProblem {
  /** Where in the data file: "line 7" or "item 3". */
  readonly where?: string;
  readonly message: string;
}

export interface DataTable {
  readonly columns: readonly string[];
  readonly rows: readonly DataRow[];
  /** Rows with problems are left out and listed here. */
  readonly problems: readonly DataProblem[];
  /** Good rows past the row limit: counted, not built. */
  readonly omittedRows?: number;
}

export type DataLoad = { readonly ok: true; readonly table: DataTable } | { readonly ok: false; readonly message: string };

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'json';

/** The format a file name implies; anything unknown is read as CSV. */
export function dataFormatOf(fileName: string): DataFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  return 'csv';
}

function readDelimited(text: string, delimiter: string, rowLimit: number): DataLoad {
  const rowProblems: DataProblem[] = [];
  const headerProblems: DataProblem[] = [];
  const columns: string[] = [];
  const keep: number[] = [];
  const rows: DataRow[] = [];
  let header: { readonly fields: string[]; readonly line: number; readonly broken: boolean } | undefined;
  let omittedRows = 0;
  let number = 0;
  const csvProblems = readCsvRecords(text, delimiter, (fields, line, broken) => {
    if (!header) {
      header = { fields, line, broken };
      if (!broken) readHeader(fields, line, columns, keep, headerProblems);
      return;
    }
    number++;
    if (broken || header.broken) return;
    if (fields.length !== header.fields.length) {
      rowProblems.push({
        where: `line ${line}`,
        message: `this row has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${header.fields.length}, so it is left out`,
      });
      return;
    }
    // Past the limit a row only counts: no block can expand that many requests anyway.
    if (rows.length >= rowLimit) omittedRows++;
    else rows.push({ number, values: keep.length === fields.length ? fields : keep.map((index) => fields[index] ?? '') });
  });
  const problems: DataProblem[] = csvProblems.map((problem) => ({ where: `line ${problem.line}`, message: problem.message }));
  if (header?.broken) return { ok: false, message: `its header row cannot be read (${problems[0]?.message ?? 'bad quoting'})` };
  if (!header) return { ok: false, message: 'it is empty; it needs a header row of column names' };
  problems.push(...headerProblems, ...rowProblems);
  return { ok: true, table: omittedRows > 0 ? { columns, rows, problems, omittedRows } : { columns, rows, problems } };
}

function readHeader(fields: readonly string[], line: number, columns: string[], keep: number[], problems: DataProblem[]): void {
  // A set, not a search of the columns so far: a header of 100 000 columns would take 5 billion comparisons.
  const seen = new Set<string>();
  fields.forEach((field, index) => {
    const name = field.trim();
    if (name === '') problems.push({ where: `line ${line}`, message: `column ${index + 1} has no name in the header row, so it is not used` });
    else if (seen.has(name)) problems.push({ where: `line ${line}`, message: `column "${name}" appears twice in the header row; only the first is used` });
    else {
      seen.add(name);
      columns.push(name);
      keep.push(index);
    }
  });
}

function describeJsonProblem(text: string): string {
  const error = findJsonSyntaxError(text);
  return error ? `not valid JSON (${error.message} at column ${Math.min(error.offset, text.length) + 1})` : 'not valid JSON';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collectObjects(items: { value: unknown; where: string; number: number }[], problems: DataProblem[]): DataTable {
  const columns: string[] = [];
  const indexOf = new Map<string, number>();
  const objects: { value: Record<string, unknown>; number: number }[] = [];
  for (const item of items) {
    if (!isRecord(item.value)) {
      problems.push({ where: item.where, message: 'each row must be a JSON object such as {"review": "…"}, so this one is left out' });
      continue;
    }
    // Its values become request parameters (`@response_format = {{format}}`), which may nest only so deep.
    if (nestsDeeperThan(item.value, maxJsonDepth + 1)) {
      problems.push({ where: item.where, message: `a value nests lists and objects more than ${maxJsonDepth} levels deep, so this row is left out` });
      continue;
    }
    for (const key of Object.keys(item.value)) {
      if (!indexOf.has(key)) {
        indexOf.set(key, columns.length);
        columns.push(key);
      }
    }
    objects.push({ value: item.value, number: item.number });
  }
  const rows = objects.map(({ value, number }): DataRow => {
    const values: unknown[] = new Array<unknown>(columns.length).fill(undefined);
    for (const [key, field] of Object.entries(value)) values[indexOf.get(key) ?? 0] = field;
    return { number, values };
  });
  return { columns, rows, problems };
}

function readJsonLines(text: string): DataLoad {
  const problems: DataProblem[] = [];
  const items: { value: unknown; where: string; number: number }[] = [];
  const lines = text.split('\n');
  let number = 0;
  for (let l = 0; l < lines.length; l++) {
    const line = (lines[l] ?? '').trim();
    if (line === '') continue;
    number++;
    try {
      items.push({ value: JSON.parse(line) as unknown, where: `line ${l + 1}`, number });
    } catch {
      problems.push({ where: `line ${l + 1}`, message: `${describeJsonProblem(line)}, so this row is left out` });
    }
  }
  if (items.length === 0 && problems.length === 0) return { ok: false, message: 'it is empty; it needs one JSON object per line' };
  return { ok: true, table: collectObjects(items, problems) };
}

function readJsonList(text: string): DataLoad {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: describeJsonProblem(text) };
  }
  if (!Array.isArray(value)) return { ok: false, message: 'a .json data file must hold a list of objects, such as [{"review": "…"}]' };
  const problems: DataProblem[] = [];
  return { ok: true, table: collectObjects(value.map((item: unknown, index) => ({ value: item, where: `item ${index + 1}`, number: index + 1 })), problems) };
}

/**
 * Reads the text of a data file in the given format. Good CSV and TSV rows past
 * `rowLimit` are checked and counted (`omittedRows`) but not built.
 */
export function readDataText(text: string, format: DataFormat, rowLimit = Infinity): DataLoad {
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nul = content.indexOf('\u0000');
  if (nul >= 0) return { ok: false, message: 'it looks binary, not a text data file' };
  const bad = content.indexOf('\uFFFD');
  if (bad >= 0) {
    const line = content.slice(0, bad).split('\n').length;
    return { ok: false, message: `it is not valid UTF-8 text (line ${line} has a byte sequence that cannot be read); save it as UTF-8` };
  }
  if (format === 'jsonl') return readJsonLines(content);
  if (format === 'json') return readJsonList(content);
  return readDelimited(content, format === 'tsv' ? '\t' : ',', rowLimit);
}

/** Turns an error from reading a file into words, such as "no such file". */
export function describeReadError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'this is a folder, not a data file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
