/**
 * From `expect:` lines to the expectations each request carries. A line without
 * placeholders is checked and built once per block (header lines once per file
 * and grader), and every request of the block shares the result; a line with
 * `{{…}}` is filled in per request and checked then, its parsed form kept per
 * distinct text so a data column of a few labels parses a few times.
 */
import type { SourceRange } from '../models';
import { lineRange } from '../language/syntax/lines';
import { render } from '../language/syntax/template';
import type { Template } from '../language/syntax/template';
import { judgeOf, parseArgument, parseCheck, schemaOf, withInner } from './checkGrammar';
import type { ArgumentKind, Check, Expectation, Grader } from './checkGrammar';

/** One `expect:` line as the parser reads it. */
export interface ExpectLine {
  readonly line: number;
  /** Column just after `expect:`. */
  readonly column: number;
  /** Everything after `expect:`, as written. */
  readonly text: string;
  readonly template: Template;
}

export type SchemaLoad = { readonly ok: true; readonly schema: unknown } | { readonly ok: false; readonly message: string };

/** What planning expectations needs from the file's expansion. */
export interface ExpectContext {
  error(message: string, range: SourceRange, code: string): void;
  /** Reads (once) a JSON Schema file named relative to the .llmbatch file. */
  loadSchema(path: string): SchemaLoad;
  /** Expectations of lines without placeholders and judges, shared by every block. */
  readonly shared: Map<ExpectLine, Expectation>;
}

interface DynamicExpectation {
  readonly line: ExpectLine;
  readonly range: SourceRange;
  /** Filled-in texts (or, with `argument`, arguments) already parsed: the expectation, or what is wrong. */
  readonly parsed: Map<string, Expectation | string>;
  /**
   * Set when placeholders are only in the argument: the check's kind and `not`s are then
   * known, and each request's argument is read on its own from `start` on.
   */
  readonly argument?: { readonly start: number; readonly kind: ArgumentKind; readonly nots: number };
}

export interface ExpectPlan {
  /** Set when no line has placeholders: every request carries this same list. */
  readonly fixed?: readonly Expectation[];
  readonly entries: readonly (Expectation | DynamicExpectation)[];
  readonly grader?: Grader;
}

const maxParsedTexts = 10_000;

/** The `expect:` line's range. */
export function expectLineRange(line: ExpectLine): SourceRange {
  return lineRange(line.line, 0, line.column + line.text.length);
}

function textRange(line: ExpectLine, start: number, end: number): SourceRange {
  return lineRange(line.line, line.column + start, line.column + end);
}

/**
 * Completes a parsed check: a judge gets its grader, a schema file is read.
 * Returns a message when that is impossible.
 */
function complete(check: Check, grader: Grader | undefined, loadSchema: (path: string) => SchemaLoad): Check | { problem: string; at: 'judge' | 'schema' } {
  const judge = judgeOf(check);
  if (judge) {
    if (!grader) return { problem: 'a judge check needs a grader model: set @judge_model (and, for another endpoint, @judge_provider)', at: 'judge' };
    return withInner(check, { ...judge, grader });
  }
  const schema = schemaOf(check);
  if (schema?.path !== undefined) {
    const load = loadSchema(schema.path);
    if (!load.ok) return { problem: load.message, at: 'schema' };
    return withInner(check, { ...schema, schema: load.schema });
  }
  return check;
}

/** Where the keyword `judge`, or the path after `schema`, sits in an expect line's text. */
function locate(text: string, word: 'judge' | 'schema'): { start: number; end: number } {
  const match = word === 'judge' ? /\bjudge\b/.exec(text) : /\bschema\s+(.*\S)/.exec(text);
  if (!match) return { start: 0, end: text.length };
  const end = match.index + match[0].length;
  return { start: word === 'judge' ? match.index : end - (match[1] ?? '').length, end };
}

