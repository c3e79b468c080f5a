/**
 * The grammar of one `expect:` line: `[not] KIND [ARGUMENT]`. Parsing is apart
 * from evaluation so the editor can report a malformed check, with the exact
 * columns of what is wrong, before anything runs.
 */
import type { SourceRange } from '../sourceRange';
import { closestName } from '../language/settings/suggestions';

export type Comparison = '<=' | '<' | '>=' | '>' | '=';

export type TextCheckKind = 'equals' | 'iequals' | 'contains' | 'icontains';

export type Check =
  | { readonly kind: TextCheckKind; readonly text: string }
  | { readonly kind: 'matches'; readonly regex: RegExp }
  | { readonly kind: 'json' }
  /** `schema` alone validates against the request's `response_format.json_schema.schema`. */
  | { readonly kind: 'schema'; readonly path?: string; readonly schema?: unknown }
  | { readonly kind: 'tokens' | 'latency'; readonly comparison: Comparison; readonly limit: number }
  /** `grader` is filled in from `@judge_model` / `@judge_provider` when the block is planned. */
  | { readonly kind: 'judge'; readonly rubric: string; readonly grader?: Grader }
  | { readonly kind: 'not'; readonly check: Check };

export interface Grader {
  readonly model: string;
  /** The profile the grader request goes to; absent: the request's own. */
  readonly provider?: string;
}

export const checkKinds = ['equals', 'iequals', 'contains', 'icontains', 'matches', 'json', 'schema', 'tokens', 'latency', 'judge', 'not'] as const;

/** A problem in a check, at `start`…`end` of the text handed to {@link parseCheck}. */
export interface CheckProblem {
  readonly message: string;
  readonly start: number;
  readonly end: number;
  readonly code: 'unknown-check' | 'invalid-check' | 'invalid-regex';
}

export type ParsedCheck =
  /** `argumentStart`: where the innermost check's argument starts in the text. */
  | { readonly ok: true; readonly check: Check; readonly argumentStart?: number }
  | { readonly ok: false; readonly problem: CheckProblem };

export type ArgumentKind = Exclude<(typeof checkKinds)[number], 'not'>;

export interface ParseCheckOptions {
  /** The argument still holds `{{…}}` placeholders: only its presence is checked, not its form. */
  readonly pending?: boolean;
}

const comparisons: readonly Comparison[] = ['<=', '>=', '<', '>', '='];

/** Whitespace-trimmed bounds of `text[from…to)`. */
function trimmed(text: string, from: number, to = text.length): { start: number; end: number } {
  let start = from;
  let end = to;
  while (start < end && /\s/.test(text.charAt(start))) start++;
  while (end > start && /\s/.test(text.charAt(end - 1))) end--;
  return { start, end };
}

function problem(message: string, start: number, end: number, code: CheckProblem['code'] = 'invalid-check'): ParsedCheck {
  return { ok: false, problem: { message, start, end, code } };
}

/** Parses the check written after `expect:`; offsets in problems are into `text`. */
export function parseCheck(text: string, options: ParseCheckOptions = {}): ParsedCheck {
  return parseFrom(text, 0, options);
}

function parseFrom(text: string, from: number, options: ParseCheckOptions): ParsedCheck {
  const { start, end } = trimmed(text, from);
  if (start === end) return problem(`expect: needs a check, such as "contains TEXT" (checks: ${checkKinds.join(', ')})`, start, start);
  let wordEnd = start;
  while (wordEnd < end && /[A-Za-z_]/.test(text.charAt(wordEnd))) wordEnd++;
  if (wordEnd === start) return problem(`expect: starts with the name of a check, such as "contains" (checks: ${checkKinds.join(', ')})`, start, start + 1, 'unknown-check');
  const word = text.slice(start, wordEnd);
  const kind = (checkKinds as readonly string[]).includes(word) ? (word as (typeof checkKinds)[number]) : undefined;
  if (kind === undefined) {
    const suggestion = closestName(word, checkKinds);
    const hint = suggestion === undefined ? ` (checks: ${checkKinds.join(', ')})` : ` — did you mean "${suggestion}"?`;
    return problem(`unknown check "${word}"${hint}`, start, wordEnd, 'unknown-check');
  }
  if (wordEnd < end && !/\s/.test(text.charAt(wordEnd))) return problem(`"${kind}" is followed by a space and then its argument`, wordEnd, wordEnd + 1);
  const argument = trimmed(text, wordEnd, end);
  const argumentText = text.slice(argument.start, argument.end);
  if (kind === 'not') {
    if (argumentText === '') return problem('"not" needs a check to negate, such as "not contains sorry"', start, wordEnd);
    const inner = parseFrom(text, argument.start, options);
    return inner.ok ? { ...inner, check: { kind: 'not', check: inner.check } } : inner;
  }
  const parsed = parseArgument(kind, argumentText, argument.start, options, start, wordEnd);
  return parsed.ok ? { ...parsed, argumentStart: argument.start } : parsed;
}

