/**
 * Reading a setting's value: JSON when it parses as JSON, otherwise the trimmed
 * text; a JSON list is a sweep. Positions inside the value are kept so problems
 * with one element of a sweep can be underlined on that element.
 */
import { deepNestingOffset, maxJsonDepth } from '../../jsonDepth';
import type { SourceRange } from '../../models';
import { findJsonSyntaxError } from '../../jsonSyntax';
import { isListValued } from '../settings/parameters';
import { TemplateBuilder } from './template';
import type { Placeholder, PlaceholderProblem, Template } from './template';

export interface SweepElement {
  readonly value: unknown;
  readonly range: SourceRange;
}

/**
 * - `value`: one value (JSON, or text; text with placeholders also has a `template`);
 * - `sweep`: one request per element;
 * - `reference`: the whole value is `{{name}}` and takes that variable's value as is;
 * - `invalid`: a diagnostic has been reported.
 */
export type SettingValue =
  | { readonly kind: 'value'; readonly value: unknown; readonly template?: Template }
  | { readonly kind: 'sweep'; readonly elements: readonly SweepElement[] }
  | { readonly kind: 'reference'; readonly name: string; readonly range: SourceRange }
  | { readonly kind: 'invalid' };

/** The source lines a value was read from, for turning offsets in its text into ranges. */
export class ValueText {
  readonly text: string;
  private readonly starts: number[] = [];

  constructor(private readonly pieces: readonly { line: number; column: number; text: string }[]) {
    let offset = 0;
    for (const piece of pieces) {
      this.starts.push(offset);
      offset += piece.text.length + 1;
    }
    this.text = pieces.length === 1 ? (pieces[0]?.text ?? '') : pieces.map((piece) => piece.text).join('\n');
  }

  position(offset: number): { line: number; column: number } {
    let index = this.pieces.length - 1;
    while (index > 0 && (this.starts[index] ?? 0) > offset) index--;
    const piece = this.pieces[index] ?? { line: 0, column: 0, text: '' };
    const within = Math.min(Math.max(0, offset - (this.starts[index] ?? 0)), piece.text.length);
    return { line: piece.line, column: piece.column + within };
  }

  range(start: number, end: number): SourceRange {
    const from = this.position(start);
    const to = this.position(Math.max(start, end));
    return { startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column };
  }

  get whole(): SourceRange {
    return this.range(0, this.text.length);
  }

  /** Finds `{{…}}` placeholders with their positions, line by line. */
  placeholders(problems?: PlaceholderProblem[]): readonly Placeholder[] {
    if (this.pieces.every((piece) => !piece.text.includes('{{'))) return noPlaceholders;
    const found: Placeholder[] = [];
    for (const piece of this.pieces) {
      if (!piece.text.includes('{{')) continue;
      const builder = new TemplateBuilder();
      builder.scan(piece.text, piece.line, piece.column, problems);
      for (const part of builder.finish().parts) if (typeof part !== 'string') found.push(part);
    }
    return found;
  }
}

const noPlaceholders: readonly Placeholder[] = Object.freeze([]);

export interface ValueProblem {
  readonly message: string;
  readonly range: SourceRange;
}

/** The name in `{{ name }}` when that is the whole text. */
function wholePlaceholder(text: string): string | undefined {
  if (!text.startsWith('{{') || !text.endsWith('}}') || text.length < 5) return undefined;
  const inner = text.slice(2, -2);
  if (inner.includes('{') || inner.includes('}')) return undefined;
  const name = inner.trim();
  return name === '' ? undefined : name;
}

/** True for values that must be valid JSON: they open a list, an object or a quoted string. */
export function looksLikeJson(text: string): boolean {
  const first = text.charCodeAt(0);
  if (first === 123) return text.charCodeAt(1) !== 123;
  return first === 91 || first === 34;
}

function tryNumberOrLiteral(text: string): { value: unknown } | undefined {
  if (text === 'true') return { value: true };
  if (text === 'false') return { value: false };
  if (text === 'null') return { value: null };
  const first = text.charCodeAt(0);
  if (first !== 45 && (first < 48 || first > 57)) return undefined;
  const value = Number(text);
  // Number() also accepts `0x10`, `1_0`-free forms JSON rejects; keep JSON's reading.
  if (!Number.isFinite(value) || !/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  return { value };
}

/** Offsets of the top-level elements of a valid JSON list. */
function elementSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let lastNonSpace = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) {
        inString = false;
        lastNonSpace = i;
      }
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (depth === 1 && start < 0 && c !== 93 && c !== 44) start = i;
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) {
      depth--;
      if (depth === 0) {
        if (start >= 0) spans.push([start, lastNonSpace + 1]);
        break;
      }
    } else if (c === 44 && depth === 1) {
      spans.push([start, lastNonSpace + 1]);
      start = -1;
    }
    if (!inString) lastNonSpace = i;
  }
  return spans;
}

/**
 * Interprets the value of `@key`. Problems (bad JSON, empty sweep) are added to
 * `problems` and give an `invalid` value.
 */
export function readSettingValue(key: string, source: ValueText, problems: ValueProblem[]): SettingValue {
  const text = source.text;
  if (text === '') return { kind: 'value', value: '' };
  const name = wholePlaceholder(text);
  if (name !== undefined) return { kind: 'reference', name, range: source.whole };
  if (looksLikeJson(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const error = findJsonSyntaxError(text) ?? { offset: 0, message: 'not valid JSON' };
      const range = error.offset >= text.length ? source.range(text.length, text.length) : source.range(error.offset, error.offset + 1);
      problems.push({ message: `@${key}: ${error.message} — a value starting with ${text[0]} must be valid JSON; put text in "quotes"`, range });
      return { kind: 'invalid' };
    }
    const deep = deepNestingOffset(text);
    if (deep !== undefined) {
      problems.push({ message: `@${key} nests lists and objects more than ${maxJsonDepth} levels deep, more than a request may hold`, range: source.range(deep, deep + 1) });
      return { kind: 'invalid' };
    }
    if (Array.isArray(value) && isSweep(key, value)) {
      if (value.length === 0) {
        problems.push({ message: `@${key} = [] sweeps over nothing: the block would send no requests`, range: source.whole });
        return { kind: 'invalid' };
      }
      const spans = elementSpans(text);
      const elements = value.map((element, index) => {
        const span = spans[index];
        return { value: element as unknown, range: span ? source.range(span[0], span[1]) : source.whole };
      });
      return { kind: 'sweep', elements };
    }
    return { kind: 'value', value };
  }
  const literal = tryNumberOrLiteral(text);
  if (literal) return { kind: 'value', value: literal.value };
  if (!text.includes('{{')) return { kind: 'value', value: text };
  const builder = new TemplateBuilder();
  const position = source.position(0);
  builder.scan(text, position.line, position.column);
  const template = builder.finish();
  return template.text !== undefined ? { kind: 'value', value: template.text } : { kind: 'value', value: text, template };
}

/** A list sweeps, except for list-valued parameters, where only a list of lists does. */
function isSweep(key: string, value: unknown[]): boolean {
  if (!isListValued(key)) return true;
  return value.length > 0 && value.every((element) => Array.isArray(element));
}
