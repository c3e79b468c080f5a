import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, errors, expandText, only } from './support';

/** Blocks written alike, as in a long generated file: same settings, same system prompt. */
function alike(count: number, extra: (index: number) => string[] = () => []): string {
  const lines = ['@provider = echo', '@model = m', ''];
  for (let index = 0; index < count; index++) {
    lines.push(`### q${index}`, '@temperature = 0.5', '@city = "Oslo"', ...extra(index), 'system: Be brief.', `user: ${index}: {{city}}`, '');
  }
  return lines.join('\n');
}

describe('blocks written alike', () => {
  it('give each block its own ranges, though their values and messages read the same', () => {
    const result = expandText(alike(3));
    const blocks = result.document.blocks;
    assert.deepEqual(
      blocks.map((block) => [at(block.range), at(block.separatorRange), block.nameRange && at(block.nameRange)]),
      [
        [[3, 0, 7, 17], [3, 0, 3, 6], [3, 4, 3, 6]],
        [[9, 0, 13, 17], [9, 0, 9, 6], [9, 4, 9, 6]],
        [[15, 0, 19, 17], [15, 0, 15, 6], [15, 4, 15, 6]],
      ],
    );
    assert.deepEqual(
      blocks.map((block) => block.settings.map((setting) => [setting.key, at(setting.range), at(setting.keyRange), at(setting.valueRange), setting.text])),
      [4, 10, 16].map((line) => [
        ['temperature', [line, 0, line, 18], [line, 0, line, 12], [line, 15, line, 18], '0.5'],
        ['city', [line + 1, 0, line + 1, 14], [line + 1, 0, line + 1, 5], [line + 1, 8, line + 1, 14], '"Oslo"'],
      ]),
    );
    assert.deepEqual(
      blocks.map((block) => block.messages.map((message) => [at(message.roleRange), at(message.range)])),
      [6, 12, 18].map((line) => [
        [[line, 0, line, 7], [line, 0, line, 17]],
        [[line + 1, 0, line + 1, 5], [line + 1, 0, line + 1, 17]],
      ]),
    );
    const placeholder = blocks[2]?.messages[1]?.content.parts[1];
    assert.ok(placeholder && typeof placeholder !== 'string');
    assert.deepEqual(at(placeholder.range!), [19, 9, 19, 17]);
    assert.deepEqual(result.items.map((item) => at(item.source!)), blocks.map((block) => at(block.range)));
    assert.deepEqual(result.blocks.map((summary) => [at(summary.range), at(summary.separatorRange)]), blocks.map((block) => [at(block.range), at(block.separatorRange)]));
  });

  it('send the same values and prompts in every request, each request its own', () => {
    const result = expandText(alike(3));
    assert.deepEqual(errors(result.diagnostics), []);
    assert.deepEqual(
      result.items.map((item) => item.request),
      [0, 1, 2].map((index) => ({
        provider: 'echo',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: `${index}: Oslo` },
        ],
        stream: false,
        model: 'm',
        temperature: 0.5,
      })),
    );
    assert.notEqual(result.items[0]?.request, result.items[1]?.request);
    assert.notEqual(result.items[0]?.request.messages, result.items[1]?.request.messages);
  });

  it('report a bad value in every block that repeats it, at that block', () => {
    const result = expandText(alike(3, (index) => (index === 0 ? [] : ['@top_p = 7'])));
    const reported = errors(result.diagnostics).map((diagnostic) => [diagnostic.message, at(diagnostic.range)]);
    assert.deepEqual(reported, [
      ['top_p must be between 0 and 1 (got 7)', [12, 9, 12, 10]],
      ['top_p must be between 0 and 1 (got 7)', [19, 9, 19, 10]],
    ]);
    assert.deepEqual(result.items.map((item) => item.block), ['q0']);
  });

  it('describe each block\'s own settings for hovers, the header\'s shared', () => {
    const result = expandText(alike(2));
    const [first, second] = result.blocks;
    assert.deepEqual(
      first?.settings.map((setting) => [setting.key, setting.origin, setting.value, at(setting.valueRange)]),
      [
        ['provider', 'header', 'echo', [0, 12, 0, 16]],
        ['model', 'header', 'm', [1, 9, 1, 10]],
        ['temperature', 'block', 0.5, [4, 15, 4, 18]],
        ['city', 'block', 'Oslo', [5, 8, 5, 14]],
      ],
    );
    assert.equal(first?.settings[0], second?.settings[0]);
    assert.deepEqual(at(second!.settings[2]!.range), [10, 0, 10, 18]);
  });

  it('warn about a repeated setting at the later one, naming the line of the first', () => {
    const result = expandText(['### a', '@temperature = 0.5', '@temperature = 0.5', 'user: hi'].join('\n'));
    const duplicate = only(result.diagnostics, 'duplicate-setting');
    assert.equal(duplicate.message, '@temperature is already set on line 2; this value replaces it');
    assert.deepEqual(at(duplicate.range), [2, 0, 2, 12]);
  });
});
