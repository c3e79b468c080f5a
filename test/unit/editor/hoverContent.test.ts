import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { codeSpan, hoverAt } from '../../../src/extension/editor/hoverContent';
import { loadExample, parseText } from './exampleFile';

const example = loadExample();

function hover(position: [number, number], offset = 1) {
  return hoverAt(example.document, example.expansion, position[0], position[1] + offset);
}

describe('hover', () => {
  it('shows a block setting that replaces a header sweep, and the block request count', () => {
    const text = hover(example.find('@model = gpt'))?.markdown ?? '';
    assert.match(text, /\*\*@model\*\* · request parameter/);
    assert.match(text, /Value `"gpt-4o-mini"`/);
    assert.match(text, /Replaces the file header's sweep over 2 values: `"gpt-4o-mini"`, `"gpt-4\.1-nano"` \(line 3\)/);
    assert.match(text, /expands to \*\*1 request\*\*\./);
  });

  it('lists a sweep and how the block multiplies out', () => {
    const content = hover(example.find('@lang'));
    assert.match(content?.markdown ?? '', /Sweep over 3 values: `"French"`, `"German"`, `"Japanese"`/);
    assert.match(content?.markdown ?? '', /\*\*12 requests\*\* \(2 model × 2 temperature × 3 lang\)/);
    const [line] = example.find('@lang');
    assert.deepEqual(content?.range, { startLine: line, startColumn: 0, endLine: line, endColumn: 5 });
  });

  it('tells for a header setting which blocks it applies to and the file total', () => {
    const text = hover(example.find('@temperature = ['))?.markdown ?? '';
    assert.match(text, /file header/);
    assert.match(text, /Applies to translate, classify; replaced in summarize\\-notes\./);
    assert.match(text, /The file expands to \*\*45 requests\*\*/);
  });

  it('explains a {{variable}} in message text: where it is defined and its values', () => {
    const content = hover(example.find('Translate', '{{lang}}'), 3);
    assert.match(content?.markdown ?? '', /`\{\{lang\}\}` · variable/);
    assert.match(content?.markdown ?? '', /Defined in this block \(line 10\)/);
    assert.match(content?.markdown ?? '', /`"Japanese"`/);
    const [line, column] = example.find('Translate', '{{lang}}');
    assert.deepEqual(content?.range, { startLine: line, startColumn: column, endLine: line, endColumn: column + 8 });
  });

  it('explains a data column variable with the row count', () => {
    const text = hover(example.find('user: Classify', '{{review}}'), 2)?.markdown ?? '';
    assert.match(text, /Column of `reviews\.csv`: one request per row \(4 rows\)/);
    assert.match(text, /\*\*32 requests\*\* \(2 model × 2 temperature × 4 rows of `reviews\.csv` × 2 repeats\)/);
  });

  it('summarises a block on its ### line and says nothing over plain message text', () => {
    assert.match(hover(example.find('### translate'))?.markdown ?? '', /Block \*\*translate\*\* expands to \*\*12 requests\*\*/);
    assert.equal(hover(example.find('Answer with')), undefined);
  });

  it('escapes names and values from the file so they cannot inject links or markup', () => {
    const { document, expansion } = parseText(['@x = ["`](command:evil)"]', '### [run](command:workbench.action.quit)', 'user: {{x}}'].join('\n'));
    const onVariable = hoverAt(document, expansion, 2, 8)?.markdown ?? '';
    assert.ok(onVariable.includes('``"`](command:evil)"``'), onVariable);
    const onBlock = hoverAt(document, expansion, 1, 1)?.markdown ?? '';
    assert.ok(!onBlock.includes('[run](command:'), onBlock);
    assert.match(onBlock, /\\\[run\\\]\\\(command:workbench\\\.action\\\.quit\\\)/);
  });

  it('keeps code spans intact around backticks and long values', () => {
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x'), '`` `x ``');
    assert.ok(codeSpan('y'.repeat(500)).length < 100);
  });
});
