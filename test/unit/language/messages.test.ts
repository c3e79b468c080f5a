import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../../src/core/language/syntax/parseDocument';
import { at, contents, errors, expandText, only } from './support';

describe('messages', () => {
  it('runs from a role line to the next role line or ###, dropping blank lines around the text', () => {
    const result = expandText(['### a', 'system: Be brief.', '', 'user:', '', '  Line one', '', 'line three  ', '', '', '### b', 'user: hi'].join('\n'));
    assert.deepEqual(contents(result), [['Be brief.', '  Line one\n\nline three  '], ['hi']]);
  });

  it('keeps markdown, code, JSON, # headings and @ signs in message text as written', () => {
    const text = ['### a', 'user:', '# Heading', '#### Deep heading', '@temperature is 5', '```json', '{"a": [1, 2]}', '```', '  ### indented', 'users: x', 'User: y'].join('\n');
    const result = expandText(text);
    assert.deepEqual(contents(result), [['# Heading\n#### Deep heading\n@temperature is 5\n```json\n{"a": [1, 2]}\n```\n  ### indented\nusers: x\nUser: y']]);
    assert.deepEqual(errors(result.diagnostics), []);
  });

  it('removes one backslash from lines that would otherwise end the message', () => {
    const text = ['### a', 'user:', '\\### Notes', '\\user: quoted', '\\\\### kept one', '\\assistant (bot): x', '\\not special', '\\@model = x'].join('\n');
    assert.deepEqual(contents(expandText(text)), [['### Notes\nuser: quoted\n\\### kept one\nassistant (bot): x\n\\not special\n@model = x']]);
  });

  it('fills placeholders, keeping \\{{ and stray braces as text', () => {
    const text = ['### a', '@x = X', 'user: {{x}} {{ x }} \\{{x}} {{{x}}} {{}} { {x} }'].join('\n');
    assert.deepEqual(contents(expandText(text)), [['X X {{x}} {X} {{}} { {x} }']]);
  });

  it('joins message lines with \\n whatever line ends the file uses', () => {
    assert.deepEqual(contents(expandText('### a\r\nuser:\r\none\rtwo\r\n\r\nthree\r\n')), [['one\ntwo\n\nthree']]);
  });

  it('supports developer, assistant and tool roles, names and tool call ids', () => {
    const text = ['### a', 'developer: Rules.', 'user (alice): Hi', 'assistant: Hello', 'tool (call_1): {"ok": true}', 'user: Go on'].join('\n');
    assert.deepEqual(expandText(text).items[0]?.request.messages, [
      { role: 'developer', content: 'Rules.' },
      { role: 'user', content: 'Hi', name: 'alice' },
      { role: 'assistant', content: 'Hello' },
      { role: 'tool', content: '{"ok": true}', tool_call_id: 'call_1' },
      { role: 'user', content: 'Go on' },
    ]);
  });

  it('sends header messages at the start of every block', () => {
    const text = ['system: Shared rules.', '### a', 'user: one', '### b', 'user: two'].join('\n');
    assert.deepEqual(contents(expandText(text)), [['Shared rules.', 'one'], ['Shared rules.', 'two']]);
  });

  it('treats a file without ### lines as a single request', () => {
    const result = expandText('@model = m\nuser: hello\n');
    assert.deepEqual(result.items.map((item) => [item.id, item.request.model]), [['request-1', 'm']]);
    assert.equal(result.document.blocks[0]?.implicit, true);
  });

  it('reads #### and indented # lines outside messages as comments', () => {
    const result = expandText(['# intro', '  # indented', '#### rule', '### a', '# about a', 'user: x'].join('\n'));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.items.length, 1);
  });
});

describe('structure', () => {
  it('records block names, ranges and settings for the editor', () => {
    const document = parseDocument(['@model = m', '', '### first one', '@lang = ["a", "b"]', 'user: {{lang}}', '', '###', 'user: x', ''].join('\n'));
    assert.deepEqual(document.header.settings.map((setting) => setting.key), ['model']);
    assert.deepEqual(
      document.blocks.map((block) => [block.name, at(block.range), at(block.separatorRange), block.nameRange && at(block.nameRange)]),
      [
        ['first one', [2, 0, 4, 14], [2, 0, 2, 13], [2, 4, 2, 13]],
        [undefined, [6, 0, 7, 7], [6, 0, 6, 3], undefined],
      ],
    );
    const [lang] = document.blocks[0]?.settings ?? [];
    assert.deepEqual([lang?.key, at(lang!.keyRange), at(lang!.valueRange), lang?.value.kind], ['lang', [3, 0, 3, 5], [3, 8, 3, 18], 'sweep']);
    assert.deepEqual(at(document.blocks[0]!.messages[0]!.roleRange), [4, 0, 4, 5]);
  });

  it('names unnamed blocks request-<n> after their position', () => {
    const result = expandText(['###', 'user: a', '### named', 'user: b', '###', 'user: c'].join('\n'));
    assert.deepEqual(result.items.map((item) => item.id), ['request-1', 'named', 'request-3']);
  });

  it('reports blocks without messages, files without blocks and empty files', () => {
    const noMessages = expandText('### empty\n@model = m\n### ok\nuser: x');
    const diagnostic = only(noMessages.diagnostics, 'no-messages');
    assert.equal(diagnostic.message, 'block "empty" has no messages: add a line such as "user: …" after its settings');
    assert.deepEqual(at(diagnostic.range), [0, 0, 0, 9]);
    assert.deepEqual(noMessages.items.map((item) => item.id), ['ok']);

    const settingsOnly = expandText('# nothing to send\n@model = m\n');
    assert.equal(only(settingsOnly.diagnostics, 'no-requests').severity, 'warning');
    assert.deepEqual(at(only(settingsOnly.diagnostics, 'no-requests').range), [1, 0, 1, 6]);

    for (const text of ['', '\n\n', '# just a comment']) {
      const empty = expandText(text);
      assert.deepEqual(empty.items, []);
      assert.deepEqual(empty.diagnostics.map((d) => [d.severity, d.code]), [['info', 'no-requests']]);
    }
  });
});
