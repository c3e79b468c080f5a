/**
 * Line-level reading of `.llmbatch` text: splitting, source ranges, and recognising
 * the three kinds of structural line (block separator, role line, setting).
 */
import type { SourceRange } from '../models';

/**
 * Splits text into lines the way the editor counts them: `\r\n`, `\n` and a lone
 * `\r` all end a line, so diagnostic positions line up with what the user sees.
 */
export function splitLines(text: string): string[] {
  return text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n');
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

const rolePattern = /^(system|user|assistant|developer|tool)(?:[ \t]*\(([^()]*)\))?:/;

/** Recognises `role:` or `role (label):` at the very start of a line. */
export function matchRole(line: string): RoleLine | undefined {
  const first = line.charCodeAt(0);
  // s, u, a, d, t: skips the regex for the vast majority of text lines.
  if (first !== 115 && first !== 117 && first !== 97 && first !== 100 && first !== 116) return undefined;
  const match = rolePattern.exec(line);
  if (!match) return undefined;
  const label = match[2]?.trim();
  return { role: match[1] as MessageRole, label: label === undefined || label === '' ? undefined : label, end: match[0].length };
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

/** Index of the first character that is not a space or tab. */
export function indentOf(line: string): number {
  let i = 0;
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
