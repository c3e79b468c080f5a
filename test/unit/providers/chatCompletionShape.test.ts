import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chatCompletionSchema, isChatCompletion, llmRequestSchema, plainRequest } from '../../../src/core/models';

const valid = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Bonjour', refusal: null }, finish_reason: 'stop', logprobs: null },
    { index: 1, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } },
  system_fingerprint: 'fp_1',
};

/** Every way to change one value somewhere in `value`: other types, removal, emptiness. */
function* mutations(value: unknown): Generator<unknown> {
  const replacements: unknown[] = [null, undefined, 0, 1.5, '', 'text', true, [], {}, [{}], { index: 0 }];
  for (const replacement of replacements) yield replacement;
  if (Array.isArray(value)) {
    for (let at = 0; at < value.length; at++) {
      for (const changed of mutations(value[at])) yield value.map((item, i) => (i === at ? changed : item));
      yield value.filter((_, i) => i !== at);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      for (const changed of mutations((value as Record<string, unknown>)[key])) yield { ...value, [key]: changed };
      const { [key]: _removed, ...rest } = value as Record<string, unknown>;
      yield rest;
    }
  }
}

describe('isChatCompletion', () => {
  it('accepts a full answer and keeps it as it is, equal to what the schema gives', () => {
    const answer = structuredClone(valid);
    assert.equal(isChatCompletion(answer), true);
    assert.deepEqual(chatCompletionSchema.parse(structuredClone(valid)), answer);
  });

  it('never accepts what the schema refuses, and accepts what the schema accepts, over hundreds of one-value changes', () => {
    let checked = 0;
    let refused = 0;
    for (const candidate of mutations(valid)) {
      // JSON cannot hold undefined: what a server sends has the key missing instead.
      const json: unknown = candidate === undefined ? undefined : JSON.parse(JSON.stringify(candidate));
      const schemaSays = chatCompletionSchema.safeParse(json).success;
      assert.equal(isChatCompletion(json), schemaSays, `disagrees on ${JSON.stringify(json)}`);
      checked++;
      if (!schemaSays) refused++;
    }
    assert.ok(checked > 300, `checked ${checked}`);
    assert.ok(refused > 50 && refused < checked, `refused ${refused} of ${checked}`);
  });
});

describe('plainRequest', () => {
  const base = {
    provider: 'openai',
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi', name: 'alice' },
      { role: 'assistant', content: null },
    ],
    temperature: 0.7,
    top_p: 1,
    presence_penalty: -2,
    frequency_penalty: 2,
    max_completion_tokens: 64,
    max_tokens: 10,
    n: 2,
    seed: 42,
    stop: ['\n', 'END'],
    user: 'u1',
    stream: false,
  };

  it('builds a plain request exactly as the schema does', () => {
    assert.deepEqual(plainRequest(base), llmRequestSchema.parse(base));
    const minimal = { provider: 'openai', messages: [{ role: 'user', content: 'Hi' }] };
    assert.deepEqual(plainRequest(minimal), llmRequestSchema.parse(minimal));
    assert.equal(plainRequest(minimal)?.stream, false);
  });

  it('gives the schema’s answer or leaves the decision to it, over hundreds of one-value changes', () => {
    let decided = 0;
    let checked = 0;
    for (const candidate of mutations(base)) {
      if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) continue;
      const json = JSON.parse(JSON.stringify(candidate)) as Record<string, unknown>;
      const plain = plainRequest(json);
      const schema = llmRequestSchema.safeParse(json);
      checked++;
      if (plain === undefined) continue;
      decided++;
      assert.ok(schema.success, `accepted what the schema refuses: ${JSON.stringify(json)}`);
      assert.deepEqual(plain, schema.data);
    }
    assert.ok(checked > 300, `checked ${checked}`);
    assert.ok(decided > 50, `decided ${decided} of ${checked}`);
  });

  it('leaves tools, multi-part content and unknown fields to the schema', () => {
    assert.equal(plainRequest({ ...base, tools: [{ type: 'function' }] }), undefined);
    assert.equal(plainRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] }), undefined);
    assert.equal(plainRequest({ ...base, messages: [{ role: 'tool', content: 'x', tool_call_id: 'c1' }] }), undefined);
    assert.equal(plainRequest({ ...base, temperature: 3 }), undefined);
    assert.equal(plainRequest({ ...base, stop: ['a', 'b', 'c', 'd', 'e'] }), undefined);
  });
});
