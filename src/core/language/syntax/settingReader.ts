/**
 * Reading one `@key = value` setting, including a JSON value that continues over
 * the following lines until its brackets close.
 */
import type { Diagnostic } from '../../diagnostics';
import type { SourceRange } from '../../models';
import type { Setting } from './document';
import { SettingNode } from './documentNodes';
import { indentOf, isSeparator, lineRange, matchRole, matchSetting } from './lines';
import type { SourceLines } from './lines';
import type { Placeholder, PlaceholderProblem } from './template';
import { looksLikeJson, readSettingValue, ValueText } from './settingValues';
import type { SettingValue, ValueProblem } from './settingValues';

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
 * What one parse shares between settings: each key string once, and the value
 * of a simple setting (`@temperature = 0.7`, written the same in many blocks)
 * read once. Values are immutable, so sharing them changes nothing a caller sees.
 */
export class SettingReadCache {
  private readonly keys = new Map<string, string>();
  /** By key, then by value text: a key of their own would be one more string per setting. */
  private readonly values = new Map<string, Map<string, { readonly text: string; readonly value: SettingValue }>>();
  private valueCount = 0;

  key(key: string): string {
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    this.keys.set(key, key);
    return key;
  }

  value(key: string, text: string): { readonly text: string; readonly value: SettingValue } | undefined {
    return this.values.get(key)?.get(text);
  }

  /** Remembers a one-line value that has no placeholders, no problems and no object inside. */
  remember(key: string, text: string, value: SettingValue): void {
    if (value.kind !== 'value' || value.template || (typeof value.value === 'object' && value.value !== null)) return;
    if (this.valueCount >= maxCachedValues) return;
    let byText = this.values.get(key);
    if (!byText) this.values.set(key, (byText = new Map()));
    if (!byText.has(text)) this.valueCount++;
    byText.set(text, { text, value });
  }
}

// Enough for every distinct simple value of any real file; a generated one cannot grow it past this.
const maxCachedValues = 10_000;

const noPlaceholders: readonly Placeholder[] = Object.freeze([]);

/**
 * Reads the setting on line `i`. A `[` or `{` value left open continues on the
 * next lines until its brackets close, unless a separator, role line or setting
 * comes first (then only line `i` is read and the JSON error reported there).
 * Returns the setting (absent when the line is malformed) and the last line used.
 */
export function readSettingAt(
  lines: SourceLines,
  i: number,
  report: Report,
  placeholderProblems: PlaceholderProblem[],
  cache: SettingReadCache = new SettingReadCache(),
): { setting?: Setting; last: number } {
  const line = lines.at(i);
  const match = matchSetting(line);
  if (!match) return { last: i };
  if (match.key === '') {
    report('error', 'expected a setting name after "@", as in "@temperature = 0.7"', lineRange(i, match.start, match.start + 1), 'syntax');
    return { last: i };
  }
  if (match.equals < 0) {
    report('error', `"@${match.key}" needs "=" and a value, as in "@${match.key} = …"`, lineRange(i, match.start, match.keyEnd), 'syntax');
    return { last: i };
  }
  const key = cache.key(match.key);
  const valueStart = indentOf(line, match.equals);
  const valueText = line.slice(valueStart).trimEnd();
  const valueEnd = valueStart + valueText.length;
  let pieces: { line: number; column: number; text: string }[] | undefined;
  let last = i;
  if (looksLikeJson(valueText) && valueText.charCodeAt(0) !== 34) {
    let depth = bracketDepth(valueText, 0);
    for (let j = i + 1; j < lines.count && depth > 0; j++) {
      const next = lines.at(j);
      if (endsValueContinuation(next)) break;
      depth = bracketDepth(next, depth);
      if (depth <= 0) {
        pieces = [{ line: i, column: valueStart, text: valueText }];
        for (let l = i + 1; l <= j; l++) pieces.push({ line: l, column: 0, text: l === j ? lines.at(l).trimEnd() : lines.at(l) });
        last = j;
      }
    }
  }
  if (!pieces) {
    const known = cache.value(key, valueText);
    if (known) return { setting: new SettingNode(key, known.text, known.value, noPlaceholders, i, match.start, valueStart, i, valueEnd), last };
    const source = new ValueText([{ line: i, column: valueStart, text: valueText }]);
    const problems: ValueProblem[] = [];
    const value = readSettingValue(key, source, problems);
    for (const problem of problems) report('error', problem.message, problem.range, 'bad-value');
    const placeholders = source.placeholders(placeholderProblems);
    if (problems.length === 0 && placeholders.length === 0 && !valueText.includes('{{')) cache.remember(key, valueText, value);
    return { setting: new SettingNode(key, valueText, value, placeholders, i, match.start, valueStart, i, valueEnd), last };
  }
  const source = new ValueText(pieces);
  const problems: ValueProblem[] = [];
  const value = readSettingValue(key, source, problems);
  for (const problem of problems) report('error', problem.message, problem.range, 'bad-value');
  const endPiece = pieces[pieces.length - 1] ?? { line: i, column: valueStart, text: valueText };
  const setting = new SettingNode(key, source.text, value, source.placeholders(placeholderProblems), i, match.start, valueStart, last, endPiece.column + endPiece.text.length);
  return { setting, last };
}