/** Plans a block's expectations (header lines first); problems are reported as errors. */
export function planExpectations(lines: readonly ExpectLine[], grader: Grader | undefined, context: ExpectContext): ExpectPlan {
  const entries: (Expectation | DynamicExpectation)[] = [];
  let dynamic = false;
  for (const line of lines) {
    const pending = line.template.text === undefined;
    const parsed = parseCheck(line.text, { pending });
    if (!parsed.ok) {
      context.error(parsed.problem.message, textRange(line, parsed.problem.start, parsed.problem.end), parsed.problem.code);
      continue;
    }
    if (pending) {
      if (judgeOf(parsed.check) && !grader) {
        const at = locate(line.text, 'judge');
        context.error('a judge check needs a grader model: set @judge_model (and, for another endpoint, @judge_provider)', textRange(line, at.start, at.end), 'judge-model');
        continue;
      }
      dynamic = true;
      entries.push({ line, range: expectLineRange(line), parsed: new Map(), ...fixedKind(line, parsed.check, parsed.argumentStart) });
      continue;
    }
    const cached = judgeOf(parsed.check) ? undefined : context.shared.get(line);
    if (cached) {
      entries.push(cached);
      continue;
    }
    const completed = complete(parsed.check, grader, context.loadSchema);
    if ('problem' in completed) {
      const at = locate(line.text, completed.at);
      context.error(completed.problem, textRange(line, at.start, at.end), completed.at === 'judge' ? 'judge-model' : 'schema-file');
      continue;
    }
    const expectation: Expectation = { source: line.text.trim(), check: completed, range: expectLineRange(line), shared: true };
    if (!judgeOf(completed)) context.shared.set(line, expectation);
    entries.push(expectation);
  }
  return dynamic ? { entries, ...(grader && { grader }) } : { fixed: entries as Expectation[], entries, ...(grader && { grader }) };
}

/** The kind and `not`s of a check whose placeholders all lie in its argument. */
function fixedKind(line: ExpectLine, check: Check, argumentStart: number | undefined): Pick<DynamicExpectation, 'argument'> | undefined {
  if (argumentStart === undefined) return undefined;
  for (const part of line.template.parts) {
    if (typeof part === 'string') continue;
    if (!part.range || part.range.startColumn - line.column < argumentStart) return undefined;
    break;
  }
  let nots = 0;
  let inner = check;
  while (inner.kind === 'not') {
    nots++;
    inner = inner.check;
  }
  return { argument: { start: argumentStart, kind: inner.kind, nots } };
}

function negated(check: Check, nots: number): Check {
  let result = check;
  for (let i = 0; i < nots; i++) result = { kind: 'not', check: result };
  return result;
}

/** Parses one request's filled-in expect line: the expectation, or what is wrong with it. */
function parseFilled(entry: DynamicExpectation, text: string, grader: Grader | undefined, loadSchema: (path: string) => SchemaLoad): Expectation | string {
  const argument = entry.argument;
  const parsed = argument ? parseArgument(argument.kind, text.slice(argument.start).trim(), 0) : parseCheck(text);
  if (!parsed.ok) return `${parsed.problem.message} — in "expect: ${text.trim()}"`;
  const completed = complete(argument ? negated(parsed.check, argument.nots) : parsed.check, grader, loadSchema);
  if ('problem' in completed) return `${completed.problem} — in "expect: ${text.trim()}"`;
  return { source: text.trim(), check: completed, range: entry.range };
}

/**
 * The expectations of one request of a block with placeholders in its expect lines,
 * or undefined when one of them is malformed once filled in (reported, with `where`).
 */
export function resolveExpectations(
  plan: ExpectPlan,
  lookup: (name: string) => unknown,
  loadSchema: (path: string) => SchemaLoad,
  report: (message: string, range: SourceRange) => void,
  where: string,
): readonly Expectation[] | undefined {
  const list = new Array<Expectation>(plan.entries.length);
  let ok = true;
  for (let i = 0; i < plan.entries.length; i++) {
    const entry = plan.entries[i] as Expectation | DynamicExpectation;
    if (!('line' in entry)) {
      list[i] = entry;
      continue;
    }
    const text = render(entry.line.template, lookup);
    let known = entry.parsed.get(text);
    if (known === undefined) {
      known = parseFilled(entry, text, plan.grader, loadSchema);
      if (entry.parsed.size < maxParsedTexts) entry.parsed.set(text, known);
    }
    if (typeof known === 'string') {
      report(`${known}${where}`, textRange(entry.line, 0, entry.line.text.length));
      ok = false;
      continue;
    }
    list[i] = known;
  }
  return ok ? list : undefined;
}
