import type { LLMRequest } from '../../../src/core/models';
import { llmRequestSchema } from '../../../src/core/models';
import { TokenEstimator } from '../../../src/core/rateLimit/tokenEstimate';

/** A request whose prompt is `words` words long and that may produce `completion` tokens. */
export function wordyRequest(words: number, completion: number): LLMRequest {
  return llmRequestSchema.parse({
    provider: 'openai',
    model: 'gpt-test',
    max_completion_tokens: completion,
    messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }],
  });
}

/** An estimator that counts one token per word and is ready at once, so costs are easy to reckon. */
export async function wordEstimator(): Promise<TokenEstimator> {
  const estimator = new TokenEstimator({ load: async () => (text) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length) });
  await estimator.ready();
  return estimator;
}

/** Headers from a plain record. */
export function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}
