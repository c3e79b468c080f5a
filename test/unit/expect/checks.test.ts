import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCheck } from '../../../src/core/expect/checkGrammar';
import type { Check, Expectation } from '../../../src/core/expect/checkGrammar';
import { evaluateCheck, scoreAnswer } from '../../../src/core/expect/evaluateCheck';
import type { ScoredAnswer } from '../../../src/core/expect/evaluateCheck';
import { SchemaValidators } from '../../../src/core/expect/schemaValidators';
import type { LLMRequest } from '../../../src/core/models';

const request: LLMRequest = { provider: 'echo', messages: [{ role: 'user', content: 'Classify: great' }], stream: false };

function answer(text: string, extra: Partial<ScoredAnswer> = {}): ScoredAnswer {
  return { text, completionTokens: 5, latencyMs: 120, request, ...extra };
}

function check(text: string): Check {
  const parsed = parseCheck(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.problem.message}`);
  return parsed.check;
}

/** [check, answer, passes] — and the negation must give the opposite. */
const golden: [string, string, boolean][] = [
  ['equals positive', '  positive\n', true],
  ['equals positive', 'Positive', false],
  ['iequals positive', ' POSITIVE ', true],
  ['iequals positive', 'negative', false],
  ['contains morning', 'Good morning!', true],
  ['contains Morning', 'Good morning!', false],
  ['icontains MORNING', 'Good morning!', true],
  ['icontains evening', 'Good morning!', false],
  ['matches /^(positive|negative)$/i', 'Negative', true],
  ['matches /^(positive|negative)$/', 'Negative.', false],
  ['json', '{"a": 1}', true],
  ['json', '```json\n{"a": 1}\n```', true],
  ['json', 'Sure! {"a": 1}', false],
  ['tokens <= 5', 'x', true],
  ['tokens < 5', 'x', false],
  ['latency <= 120', 'x', true],
  ['latency > 500', 'x', false],
];

describe('expect checks', () => {
  for (const [source, text, passes] of golden) {
    it(`"${source}" on ${JSON.stringify(text)} ${passes ? 'passes' : 'fails'}, and "not ${source}" does the opposite`, () => {
      const verdict = evaluateCheck(check(source), answer(text), {});
      assert.equal(verdict.pass, passes, verdict.reason);
      assert.equal(verdict.error, undefined);
      const negated = evaluateCheck(check(`not ${source}`), answer(text), {});
      assert.equal(negated.pass, !passes, negated.reason);
      assert.equal(negated.reason, verdict.reason);
    });
  }

  it('explains a failure with what the answer was', () => {
    assert.equal(evaluateCheck(check('equals positive'), answer('Positive!'), {}).reason, 'the answer is "Positive!", not "positive"');
    assert.equal(evaluateCheck(check('tokens <= 3'), answer('x'), {}).reason, 'the answer used 5 completion tokens (expected <= 3)');
    assert.match(evaluateCheck(check('json'), answer('nope'), {}).reason, /^the answer is not JSON/);
  });

  it('makes a tokens check an error, not a pass, when the answer has no usage — and not does not turn it into a pass', () => {
    const verdict = evaluateCheck(check('not tokens <= 1'), answer('x', { completionTokens: undefined }), {});
    assert.deepEqual([verdict.pass, verdict.error], [false, true]);
  });

  it('validates against a schema file and against the request\'s response_format, compiling each schema once', async () => {
    const validators = await SchemaValidators.load();
    const schema = { type: 'object', properties: { label: { enum: ['positive', 'negative'] } }, required: ['label'], additionalProperties: false };
    const fromFile: Check = { kind: 'schema', path: 'label.schema.json', schema };
    assert.equal(evaluateCheck(fromFile, answer('{"label": "positive"}'), { validators }).pass, true);
    const wrong = evaluateCheck(fromFile, answer('```json\n{"label": "maybe"}\n```'), { validators });
    assert.equal(wrong.pass, false);
    assert.match(wrong.reason, /does not match the schema: \/label must be equal to one of the allowed values/);
    assert.equal(evaluateCheck({ kind: 'not', check: fromFile }, answer('{"label": "maybe"}'), { validators }).pass, true);

    const structured: LLMRequest = { ...request, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } };
    assert.equal(evaluateCheck(check('schema'), answer('{"label": "negative"}', { request: structured }), { validators }).pass, true);
    assert.equal(evaluateCheck(check('schema'), answer('{"label": 1}', { request: structured }), { validators }).pass, false);
    const none = evaluateCheck(check('schema'), answer('{}'), { validators });
    assert.deepEqual([none.pass, none.error], [false, true]);

    const broken = evaluateCheck({ kind: 'schema', path: 'bad.json', schema: { type: 'wat' } }, answer('{}'), { validators });
    assert.deepEqual([broken.pass, broken.error], [false, true]);
    assert.match(broken.reason, /not a valid JSON Schema/);
  });

  it('passes a request only when every expectation passes, keeping their order, text and lines', () => {
    const range = { startLine: 4, startColumn: 0, endLine: 4, endColumn: 20 };
    const expectations: Expectation[] = [
      { source: 'contains morning', check: check('contains morning'), range },
      { source: 'not contains sorry', check: check('not contains sorry') },
    ];
    assert.deepEqual(scoreAnswer(expectations, answer('good morning')), {
      pass: true,
      checks: [
        { check: 'contains morning', pass: true, reason: 'the answer contains "morning"', range },
        { check: 'not contains sorry', pass: true, reason: 'the answer does not contain "sorry"' },
      ],
    });
    assert.equal(scoreAnswer(expectations, answer('sorry, good morning')).pass, false);
  });
});

describe('expect grammar', () => {
  const problemOf = (text: string) => {
    const parsed = parseCheck(text);
    assert.equal(parsed.ok, false, `${text} parsed`);
    return (parsed as Extract<typeof parsed, { ok: false }>).problem;
  };

  it('suggests the check meant by a misspelt name, at the name', () => {
    assert.deepEqual(problemOf('  contians sorry'), { message: 'unknown check "contians" — did you mean "contains"?', start: 2, end: 10, code: 'unknown-check' });
    assert.deepEqual(problemOf('not equal x'), { message: 'unknown check "equal" — did you mean "equals"?', start: 4, end: 9, code: 'unknown-check' });
    assert.match(problemOf('frobnicate x').message, /^unknown check "frobnicate" \(checks: equals, iequals/);
  });

  it('reports an invalid regular expression at the expression', () => {
    const problem = problemOf('matches /a(b/');
    assert.equal(problem.code, 'invalid-regex');
    assert.deepEqual([problem.start, problem.end], [8, 13]);
    assert.match(problem.message, /^invalid regular expression: .*Unterminated group/);
    assert.equal(problemOf('matches abc').code, 'invalid-regex');
    assert.equal(problemOf('matches /a/q').code, 'invalid-regex');
  });

  it('wants arguments where they belong and none where they do not', () => {
    assert.match(problemOf('contains').message, /needs the text to look for/);
    assert.match(problemOf('judge').message, /needs a rubric/);
    assert.match(problemOf('json please').message, /takes no argument/);
    assert.match(problemOf('tokens 5').message, /comparison and a number/);
    assert.match(problemOf('latency <= soon').message, /needs a number MS/);
    assert.match(problemOf('').message, /needs a check/);
    assert.match(problemOf('not').message, /a check to negate/);
  });

  it('leaves an argument holding placeholders to be checked once it is filled in', () => {
    assert.equal(parseCheck('matches /{{pattern}}/', { pending: true }).ok, true);
    assert.equal(parseCheck('tokens <= {{budget}}', { pending: true }).ok, true);
  });
});
