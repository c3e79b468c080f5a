import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLlmbatch } from '../../../src/core/language/parseLlmbatch';
import { at } from './support';

const examples = join(process.cwd(), 'examples');
const fileName = join(examples, 'translate.llmbatch');
const text = readFileSync(fileName, 'utf8');
// The default reader (the file system) resolves reviews.csv next to the example.
const result = parseLlmbatch(text, { fileName });
const byBlock = (name: string) => result.items.filter((item) => item.block === name);
const reviews = [
  'Arrived quickly, works perfectly.',
  'The battery died after two days.',
  'The manual says "plug and play" — it was not.',
  'Great sound.\nWould buy again.',
];

describe('the translate.llmbatch example', () => {
  it('expands to 12 + 1 + 2·2·rows·2 requests without any diagnostic', () => {
    assert.deepEqual(result.diagnostics, []);
    assert.equal(byBlock('translate').length, 12);
    assert.equal(byBlock('summarize-notes').length, 1);
    assert.equal(byBlock('classify').length, 2 * 2 * reviews.length * 2);
    assert.equal(result.items.length, 12 + 1 + 2 * 2 * reviews.length * 2);
    assert.deepEqual(
      result.blocks.map((block) => [block.name, block.requestCount, block.itemCount, block.firstItem]),
      [
        ['translate', 12, 12, 0],
        ['summarize-notes', 1, 1, 12],
        ['classify', 32, 32, 13],
      ],
    );
  });

  it('sweeps header models and temperatures with the block language, first setting varying slowest', () => {
    const translate = byBlock('translate');
    assert.deepEqual(
      translate.map((item) => item.id),
      ['gpt-4o-mini', 'gpt-4.1-nano'].flatMap((model) =>
        ['0', '0.7'].flatMap((temperature) => ['French', 'German', 'Japanese'].map((lang) => `translate[model=${model},temperature=${temperature},lang=${lang}]`)),
      ),
    );
    const first = translate[0];
    assert.ok(first);
    assert.deepEqual(first.request, {
      provider: 'openai',
      messages: [
        { role: 'system', content: 'You are a careful translator.' },
        { role: 'user', content: 'Translate "good morning" into French.\nAnswer with the translation only.' },
      ],
      stream: false,
      model: 'gpt-4o-mini',
      temperature: 0,
      max_completion_tokens: 64,
    });
    assert.deepEqual(first.variables, { model: 'gpt-4o-mini', temperature: 0, lang: 'French' });
    assert.deepEqual(translate[11]?.variables, { model: 'gpt-4.1-nano', temperature: 0.7, lang: 'Japanese' });
  });

  it('lets a block replace header sweeps with single values, and sends the escaped line unescaped', () => {
    const [notes] = byBlock('summarize-notes');
    assert.ok(notes);
    assert.equal(notes.id, 'summarize-notes');
    assert.equal(notes.request.model, 'gpt-4o-mini');
    assert.equal(notes.request.temperature, 0);
    assert.equal(notes.request.max_completion_tokens, 64);
    assert.deepEqual(notes.request.messages, [
      { role: 'user', content: '### Meeting notes\n- ship v1 on Friday\n- fix the cache bug\nSummarize these notes in one sentence.' },
    ]);
    assert.deepEqual(notes.variables, {});
  });

  it('sends every CSV row twice per model and temperature, each repeat its own sample', () => {
    const classify = byBlock('classify');
    assert.deepEqual(
      classify.slice(0, 4).map((item) => [item.id, item.sample]),
      [
        ['classify[model=gpt-4o-mini,temperature=0]#row1~1', 0],
        ['classify[model=gpt-4o-mini,temperature=0]#row1~2', 1],
        ['classify[model=gpt-4o-mini,temperature=0]#row2~1', 0],
        ['classify[model=gpt-4o-mini,temperature=0]#row2~2', 1],
      ],
    );
    const prompts = classify.filter((item) => item.sample === 0).slice(0, reviews.length).map((item) => item.request.messages[0]?.content);
    assert.deepEqual(prompts, reviews.map((review) => `Classify the sentiment of this review as positive or negative: ${review}`));
    assert.deepEqual(classify[2]?.variables, { model: 'gpt-4o-mini', temperature: 0, review: reviews[1], label: 'negative' });
    const summary = result.blocks[2];
    assert.deepEqual([summary?.data, summary?.repeat], [{ path: 'reviews.csv', rows: 4, columns: ['review', 'label'] }, 2]);
    assert.deepEqual(summary?.settings.map((setting) => [setting.key, setting.origin, setting.value ?? setting.sweep]), [
      ['provider', 'header', 'openai'],
      ['model', 'header', ['gpt-4o-mini', 'gpt-4.1-nano']],
      ['temperature', 'header', [0, 0.7]],
      ['max_completion_tokens', 'header', 64],
      ['data', 'block', './reviews.csv'],
      ['repeat', 'block', 2],
    ]);
  });

  it('gives every request a unique id and the range of its block', () => {
    assert.equal(new Set(result.items.map((item) => item.id)).size, result.items.length);
    const [notes] = byBlock('summarize-notes');
    assert.deepEqual(at(notes?.source ?? { startLine: -1, startColumn: 0, endLine: 0, endColumn: 0 }), [16, 0, 23, 38]);
    assert.equal(notes?.source?.file, fileName);
  });
});
