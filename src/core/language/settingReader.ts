/**
 * Reading one `@key = value` setting, including a JSON value that continues over
 * the following lines until its brackets close.
 */
import type { Diagnostic } from '../diagnostics';
import type { SourceRange } from '../models';
import type { Setting } from './document';
import { indentOf, isSeparator, lineRange, matchRole, matchSetting, spanRange } from './lines';
import type { SourceLines } from './lines';
import type { PlaceholderProblem } from './template';
import { looksLikeJson, readSettingValue, ValueText } from './values';
import type { ValueProblem } from './values';

export type Report = (severity: Diagnostic['severity'], message: string, range: SourceRange, code: string) => void;

/** Depth of unclosed `[`/`{` at the end of `text`, ignoring brackets in strings. */
function bracketDepth(text: string, depth: number): number {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) depth--;
  }
  return depth;
}

function endsValueContinuation(line: string): boolean {
  return isSeparator(line) || matchRole(line) !== undefined || matchSetting(line) !== undefined;
}

/**
 * Reads the setting on line `i`. A `[` or `{` value left open continues on the
 * next lines until its brackets close, unless a separator, role line or setting
 * comes first (then only line `i` is read and the JSON error reported there).
 * Returns the setting (absent when the line is malformed) and the last line used.
 */
export function readSettingAt(lines: SourceLines, i: number, report: Report, placeholderProblems: PlaceholderProblem[]): { setting?: Setting; last: number } {
  const line = lines.at(i);
  const match = matchSetting(line);
  if (!match) return { last: i };
  if (match.key === '') {
    report('error', 'expected a setting name after "@", as in "@temperature = 0.7"', lineRange(i, match.start, match.start + 1), 'syntax');
    return { last: i };
  }
  const keyRange = lineRange(i, match.start, match.keyEnd);
  if (match.equals < 0) {
    report('error', `"@${match.key}" needs "=" and a value, as in "@${match.key} = …"`, keyRange, 'syntax');
    return { last: i };
  }
  const valueStart = indentOf(line, match.equals);
  const valueText = line.slice(valueStart).trimEnd();
  const pieces = [{ line: i, column: valueStart, text: valueText }];
  let last = i;
  if (looksLikeJson(valueText) && valueText.charCodeAt(0) !== 34) {
    let depth = bracketDepth(valueText, 0);
    for (let j = i + 1; j < lines.count && depth > 0; j++) {
      const next = lines.at(j);
      if (endsValueContinuation(next)) break;
      depth = bracketDepth(next, depth);
      if (depth <= 0) {
        for (let l = i + 1; l <= j; l++) pieces.push({ line: l, column: 0, text: l === j ? lines.at(l).trimEnd() : lines.at(l) });
        last = j;
      }
    }
  }
  const source = new ValueText(pieces);
  const problems: ValueProblem[] = [];
  const value = readSettingValue(match.key, source, problems);
  for (const problem of problems) report('error', problem.message, problem.range, 'bad-value');
  const endPiece = pieces[pieces.length - 1] ?? { column: valueStart, text: valueText };
  const setting: Setting = {
    key: match.key,
    range: spanRange(i, match.start, last, endPiece.column + endPiece.text.length),
    keyRange,
    valueRange: source.whole,
    text: source.text,
    value,
    placeholders: source.placeholders(placeholderProblems),
  };
  return { setting, last };
}
