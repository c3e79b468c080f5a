import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reservedSettingNames } from '../../../src/core/language/settings/parameters';
import { requestParameterNames } from '../../../src/core/models';
import { repoRoot, scopesOf, tokenize } from './grammarHarness';
import type { Token } from './grammarHarness';

const root = repoRoot();
const example = readFileSync(join(root, 'examples', 'translate.llmbatch'), 'utf8');
const exampleLines = example.split(/\r?\n/);

/** Index of the first line of the example that starts with `prefix`. */
function at(prefix: string): number {
  const index = exampleLines.findIndex((line) => line.startsWith(prefix));
  assert.ok(index >= 0, `the example has a line starting with ${JSON.stringify(prefix)}`);
  return index;
}

function has(scopes: readonly string[], scope: string): boolean {
  return scopes.includes(scope);
}

function lineScopes(lines: readonly Token[][], line: number): string[] {
  return (lines[line] ?? []).flatMap((token) => token.scopes);
}

describe('llmbatch grammar', () => {
  it('scopes the header: comments, parameter names, JSON sweeps and numbers', async () => {
    const lines = await tokenize(example);
    assert.ok(has(scopesOf(lines, at('# '), '#'), 'comment.line.number-sign.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@provider'), 'provider'), 'support.type.property-name.parameter.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@provider'), '='), 'keyword.operator.assignment.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@provider'), 'openai'), 'string.unquoted.value.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@model = ['), '['), 'punctuation.definition.array.begin.json.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@model = ['), 'gpt-4o-mini'), 'string.quoted.double.json.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@temperature = ['), '0.7'), 'constant.numeric.json.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@max_completion_tokens'), '64'), 'constant.numeric.json.llmbatch'));
  });

  it('scopes block separators with their names, and variables apart from parameters', async () => {
    const lines = await tokenize(example);
    assert.ok(has(scopesOf(lines, at('### translate'), '###'), 'punctuation.definition.heading.block.llmbatch'));
    assert.ok(has(scopesOf(lines, at('### translate'), 'translate'), 'entity.name.section.block.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@lang'), 'lang'), 'variable.other.llmbatch'));
    assert.ok(!has(scopesOf(lines, at('@lang'), 'lang'), 'support.type.property-name.parameter.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@data'), 'data'), 'keyword.other.directive.llmbatch'));
    assert.ok(has(scopesOf(lines, at('@repeat'), 'repeat'), 'keyword.other.directive.llmbatch'));
  });

  it('scopes role lines, message text and {{variables}} inside it', async () => {
    const lines = await tokenize(example);
    assert.ok(has(scopesOf(lines, at('system:'), 'system'), 'keyword.other.role.system.llmbatch'));
    assert.ok(has(scopesOf(lines, at('system:'), ' You are a careful translator.'), 'meta.message.content.llmbatch'));
    assert.ok(has(scopesOf(lines, at('user:'), 'user'), 'keyword.other.role.user.llmbatch'));
    assert.ok(has(scopesOf(lines, at('Translate'), '{{'), 'punctuation.definition.template-expression.begin.llmbatch'));
    assert.ok(has(scopesOf(lines, at('Translate'), 'lang'), 'variable.other.template.llmbatch'));
    assert.ok(has(scopesOf(lines, at('Answer'), 'Answer with the translation only.'), 'meta.message.user.llmbatch'));
    assert.ok(has(scopesOf(lines, at('user: Classify'), 'review'), 'variable.other.template.llmbatch'));
  });

  it('keeps an escaped separator inside the message instead of starting a block', async () => {
    const lines = await tokenize(example);
    assert.ok(has(scopesOf(lines, at('\\###'), '\\'), 'constant.character.escape.line.llmbatch'));
    assert.ok(has(scopesOf(lines, at('\\###'), '### Meeting notes'), 'meta.message.content.llmbatch'));
    assert.ok(!lineScopes(lines, at('\\###')).some((scope) => scope.startsWith('markup.heading')));
    assert.ok(has(scopesOf(lines, at('Summarize'), 'Summarize these notes in one sentence.'), 'meta.message.user.llmbatch'));
    // The next real separator ends the message.
    assert.ok(!has(scopesOf(lines, at('### classify'), '###'), 'meta.message.user.llmbatch'));
  });

  it('treats comment-like and setting-like lines inside a message as literal text', async () => {
    const lines = await tokenize(['### a', 'user: hi', '# heading', '@x = 1', '\\user: quoted', 'assistant: ok', '# real comment?'].join('\n'));
    for (const line of [2, 3]) {
      const scopes = lineScopes(lines, line);
      assert.ok(scopes.includes('meta.message.content.llmbatch'), `line ${line}`);
      assert.ok(!scopes.some((scope) => scope.startsWith('comment') || scope.startsWith('meta.setting')), `line ${line}`);
    }
    assert.ok(has(scopesOf(lines, 4, 'user: quoted'), 'meta.message.user.llmbatch'));
    assert.ok(has(scopesOf(lines, 5, 'assistant'), 'keyword.other.role.assistant.llmbatch'));
    // Message text runs to the next role or separator line, so this is still the assistant's text.
    assert.ok(has(scopesOf(lines, 6, '# real comment?'), 'meta.message.assistant.llmbatch'));
  });

  it('does not let an unfinished JSON value swallow the following lines', async () => {
    const lines = await tokenize(['@temperature = [1, 2', '@model = "gpt', '@seed = 7', '### b'].join('\n'));
    assert.ok(has(scopesOf(lines, 1, 'model'), 'support.type.property-name.parameter.llmbatch'));
    assert.ok(has(scopesOf(lines, 2, 'seed'), 'support.type.property-name.parameter.llmbatch'));
    assert.ok(has(scopesOf(lines, 2, '7'), 'constant.numeric.json.llmbatch'));
    assert.ok(has(scopesOf(lines, 3, '###'), 'punctuation.definition.heading.block.llmbatch'));
  });

  it('scopes JSON objects and template variables in values, and leaves model names unnumbered', async () => {
    const lines = await tokenize(['@response_format = {"type": "json_object"}', '@model = {{m}}-mini', '@model = gpt-4o-mini'].join('\n'));
    assert.ok(has(scopesOf(lines, 0, 'type'), 'support.type.property-name.json.llmbatch'));
    assert.ok(has(scopesOf(lines, 0, 'json_object'), 'string.quoted.double.json.llmbatch'));
    assert.ok(has(scopesOf(lines, 1, 'm'), 'variable.other.template.llmbatch'));
    assert.ok(!lineScopes(lines, 2).some((scope) => scope.startsWith('constant.numeric')));
  });

  it('continues a JSON list over several lines until it closes, then reads the next setting', async () => {
    const lines = await tokenize(['@tools = [', '  {"type": "function"},', '  {"type": "function"}', ']', '@seed = 1', '### t', 'user: x'].join('\n'));
    assert.ok(has(scopesOf(lines, 1, 'type'), 'support.type.property-name.json.llmbatch'));
    assert.ok(has(scopesOf(lines, 3, ']'), 'punctuation.definition.array.end.json.llmbatch'));
    assert.ok(has(scopesOf(lines, 4, 'seed'), 'support.type.property-name.parameter.llmbatch'));
    assert.ok(!has(scopesOf(lines, 4, 'seed'), 'meta.structure.array.json.llmbatch'));
    assert.ok(has(scopesOf(lines, 5, 't'), 'entity.name.section.block.llmbatch'));
  });

  it('ends an unclosed multi-line JSON value at the next block, role or setting line', async () => {
    const lines = await tokenize(['@stop = [', '  "a",', '### next', 'user: hi'].join('\n'));
    assert.ok(has(scopesOf(lines, 1, 'a'), 'string.quoted.double.json.llmbatch'));
    assert.deepEqual(lineScopes(lines, 2).filter((scope) => scope.includes('json')), []);
    assert.ok(has(scopesOf(lines, 2, 'next'), 'entity.name.section.block.llmbatch'));
    assert.ok(has(scopesOf(lines, 3, 'user'), 'keyword.other.role.user.llmbatch'));
  });

  it('reads role labels, and escapes of settings and of {{ in message text', async () => {
    const lines = await tokenize(['### a', 'user (alice): hi {{ who }} and \\{{kept}}', '\\@temperature = 3', 'tool (call_1): 42', '###name is a comment'].join('\n'));
    assert.ok(has(scopesOf(lines, 1, 'alice'), 'entity.name.label.llmbatch'));
    assert.ok(has(scopesOf(lines, 1, 'who'), 'variable.other.template.llmbatch'));
    assert.ok(has(scopesOf(lines, 1, '\\{{'), 'constant.character.escape.template.llmbatch'));
    assert.ok(!has(scopesOf(lines, 1, 'kept}}'), 'variable.other.template.llmbatch'));
    assert.ok(has(scopesOf(lines, 2, '\\'), 'constant.character.escape.line.llmbatch'));
    assert.ok(!lineScopes(lines, 2).some((scope) => scope.startsWith('meta.setting')));
    assert.ok(has(scopesOf(lines, 3, 'call_1'), 'entity.name.label.llmbatch'));
    assert.ok(has(scopesOf(lines, 3, 'tool'), 'keyword.other.role.tool.llmbatch'));
    // "###name" is no separator (the parser warns); the tool message's text continues.
    assert.ok(!lineScopes(lines, 4).some((scope) => scope.startsWith('markup.heading')));
  });

  it('colours expect: lines — the check, not, its argument\'s variables, regex and limit — and ends the message before them', async () => {
    const text = ['@judge_model = m', 'user: hi', 'expect: not contains {{word}}', 'expect: matches /^(yes|no)$/i', 'expect: tokens <= 64', 'user:', '\\expect: kept'].join('\n');
    const lines = await tokenize(text);
    assert.ok(has(scopesOf(lines, 2, 'expect'), 'keyword.control.expect.llmbatch'));
    assert.ok(!lineScopes(lines, 2).some((scope) => scope.startsWith('meta.message')));
    assert.ok(has(scopesOf(lines, 2, 'not '), 'keyword.operator.logical.not.llmbatch'));
    assert.ok(has(scopesOf(lines, 2, 'contains'), 'support.function.check.llmbatch'));
    assert.ok(has(scopesOf(lines, 2, 'word'), 'variable.other.template.llmbatch'));
    assert.ok(has(scopesOf(lines, 3, 'matches'), 'support.function.check.llmbatch'));
    assert.ok(has(scopesOf(lines, 3, '/^(yes|no)$/i'), 'string.regexp.llmbatch'));
    assert.ok(has(scopesOf(lines, 4, '<='), 'keyword.operator.comparison.llmbatch'));
    assert.ok(has(scopesOf(lines, 4, '64'), 'constant.numeric.llmbatch'));
    assert.ok(has(scopesOf(lines, 6, '\\'), 'constant.character.escape.line.llmbatch'));
    assert.ok(!lineScopes(lines, 6).some((scope) => scope.startsWith('meta.expect')));
    assert.ok(has(scopesOf(lines, 0, 'judge_model'), 'keyword.other.directive.llmbatch'));
  });

  it('names every request parameter and file setting the parser knows', async () => {
    const names = ['provider', 'api_base', ...requestParameterNames];
    const lines = await tokenize(names.map((name) => `@${name} = 1`).join('\n'));
    names.forEach((name, line) => {
      assert.ok(has(scopesOf(lines, line, name), 'support.type.property-name.parameter.llmbatch'), `@${name}`);
    });
    const directives = reservedSettingNames.filter((name) => name !== 'api_base');
    const directiveLines = await tokenize(directives.map((name) => `@${name} = 1`).join('\n'));
    directives.forEach((name, line) => {
      assert.ok(has(scopesOf(directiveLines, line, name), 'keyword.other.directive.llmbatch'), `@${name}`);
    });
    const near = await tokenize('@temperatures = 1');
    assert.ok(has(scopesOf(near, 0, 'temperatures'), 'variable.other.llmbatch'));
  });
});

describe('llmbatch language contribution', () => {
  it('points package.json at a grammar, configuration and snippets that exist and parse', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      contributes: {
        languages: { id: string; extensions: string[]; configuration: string }[];
        grammars: { language: string; scopeName: string; path: string }[];
        snippets: { language: string; path: string }[];
      };
    };
    const language = manifest.contributes.languages.find((entry) => entry.id === 'llmbatch');
    assert.deepEqual(language?.extensions, ['.llmbatch']);
    const grammar = manifest.contributes.grammars.find((entry) => entry.language === 'llmbatch');
    assert.equal(grammar?.scopeName, 'source.llmbatch');
    const snippets = manifest.contributes.snippets.find((entry) => entry.language === 'llmbatch');
    for (const path of [language?.configuration, grammar?.path, snippets?.path]) {
      assert.ok(path && existsSync(join(root, path)), `${path} exists`);
      assert.doesNotThrow(() => JSON.parse(readFileSync(join(root, path), 'utf8')), path);
    }
    const config = JSON.parse(readFileSync(join(root, language!.configuration), 'utf8')) as { comments: { lineComment: string } };
    assert.equal(config.comments.lineComment, '#');
  });
});
