import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../src/core/diagnostics';
import { at, expandText } from './support';

/** `[severity, message, range]` of every diagnostic. */
function report(text: string, files: Record<string, string> = {}): [Diagnostic['severity'], string, number[]][] {
  return expandText(text, files).diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.message, at(diagnostic.range)]);
}

describe('diagnostics: values', () => {
  it('checks parameter values with the request model, at the value', () => {
    assert.deepEqual(report('### a\n@temperature = 3\nuser: x'), [['error', 'temperature must be between 0 and 2 (got 3)', [1, 15, 1, 16]]]);
    assert.deepEqual(report('### a\n@max_completion_tokens = 1.5\nuser: x'), [['error', 'max_completion_tokens must be a positive whole number (got 1.5)', [1, 25, 1, 28]]]);
    assert.deepEqual(report('### a\n@response_format = {"type": "xml"}\nuser: x'), [['error', 'response_format.type must be text, json_object or json_schema', [1, 19, 1, 34]]]);
    assert.deepEqual(report('### a\n@top_logprobs = 30\nuser: x'), [['error', 'top_logprobs: Too big: expected number to be <=20', [1, 16, 1, 18]]]);
  });

  it('points at the offending element of a sweep and keeps the valid ones', () => {
    const result = expandText('### a\n@temperature = [0, 3, 1]\nuser: x');
    assert.deepEqual(result.diagnostics.map((d) => [d.message, at(d.range)]), [['temperature must be between 0 and 2 (got 3)', [1, 19, 1, 20]]]);
    assert.deepEqual(result.items.map((item) => item.id), ['a[temperature=0]', 'a[temperature=1]']);
  });

  it('reports a value from a data row with the row it came from', () => {
    assert.deepEqual(report('### a\n@data = t.csv\n@temperature = {{t}}\nuser: x', { 't.csv': 't\n1\n9\n' }), [
      ['error', 'temperature must be between 0 and 2 (got 9) (t.csv row 2)', [2, 15, 2, 20]],
    ]);
  });

  it('reports bad JSON where it goes wrong', () => {
    assert.deepEqual(report('@temperature = [1, 2\n### a\nuser: x'), [
      ['error', '@temperature: this [ is never closed — a value starting with [ must be valid JSON; put text in "quotes"', [0, 15, 0, 16]],
    ]);
    assert.deepEqual(report('@x = [1, x]\n### a\nuser: {{x}}'), [
      ['error', '@x: unexpected "x": expected a value (text must be "quoted") — a value starting with [ must be valid JSON; put text in "quotes"', [0, 9, 0, 10]],
    ]);
    assert.deepEqual(report('@x = "unterminated\n### a\nuser: {{x}}'), [
      ['error', '@x: this string is never closed — a value starting with " must be valid JSON; put text in "quotes"', [0, 5, 0, 6]],
    ]);
  });

  it('reports an empty sweep', () => {
    assert.deepEqual(report('### a\n@lang = []\nuser: {{lang}}'), [['error', '@lang = [] sweeps over nothing: the block would send no requests', [1, 8, 1, 10]]]);
  });

  it('checks the file settings @repeat and @data', () => {
    assert.deepEqual(report('### a\n@repeat = 0\nuser: x'), [['error', 'repeat must be a positive whole number (got 0)', [1, 10, 1, 11]]]);
    assert.deepEqual(report('### a\n@data = ["a.csv", "b.csv"]\nuser: x'), [['error', '@data takes one file path: it cannot be a list', [1, 8, 1, 26]]]);
    assert.deepEqual(report('### a\n@api_base = localhost\nuser: x'), [['error', 'api_base must be an http:// or https:// URL (got localhost)', [1, 12, 1, 21]]]);
  });
});

