/**
 * Deciding each check on one answer. Everything but `judge` is decided here from
 * the answer alone; a judge check takes the grader's verdict, obtained elsewhere
 * through the engine. Runs once per answer, so a warm run of a large file scores
 * in little more time than it takes to read its cache.
 */
import type { LLMRequest, SuccessResult } from '../models';
import type { CheckOutcome, RequestOutcome } from './outcomes';
import { readJsonAnswer } from './answerJson';
import type { Check, Comparison, Expectation } from './checkGrammar';
import type { GraderVerdict } from './judge';
import type { SchemaValidators } from './schemaValidators';

/** What the checks look at. */
export interface ScoredAnswer {
  /** `choices[0].message.content`; '' when the answer has no text. */
  readonly text: string;
  readonly completionTokens?: number;
  readonly latencyMs: number;
  readonly request: LLMRequest;
}

export interface Verdict {
  readonly pass: boolean;
  readonly reason: string;
  readonly error?: true;
}

export interface EvaluationContext {
  /** Needed once a `schema` check is evaluated (see `SchemaValidators.load`). */
  readonly validators?: SchemaValidators;
  /** The grader's verdict for the judge check of expectation `index`. */
  readonly verdict?: (index: number) => GraderVerdict | undefined;
}

const shownLength = 80;

function shown(text: string): string {
  // Most answers quoted are short and on one line: they need no flattening.
  const head = text.length > shownLength * 2 ? text.slice(0, shownLength * 2) : text;
  const flat = /[\t\n\r\f\v]| {2}/.test(head) ? head.replace(/\s+/g, ' ').trim() : head.trim();
  return `"${flat.length > shownLength ? `${flat.slice(0, shownLength)}…` : flat}"`;
}

function compare(value: number, comparison: Comparison, limit: number): boolean {
  switch (comparison) {
    case '<=':
      return value <= limit;
    case '<':
      return value < limit;
    case '>=':
      return value >= limit;
    case '>':
      return value > limit;
    case '=':
      return value === limit;
  }
}

/** The answer as the checks see it: the first choice's text, its completion tokens, its latency. */
export function answerOf(result: SuccessResult, request: LLMRequest): ScoredAnswer {
  const content = result.response.choices[0]?.message.content;
  const completionTokens = result.response.usage?.completion_tokens;
  return { text: typeof content === 'string' ? content : '', latencyMs: result.answerLatencyMs ?? result.latencyMs, request, ...(completionTokens !== undefined && { completionTokens }) };
}

function requestSchema(request: LLMRequest): unknown {
  const format = request.response_format as { json_schema?: { schema?: unknown } } | undefined;
  return format?.json_schema?.schema;
}

