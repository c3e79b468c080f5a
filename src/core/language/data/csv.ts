/**
 * RFC 4180 CSV: quoted fields may hold the delimiter, doubled quotes and line
 * breaks; `\r\n`, `\n` and `\r` all end a record; a leading BOM is dropped. The
 * reader is lenient where spreadsheets are (a quote inside an unquoted field is
 * kept as text) and reports what it cannot read rather than guessing.
 */

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line where the record starts. */
  readonly line: number;
  /** The record could not be read (see the problems); it still counts, so later rows keep their numbers. */
  readonly broken?: boolean;
}

export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

export interface CsvContent {
  readonly records: CsvRecord[];
  readonly problems: CsvProblem[];
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** Splits CSV text into records of fields; blank lines are skipped, unreadable records are marked. */
export function parseCsv(input: string, delimiter = ','): CsvContent {
  const records: CsvRecord[] = [];
  const problems = readCsvRecords(input, delimiter, (fields, line, broken) => {
    records.push(broken ? { fields, line, broken } : { fields, line });
  });
  return { records, problems };
}

/**
 * Hands each record of CSV text to `visit` as it is read, so a caller that keeps
 * something else per row builds no record list; returns the problems found.
 */
export function readCsvRecords(input: string, delimiter: string, visit: (fields: string[], line: number, broken: boolean) => void): CsvProblem[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const separator = delimiter.charCodeAt(0);
  const problems: CsvProblem[] = [];
  const length = text.length;
  let line = 1;
  let i = 0;
  while (i < length) {
    const first = text.charCodeAt(i);
    if (first === LF || first === CR) {
      i += first === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    let broken = false;
    for (;;) {
      // One field per iteration; `i` is at its first character.
      if (text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        let value = '';
        let start = i + 1;
        let j = start;
        let closed = false;
        while (j < length) {
          const c = text.charCodeAt(j);
          if (c === QUOTE) {
            if (text.charCodeAt(j + 1) === QUOTE) {
              value += text.slice(start, j + 1);
              j += 2;
              start = j;
              continue;
            }
            closed = true;
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) line++;
          j++;
        }
        value += text.slice(start, j);
        if (!closed) {
          problems.push({ line: quoteLine, message: 'a quoted field is never closed' });
          fields.push(value);
          i = length;
          broken = true;
          break;
        }
        i = j + 1;
        const next = text.charCodeAt(i);
        if (i < length && next !== separator && next !== CR && next !== LF) {
          problems.push({ line, message: 'unexpected text after a closing quote (quotes inside a quoted field are written twice: "")' });
          broken = true;
          while (i < length && text.charCodeAt(i) !== separator && text.charCodeAt(i) !== CR && text.charCodeAt(i) !== LF) i++;
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < length) {
          const c = text.charCodeAt(j);
          if (c === separator || c === CR || c === LF) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= length) break;
      const c = text.charCodeAt(i);
      if (c === separator) {
        i++;
        // A delimiter at the very end still opens one more, empty, field.
        if (i >= length) fields.push('');
        if (i >= length) break;
        continue;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    visit(fields, recordLine, broken);
  }
  return problems;
}
