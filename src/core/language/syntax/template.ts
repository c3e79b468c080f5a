/**
 * `{{name}}` placeholders: finding them (with their exact source positions) and
 * filling them in. A template is compiled once per message or value and rendered
 * once per request, so rendering a text without placeholders costs nothing.
 */
import type { SourceRange } from '../../models';
import { lineRange } from './lines';

export interface Placeholder {
  readonly name: string;
  /** Where `{{ name }}` is written; absent for placeholders inside decoded JSON strings. */
  readonly range?: SourceRange;
}

export interface Template {
  /** Set when the template has no placeholders: the text itself. */
  readonly text?: string;
  /** Literal text and placeholders, in order. */
  readonly parts: readonly (string | Placeholder)[];
}

/** A placeholder read from the file; its range is made only when asked for, since most are never shown. */
class SourcePlaceholder implements Placeholder {
  constructor(
    readonly name: string,
    private readonly line: number,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get range(): SourceRange {
    return lineRange(this.line, this.start, this.end);
  }

  /** Serialises as the plain placeholder it stands for. */
  toJSON(): Placeholder {
    return { name: this.name, range: this.range };
  }
}

export interface PlaceholderProblem {
  readonly message: string;
  readonly range: SourceRange;
}

/**
 * Builds a template line by line; literal text is joined only when a placeholder
 * or the end interrupts it. {@link finish} makes it ready for the next template:
 * one builder serves a whole parse, its lists grown once rather than per message.
 */
export class TemplateBuilder {
  // Filled up to the counts; entries past them are left over from earlier templates.
  private readonly parts: (string | Placeholder)[] = [];
  private partCount = 0;
  private readonly chunks: string[] = [];
  private chunkCount = 0;

  literal(text: string): void {
    if (text !== '') this.chunks[this.chunkCount++] = text;
  }

  placeholder(placeholder: Placeholder): void {
    if (this.chunkCount > 0) this.parts[this.partCount++] = this.joinChunks();
    this.parts[this.partCount++] = placeholder;
  }

  private joinChunks(): string {
    const count = this.chunkCount;
    if (count === 0) return '';
    this.chunkCount = 0;
    const chunks = this.chunks;
    // One chunk is used as it is: joining would copy it.
    if (count === 1) return chunks[0] as string;
    return (count === chunks.length ? chunks : chunks.slice(0, count)).join('');
  }

  /**
   * Adds `text` (one source line, or part of one) whose first character sits at
   * `line`:`column`; `\{{` is kept as a literal `{{`.
   */
  scan(text: string, line: number, column: number, problems?: PlaceholderProblem[]): void {
    let literalStart = 0;
    let position = 0;
    for (;;) {
      const open = text.indexOf('{{', position);
      if (open < 0) break;
      if (open > 0 && text.charCodeAt(open - 1) === 92) {
        this.literal(text.slice(literalStart, open - 1));
        literalStart = open;
        position = open + 2;
        continue;
      }
      const close = text.indexOf('}}', open + 2);
      if (close < 0) {
        if (problems && /^\s*[A-Za-z_]/.test(text.slice(open + 2, open + 40))) {
          problems.push({
            message: '"{{" is not closed on this line, so it is sent as written; write \\{{ to keep it without this warning',
            range: lineRange(line, column + open, column + open + 2),
          });
        }
        break;
      }
      const inner = text.slice(open + 2, close);
      const brace = Math.max(inner.lastIndexOf('{'), inner.lastIndexOf('}'));
      if (brace >= 0) {
        // Only a `{{` after the last brace can close here: `{{{x}}}` is a brace, {{x}}, a brace.
        const at = open + 2 + brace;
        position = text.charCodeAt(at) === 123 && text.charCodeAt(at - 1) === 123 ? at - 1 : at + 1;
        continue;
      }
      const name = inner.trim();
      if (name === '') {
        position = close + 2;
        continue;
      }
      this.literal(text.slice(literalStart, open));
      this.placeholder(new SourcePlaceholder(name, line, column + open, column + close + 2));
      literalStart = close + 2;
      position = close + 2;
    }
    this.literal(literalStart === 0 ? text : text.slice(literalStart));
  }

  finish(): Template {
    const tail = this.joinChunks();
    if (this.partCount === 0) return { text: tail, parts: tail === '' ? [] : [tail] };
    if (tail !== '') this.parts[this.partCount++] = tail;
    const parts = this.parts.slice(0, this.partCount);
    this.partCount = 0;
    return { parts };
  }
}

/** Compiles a string that has no source position of its own (a decoded JSON string, a data value). */
export function compileString(text: string): Template {
  if (!text.includes('{{')) return { text, parts: [text] };
  const builder = new TemplateBuilder();
  builder.scan(text, 0, 0);
  const template = builder.finish();
  // Positions from a decoded string would point at the wrong place in the file.
  return template.text !== undefined ? template : { parts: template.parts.map((part) => (typeof part === 'string' ? part : { name: part.name })) };
}

/** The names a template refers to. */
export function placeholdersOf(template: Template): Placeholder[] {
  return template.parts.filter((part): part is Placeholder => typeof part !== 'string');
}

/** How a value appears inside text: strings as they are, nothing for null, anything else as JSON. */
export function valueToText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return Array.isArray(value) ? '[…]' : '{…}';
  }
}

/** Fills in a template; `lookup` returns undefined for names it does not know. */
export function render(template: Template, lookup: (name: string) => unknown): string {
  if (template.text !== undefined) return template.text;
  const parts = template.parts;
  // Joined rather than added up: `+=` leaves a chain of pieces that each kept request would carry.
  const pieces = new Array<string>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string | Placeholder;
    pieces[i] = typeof part === 'string' ? part : valueToText(lookup(part.name));
  }
  return pieces.length === 1 ? (pieces[0] as string) : pieces.join('');
}