describe('diagnostics: names', () => {
  it('suggests the parameter a misspelt setting was meant to be', () => {
    assert.deepEqual(report('@temprature = 0.5\n### a\nuser: x'), [['error', 'unknown parameter @temprature — did you mean @temperature?', [0, 0, 0, 11]]]);
    assert.deepEqual(report('### a\n@Model = gpt-4o\nuser: x'), [['error', 'unknown parameter @Model — did you mean @model?', [1, 0, 1, 6]]]);
  });

  it('calls near-misses of the file settings unknown settings', () => {
    assert.deepEqual(report('### a\n@repat = 2\nuser: x'), [['error', 'unknown setting @repat — did you mean @repeat?', [1, 0, 1, 6]]]);
  });

  it('says that file settings are not variables', () => {
    assert.deepEqual(report('### a\n@repeat = 2\nuser: {{repeat}}'), [
      ['error', '{{repeat}} is not a variable: @repeat is a setting of the file itself; give the variable another name', [2, 6, 2, 16]],
    ]);
  });

  it('reports a missing provider once for the whole file', () => {
    const result = expandText('### a\nuser: x\n### b\nuser: y', {}, { defaultProvider: undefined });
    assert.deepEqual(result.diagnostics.map((d) => [d.message, at(d.range)]), [
      ['no provider for these requests: set one in the header, for example "@provider = openai"', [0, 0, 0, 5]],
    ]);
    assert.deepEqual(result.items, []);
  });

  it('treats a near-miss that is used as {{name}} as a variable', () => {
    const result = expandText('### a\n@topic = cats\nuser: about {{topic}}');
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.items[0]?.request.messages[0]?.content, 'about cats');
  });

  it('warns about variables nothing uses', () => {
    assert.deepEqual(report('@tone = warm\n### a\n@lang = ["fr", "de"]\nuser: x'), [
      ['warning', 'variable @tone is never used: no {{tone}} refers to it', [0, 0, 0, 5]],
      ['warning', 'variable @lang is never used: no {{lang}} refers to it, yet its 2 values each make a separate request', [2, 0, 2, 5]],
    ]);
  });

  it('reports unknown variables at the placeholder, with a suggestion', () => {
    assert.deepEqual(report('### a\n@lang = French\nuser: Say hi in {{ lnag }}.'), [
      ['warning', 'variable @lang is never used: no {{lang}} refers to it', [1, 0, 1, 5]],
      ['error', 'unknown variable {{lnag}} — did you mean {{lang}}?', [2, 16, 2, 26]],
    ]);
    assert.deepEqual(report('### a\nuser:\nfirst\n  {{zzz}}'), [['error', 'unknown variable {{zzz}} — define it with a setting such as "@zzz = …"', [3, 2, 3, 9]]]);
    assert.deepEqual(report('### a\n@data = ./t.csv\nuser: {{reveiw}}', { 't.csv': 'review\nok\n' }), [['error', 'unknown variable {{reveiw}} — did you mean {{review}}?', [2, 6, 2, 16]]]);
    assert.deepEqual(report('### a\n@x = 1\n@model = m-{{y}}\nuser: {{x}}'), [['error', 'unknown variable {{y}}', [2, 11, 2, 16]]]);
  });

  it('warns about repeated settings and repeated block names', () => {
    assert.deepEqual(report('### a\n@seed = 1\n@seed = 2\nuser: x\n### a\nuser: y'), [
      ['warning', '@seed is already set on line 2; this value replaces it', [2, 0, 2, 5]],
      ['warning', 'another block is already named "a"; this one\'s requests are named "a(2)"', [4, 4, 4, 5]],
    ]);
  });
});

describe('diagnostics: syntax', () => {
  it('reports text outside messages, once per run of lines', () => {
    assert.deepEqual(report('### a\nhello there\nand more\nuser: x'), [
      ['error', 'text outside a message: start the message with a role line such as "user:" (settings are written "@name = value", comments start with #)', [1, 0, 2, 8]],
    ]);
    assert.deepEqual(report('### a\nUser: hi'), [
      ['error', 'block "a" has no messages: add a line such as "user: …" after its settings', [0, 0, 0, 5]],
      ['error', 'roles are written in lower case: "user:"', [1, 0, 1, 8]],
    ]);
  });

  it('reports malformed settings', () => {
    assert.deepEqual(report('### a\n@temperature 0.5\n@ = 1\nuser: x'), [
      ['error', '"@temperature" needs "=" and a value, as in "@temperature = …"', [1, 0, 1, 12]],
      ['error', 'expected a setting name after "@", as in "@temperature = 0.7"', [2, 0, 2, 1]],
    ]);
  });

  it('notes separators without a space, settings inside messages and unclosed placeholders', () => {
    assert.deepEqual(report('###a\n### b\nuser: {{ oops\n@temperature = 1'), [
      ['warning', '"###" needs a space after it to start a block: write "### a"', [0, 0, 0, 3]],
      ['warning', '"{{" is not closed on this line, so it is sent as written; write \\{{ to keep it without this warning', [2, 6, 2, 8]],
      ['info', 'this line is part of the user message, not a setting: settings go before the first message (write \\@temperature to keep it in the message without this note)', [3, 0, 3, 12]],
    ]);
  });

  it('asks tool messages for the id of their call and warns about empty messages', () => {
    assert.deepEqual(report('### a\nuser: x\nassistant:\ntool: {"ok": 1}'), [
      ['warning', 'this assistant message is empty', [2, 0, 2, 10]],
      ['error', 'a tool message answers a tool call: write "tool (call_id):" with the id of that call', [3, 0, 3, 5]],
    ]);
  });

  it('refuses text that is not UTF-8 and binary files', () => {
    const garbled = expandText('### a\nuser: caf\uFFFD\n');
    assert.deepEqual(garbled.items, []);
    assert.deepEqual(garbled.diagnostics.map((d) => [d.code, at(d.range)]), [['encoding', [1, 9, 1, 10]]]);
    const binary = expandText('### a\nuser: x\u0000y');
    assert.deepEqual(binary.items, []);
    assert.deepEqual(binary.diagnostics.map((d) => [d.code, d.message, at(d.range)]), [['encoding', 'this file looks binary (it contains NUL characters), not a .llmbatch text file', [1, 7, 1, 8]]]);
  });
});
