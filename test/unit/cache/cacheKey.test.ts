import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, canonicalJson } from '../../../src/core/cache/cacheKey';
import { llmRequestSchema } from '../../../src/core/models';
import type { LLMRequest } from '../../../src/core/models';

const identity = { providerId: 'openai', apiBase: 'https://api.example.test/v1' };

function request(overrides: Record<string, unknown> = {}): LLMRequest {
  return llmRequestSchema.parse({
    provider: 'openai',
    model: 'gpt-4o-mini',
    temperature: 0.2,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a colour.' },
    ],
    ...overrides,
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined values', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('refuses a value nested far deeper than a request may be with a clear error, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.throws(() => canonicalJson(deep), { name: 'RangeError', message: 'the request nests lists and objects more than 64 levels deep, more than a request may hold' });
  });

  it('gives the same text for objects built in different orders', () => {
    const first: Record<string, unknown> = {};
    first.model = 'm';
    first.messages = [{ role: 'user', content: 'x' }];
    const second = { messages: [{ content: 'x', role: 'user' }], model: 'm' };
    assert.equal(canonicalJson(first), canonicalJson(second));
  });
});

describe('cacheKey', () => {
  const base = cacheKey(request(), identity);

  it('is a sha256 hex digest', () => {
    assert.match(base, /^[0-9a-f]{64}$/);
  });

  it('is stable across key order, object construction and repeated calls', () => {
    const reordered = llmRequestSchema.parse({
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: 'Name a colour.', role: 'user' },
      ],
      temperature: 0.2,
      model: 'gpt-4o-mini',
      provider: 'openai',
    });
    assert.equal(cacheKey(reordered, identity), base);
    assert.equal(cacheKey(request(), { apiBase: identity.apiBase, providerId: identity.providerId }), base);
    assert.equal(cacheKey(request(), identity), base);
  });

  it('ignores undefined-valued keys', () => {
    const withUndefined = { ...request(), seed: undefined, top_p: undefined } as LLMRequest;
    assert.equal(cacheKey(withUndefined, identity), base);
  });

  it('ignores a trailing slash on the API base', () => {
    assert.equal(cacheKey(request(), { ...identity, apiBase: `${identity.apiBase}/` }), base);
  });

  it('changes with anything that changes the answer', () => {
    const variants: Array<[string, string]> = [
      ['model', cacheKey(request({ model: 'gpt-4o' }), identity)],
      ['temperature', cacheKey(request({ temperature: 0.3 }), identity)],
      ['a new parameter', cacheKey(request({ seed: 7 }), identity)],
      ['max_tokens', cacheKey(request({ max_tokens: 10 }), identity)],
      ['message content', cacheKey(request({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a color.' }] }), identity)],
      ['message role', cacheKey(request({ messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }] }), identity)],
      ['apiBase', cacheKey(request(), { ...identity, apiBase: 'http://127.0.0.1:8080/v1' })],
      ['providerId', cacheKey(request(), { ...identity, providerId: 'azure' })],
      ['sample', cacheKey(request(), identity, 1)],
    ];
    for (const [what, key] of variants) assert.notEqual(key, base, `changing ${what} must change the key`);
    assert.equal(new Set(variants.map(([, key]) => key)).size, variants.length);
  });

  it('does not depend on the request provider profile name, only on the identity', () => {
    assert.equal(cacheKey(request({ provider: 'my-openai-profile' }), identity), base);
  });

  it('cannot take credentials: extra identity fields are ignored', () => {
    const withSecrets = { ...identity, apiKey: 'sk-secret', headers: { authorization: 'Bearer sk-secret' } };
    assert.equal(cacheKey(request(), withSecrets), base);
  });
});