/**
 * The check `kind` with `argumentText` (trimmed, at `offset` in the line's text);
 * a missing argument is reported at `kindStart`…`kindEnd`.
 */
export function parseArgument(kind: ArgumentKind, argumentText: string, offset: number, options: ParseCheckOptions = {}, kindStart = 0, kindEnd = 0): ParsedCheck {
  const missing = (what: string): ParsedCheck => problem(`"${kind}" needs ${what}`, kindStart, kindEnd);
  const noArgument = (): ParsedCheck | undefined =>
    argumentText === '' ? undefined : problem(`"${kind}" takes no argument`, offset, offset + argumentText.length);
  switch (kind) {
    case 'equals':
    case 'iequals':
    case 'contains':
    case 'icontains':
      if (argumentText === '') return missing('the text to look for');
      return { ok: true, check: { kind, text: argumentText } };
    case 'judge':
      if (argumentText === '') return missing('a rubric: what a good answer does, in words');
      return { ok: true, check: { kind, rubric: argumentText } };
    case 'json':
      return noArgument() ?? { ok: true, check: { kind } };
    case 'schema':
      return { ok: true, check: argumentText === '' ? { kind } : { kind, path: argumentText } };
    case 'matches':
      if (argumentText === '') return missing('a regular expression written /REGEX/FLAGS');
      if (options.pending) return { ok: true, check: { kind, regex: /(?:)/ } };
      return parseRegex(argumentText, offset);
    case 'tokens':
    case 'latency':
      return parseLimit(kind, argumentText, offset, options);
  }
}

function parseRegex(argument: string, offset: number): ParsedCheck {
  const close = argument.lastIndexOf('/');
  if (!argument.startsWith('/') || close === 0) return problem('write the regular expression between slashes: /REGEX/FLAGS', offset, offset + argument.length, 'invalid-regex');
  const source = argument.slice(1, close);
  const flags = argument.slice(close + 1);
  if (source === '') return problem('the regular expression is empty', offset, offset + argument.length, 'invalid-regex');
  try {
    return { ok: true, check: { kind: 'matches', regex: new RegExp(source, flags) } };
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^Invalid (regular expression|flags supplied to RegExp constructor): /, '') : String(error);
    return problem(`invalid regular expression: ${message}`, offset, offset + argument.length, 'invalid-regex');
  }
}

function parseLimit(kind: 'tokens' | 'latency', argument: string, offset: number, options: ParseCheckOptions): ParsedCheck {
  const unit = kind === 'tokens' ? 'N' : 'MS';
  const comparison = comparisons.find((candidate) => argument.startsWith(candidate));
  if (!comparison) return problem(`"${kind}" is followed by a comparison and a number, such as "${kind} <= ${kind === 'tokens' ? 200 : 2000}"`, offset, offset + argument.length);
  const numberText = argument.slice(comparison.length).trim();
  if (options.pending && numberText.includes('{{')) return { ok: true, check: { kind, comparison, limit: 0 } };
  const limit = Number(numberText);
  if (numberText === '' || !Number.isFinite(limit) || limit < 0) {
    return problem(`"${kind} ${comparison}" needs a number ${unit} ≥ 0 (got "${numberText}")`, numberText === '' ? offset : offset + comparison.length, offset + argument.length);
  }
  return { ok: true, check: { kind, comparison, limit } };
}

/** The judge check inside a check, through any `not`. */
export function judgeOf(check: Check): Extract<Check, { kind: 'judge' }> | undefined {
  let inner = check;
  while (inner.kind === 'not') inner = inner.check;
  return inner.kind === 'judge' ? inner : undefined;
}

/** The schema check inside a check, through any `not`. */
export function schemaOf(check: Check): Extract<Check, { kind: 'schema' }> | undefined {
  let inner = check;
  while (inner.kind === 'not') inner = inner.check;
  return inner.kind === 'schema' ? inner : undefined;
}

/** The check with its innermost check replaced (under the same `not`s). */
export function withInner(check: Check, inner: Check): Check {
  return check.kind === 'not' ? { kind: 'not', check: withInner(check.check, inner) } : inner;
}

/** One `expect:` line as a request carries it: placeholders filled in, files read. */
export interface Expectation {
  /** The check as written after `expect:`, placeholders filled in. */
  readonly source: string;
  readonly check: Check;
  /** The `expect:` line. */
  readonly range?: SourceRange;
  /** Set when every request of a block carries this very object (a line without placeholders). */
  readonly shared?: true;
}