/** Decides `check` on `answer`; a judge check needs `verdict`. Reasons state what was found, so they read right under `not` too. */
export function evaluateCheck(check: Check, answer: ScoredAnswer, context: EvaluationContext, verdict?: GraderVerdict): Verdict {
  const text = answer.text;
  switch (check.kind) {
    case 'not': {
      const inner = evaluateCheck(check.check, answer, context, verdict);
      return inner.error ? inner : { pass: !inner.pass, reason: inner.reason };
    }
    case 'equals':
    case 'iequals': {
      const actual = text.trim();
      const equal = check.kind === 'equals' ? actual === check.text : actual.toLowerCase() === check.text.toLowerCase();
      return { pass: equal, reason: equal ? `the answer is ${shown(check.text)}` : `the answer is ${shown(actual)}, not ${shown(check.text)}` };
    }
    case 'contains':
    case 'icontains': {
      const found = check.kind === 'contains' ? text.includes(check.text) : text.toLowerCase().includes(check.text.toLowerCase());
      return { pass: found, reason: `the answer ${found ? 'contains' : 'does not contain'} ${shown(check.text)}` };
    }
    case 'matches': {
      check.regex.lastIndex = 0;
      const found = check.regex.test(text);
      return { pass: found, reason: `the answer ${found ? 'matches' : 'does not match'} ${String(check.regex)}` };
    }
    case 'json': {
      const json = readJsonAnswer(text);
      return json.ok ? { pass: true, reason: 'the answer is JSON' } : { pass: false, reason: json.message };
    }
    case 'schema': {
      const schema = check.path === undefined ? requestSchema(answer.request) : check.schema;
      if (schema === undefined) return { pass: false, error: true, reason: 'no schema to check against: name a schema file, or set @response_format with a json_schema' };
      if (!context.validators) return { pass: false, error: true, reason: 'the JSON Schema validator is not loaded' };
      const json = readJsonAnswer(text);
      if (!json.ok) return { pass: false, reason: json.message };
      const valid = context.validators.validate(schema, json.value);
      if (valid.ok) return { pass: true, reason: 'the JSON matches the schema' };
      return valid.invalidSchema ? { pass: false, error: true, reason: valid.message } : { pass: false, reason: `the JSON does not match the schema: ${valid.message}` };
    }
    case 'tokens': {
      const tokens = answer.completionTokens;
      if (tokens === undefined) return { pass: false, error: true, reason: 'the answer does not say how many tokens it used' };
      return { pass: compare(tokens, check.comparison, check.limit), reason: `the answer used ${tokens} completion tokens (expected ${check.comparison} ${check.limit})` };
    }
    case 'latency': {
      const latency = Math.round(answer.latencyMs);
      return { pass: compare(latency, check.comparison, check.limit), reason: `the answer took ${latency} ms (expected ${check.comparison} ${check.limit})` };
    }
    case 'judge':
      if (!verdict) return { pass: false, error: true, reason: 'the grader gave no verdict' };
      return verdict;
  }
}

// A shared expectation mostly meets the same few verdicts (a contains check has two): each is made
// once and shared, frozen, by every answer it fits — 100 000 answers then make almost no outcomes.
const sharedOutcomes = new WeakMap<Expectation, Map<string, CheckOutcome>>();
const maxSharedOutcomes = 64;

function outcomeOf(expectation: Expectation, verdict: Verdict): CheckOutcome {
  const make = (): CheckOutcome => {
    const outcome: { -readonly [K in keyof CheckOutcome]: CheckOutcome[K] } = { check: expectation.source, pass: verdict.pass, reason: verdict.reason };
    if (verdict.error) outcome.error = true;
    if (expectation.range) outcome.range = expectation.range;
    return outcome;
  };
  if (!expectation.shared) return make();
  let known = sharedOutcomes.get(expectation);
  if (!known) sharedOutcomes.set(expectation, (known = new Map()));
  const key = verdict.pass ? `+${verdict.reason}` : verdict.error ? `!${verdict.reason}` : `-${verdict.reason}`;
  let outcome = known.get(key);
  if (!outcome) {
    outcome = Object.freeze(make());
    if (known.size < maxSharedOutcomes) known.set(key, outcome);
  }
  return outcome;
}

/** The verdict on one answer: every expectation decided, in order. */
export function scoreAnswer(expectations: readonly Expectation[], answer: ScoredAnswer, context: EvaluationContext = {}): RequestOutcome {
  const checks = new Array<CheckOutcome>(expectations.length);
  let pass = true;
  for (let i = 0; i < expectations.length; i++) {
    const expectation = expectations[i] as Expectation;
    const verdict = evaluateCheck(expectation.check, answer, context, context.verdict?.(i));
    if (!verdict.pass) pass = false;
    checks[i] = outcomeOf(expectation, verdict);
  }
  return { pass, checks };
}

/** Whether any expectation (through `not`) is of `kind`. */
export function usesCheck(expectations: readonly Expectation[], kind: 'schema' | 'judge'): boolean {
  return expectations.some(({ check }) => {
    let inner = check;
    while (inner.kind === 'not') inner = inner.check;
    return inner.kind === kind;
  });
}
