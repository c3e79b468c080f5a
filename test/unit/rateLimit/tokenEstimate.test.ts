import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenEstimator } from '../../../src/core/rateLimit/tokenEstimate';
import { llmRequestSchema } from '../../../src/core/models';
import type { LLMRequestInput } from '../../../src/core/models';

const request = (content: string, extra: Partial<LLMRequestInput> = {}) => llmRequestSchema.parse({ provider: 'openai', model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra });

describe('TokenEstimator', () => {
  it('counts prompts with the o200k encoding once it has loaded, quoted control tokens included', async () => {
    const estimator = new TokenEstimator();
    await estimator.ready();
    assert.equal(estimator.exact, true);
    // "hello world" is 2 tokens and "user" 1; 3 per message and 3 before the reply.
    assert.deepEqual(estimator.estimate(request('hello world', { max_completion_tokens: 10 })), { prompt: 9, completion: 10, total: 19 });
    assert.ok(estimator.estimate(request('a prompt quoting <|endoftext|> as text')).prompt > 9);
  });

  it('charges the completion limit times n, or 256 when no limit is set', () => {
    const estimator = new TokenEstimator({ load: () => new Promise(() => undefined) });
    assert.equal(estimator.estimate(request('x', { max_completion_tokens: 40, n: 3 })).completion, 120);
    assert.equal(estimator.estimate(request('x', { max_tokens: 64 })).completion, 64);
    assert.equal(estimator.estimate(request('x')).completion, 256);
  });

  it('estimates from the length of the text until the encoding is there, or if it cannot load', async () => {
    const estimator = new TokenEstimator({ load: () => Promise.reject(new Error('no tables')) });
    const long = request('x'.repeat(400), { max_completion_tokens: 1 });
    assert.equal(estimator.exact, false);
    await estimator.ready();
    assert.equal(estimator.exact, false);
    assert.ok(estimator.estimate(long).prompt >= 100, 'about four characters a token');
  });
});
