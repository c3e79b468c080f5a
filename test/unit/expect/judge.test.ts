import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { graderRequest, judgePrompt, readGraderReply } from '../../../src/core/expect/judge';
import type { LLMRequest } from '../../../src/core/models';

describe('judge', () => {
  it('asks the grader with the rubric, the last user message and the answer', () => {
    const request: LLMRequest = {
      provider: 'openai',
      model: 'gpt-4.1-nano',
      temperature: 0.7,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'Classify: great product' },
      ],
      stream: false,
    };
    const graded = graderRequest({ model: 'gpt-4o-mini' }, 'One word only.', request, 'positive');
    assert.deepEqual(graded, { provider: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: judgePrompt('One word only.', 'Classify: great product', 'positive') }], stream: false });
    assert.equal(graderRequest({ model: 'm', provider: 'grader' }, 'r', request, 'a').provider, 'grader');
    const prompt = judgePrompt('One word only.', 'Classify: great product', 'positive');
    assert.ok(prompt.includes('<rubric>\nOne word only.\n</rubric>'));
    assert.ok(prompt.includes('<question>\nClassify: great product\n</question>'));
    assert.ok(prompt.includes('<answer>\npositive\n</answer>'));
    assert.ok(prompt.endsWith('Reply with JSON only, exactly in this form: {"pass": true or false, "reason": "one short sentence"}'));
  });

  it('is documented word for word', () => {
    const docs = readFileSync('docs/llmbatch-format.md', 'utf8');
    assert.ok(docs.includes(`\`\`\`\n${judgePrompt('RUBRIC', 'QUESTION', 'ANSWER')}\n\`\`\``), 'docs/llmbatch-format.md shows the judge prompt as sent');
  });

  it('reads JSON verdicts, also fenced', () => {
    assert.deepEqual(readGraderReply('{"pass": true, "reason": "One word."}'), { pass: true, reason: 'One word.' });
    assert.deepEqual(readGraderReply('```json\n{"pass": false, "reason": "Two words."}\n```'), { pass: false, reason: 'Two words.' });
    assert.deepEqual(readGraderReply('{"pass": false}'), { pass: false, reason: 'the grader said FAIL' });
  });

  it('reads a reply that starts with PASS or FAIL', () => {
    assert.deepEqual(readGraderReply('PASS'), { pass: true, reason: 'the grader said PASS' });
    assert.deepEqual(readGraderReply('**FAIL**: it apologises first.'), { pass: false, reason: 'it apologises first.' });
    assert.deepEqual(readGraderReply('pass - fine'), { pass: true, reason: 'fine' });
  });

  it('makes anything else an error with the reply quoted, never a pass', () => {
    assert.deepEqual(readGraderReply('I think it passes, mostly.'), {
      pass: false,
      error: true,
      reason: 'the grader\'s reply is neither {"pass": …, "reason": …} nor PASS/FAIL: "I think it passes, mostly."',
    });
    assert.equal(readGraderReply('{"pass": "yes"}').error, true);
    assert.equal(readGraderReply('PASSABLE').error, true);
    assert.equal(readGraderReply('').error, true);
  });
});
