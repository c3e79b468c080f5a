/**
 * Line-level reading of `.llmbatch` text: splitting, source ranges, and recognising
 * the kinds of structural line (block separator, role line, `expect:` line, setting).
 */
import type { SourceRange } from '../../models';
import { isKnownSetting } from '../settings/parameters';

/**
 * The lines of a text, counted the way the editor counts them: `\r\n`, `\n` and a
 * lone `\r` all end a line, so diagnostic positions line up with what the user sees.
 * Lines are cut from the text on demand: only the ones a parse keeps stay in memory.
 */
export class SourceLines {
  readonly count: number;
  /** Start and end offset of every line, end excluding the line break. */
  private readonly bounds: Int32Array;

  constructor(readonly text: string) {
    let count = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
    const crlf = text.includes('\r');
    if (crlf) {
      count = 1;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) count++;
      }
    }
    const bounds = new Int32Array(count * 2);
    let line = 0;
    let start = 0;
    if (!crlf) {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        bounds[line * 2] = start;
        bounds[line * 2 + 1] = i;
        line++;
        start = i + 1;
      }
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        bounds[line * 2] = start;
        bounds[line * 2 + 1] = i;
        line++;
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
    }
    bounds[line * 2] = start;
    bounds[line * 2 + 1] = text.length;
    this.count = count;
    this.bounds = bounds;
  }

  /** The text of line `index` (empty past the end). */
  at(index: number): string {
    if (index < 0 || index >= this.count) return '';
    return this.text.slice(this.bounds[index * 2], this.bounds[index * 2 + 1]);
  }

  lengthOf(index: number): number {
    if (index < 0 || index >= this.count) return 0;
    return (this.bounds[index * 2 + 1] ?? 0) - (this.bounds[index * 2] ?? 0);
  }

  lengths(): number[] {
    const lengths = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) lengths[i] = this.lengthOf(i);
    return lengths;
  }
}

export function spanRange(startLine: number, startColumn: number, endLine: number, endColumn: number): SourceRange {
  return { startLine, startColumn, endLine, endColumn };
}

export function lineRange(line: number, startColumn: number, endColumn: number): SourceRange {
  return { startLine: line, startColumn, endLine: line, endColumn };
}

/** `###` or `### name`; `####…` and `###name` are not separators. */
export function isSeparator(line: string): boolean {
  if (line.charCodeAt(0) !== 35 || !line.startsWith('###')) return false;
  const next = line.charCodeAt(3);
  return line.length === 3 || next === 32 || next === 9;
}

export const messageRoles = ['system', 'user', 'assistant', 'developer', 'tool'] as const;
export type MessageRole = (typeof messageRoles)[number];

export interface RoleLine {
  readonly role: MessageRole;
  /** Text in parentheses: `user (alice):`, `tool (call_1):`. */
  readonly label?: string;
  /** Column just after the colon. */
  readonly end: number;
}

/** Recognises `role:` or `role (label):` at the very start of a line. */
export function matchRole(line: string): RoleLine | undefined {
  let role: MessageRole;
  // Dispatch on the first letter: most text lines are rejected after one comparison.
  switch (line.charCodeAt(0)) {
    case 115:
      role = 'system';
      break;
    case 117:
      role = 'user';
      break;
    case 97:
      role = 'assistant';
      break;
    case 100:
      role = 'developer';
      break;
    case 116:
      role = 'tool';
      break;
    default:
      return undefined;
  }
  if (!line.startsWith(role)) return undefined;
  let i = role.length;
  if (line.charCodeAt(i) === 58) return { role, end: i + 1 };
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  if (line.charCodeAt(i) !== 40) return undefined;
  const close = line.indexOf(')', i + 1);
  if (close < 0 || line.charCodeAt(close + 1) !== 58) return undefined;
  const inner = line.slice(i + 1, close);
  if (inner.includes('(')) return undefined;
  const label = inner.trim();
  return label === '' ? { role, end: close + 2 } : { role, label, end: close + 2 };
}

/** Column after `expect:` when the line is an expectation (written at the very start, like a role line), else -1. */
export function matchExpect(line: string): number {
  return line.charCodeAt(0) === 101 && line.startsWith('expect:') ? 7 : -1;
}

export interface SettingLine {
  readonly key: string;
  readonly keyStart: number;
  /** Column of the `@`. */
  readonly start: number;
  /** Column after the key. */
  readonly keyEnd: number;
  /** Column after `=`, or -1 when the line has no `=` where one belongs. */
  readonly equals: number;
}

function isKeyStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isKeyPart(code: number): boolean {
  return isKeyStart(code) || (code >= 48 && code <= 57) || code === 45 || code === 46;
}

/** Index of the first character from `from` on that is not a space or tab. */
export function indentOf(line: string, from = 0): number {
  let i = from;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

/**
 * Recognises `@key = value` (leading spaces allowed). Returns undefined when the
 * line does not start with `@`; `key` is empty when no name follows the `@`.
 */
export function matchSetting(line: string): SettingLine | undefined {
  const start = indentOf(line);
  if (line.charCodeAt(start) !== 64) return undefined;
  const keyStart = start + 1;
  let i = keyStart;
  if (isKeyStart(line.charCodeAt(i))) {
    i++;
    while (i < line.length && isKeyPart(line.charCodeAt(i))) i++;
  }
  const keyEnd = i;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  const equals = line.charCodeAt(i) === 61 ? i + 1 : -1;
  return { key: line.slice(keyStart, keyEnd), keyStart, start, keyEnd, equals };
}

/** True for a line of nothing but whitespace. */
export function isBlank(line: string): boolean {
  const indent = indentOf(line);
  if (indent === line.length) return true;
  const c = line.charCodeAt(indent);
  // Only unusual whitespace (form feed, no-break space, …) needs the full check.
  if ((c > 32 && c < 128) || (c > 160 && c < 0x1680)) return false;
  return line.trim() === '';
}

/**
 * When a line in message text starts with backslashes and would otherwise end the
 * message (or read as a setting), one backslash is dropped; other lines are literal.
 */
export function unescapesMessageLine(line: string): boolean {
  if (line.charCodeAt(0) !== 92) return false;
  let k = 1;
  while (line.charCodeAt(k) === 92) k++;
  const rest = line.slice(k);
  return isSeparator(rest) || matchRole(rest) !== undefined || matchExpect(rest) >= 0 || readsAsKnownSetting(rest) !== undefined;
}

/** The key of a line that reads as `@key = …` for a known setting. */
export function readsAsKnownSetting(line: string): string | undefined {
  const setting = matchSetting(line);
  return setting && setting.equals >= 0 && isKnownSetting(setting.key) ? setting.key : undefined;
}
