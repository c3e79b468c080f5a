import type { BatchItem, LLMRequestInput } from '../../../src/core/models';
import { llmRequestSchema } from '../../../src/core/models';

/** A batch item asking `content` of a test model. */
export function chatItem(id: string, content: string, extra: Partial<LLMRequestInput> = {}, sample?: number): BatchItem {
  const request = llmRequestSchema.parse({ provider: 'openai', model: 'gpt-test', messages: [{ role: 'user', content }], ...extra });
  return sample === undefined ? { id, request } : { id, request, sample };
}

/** The text of the first choice of a successful result, or the error code of a failed one. */
export function answerOf(result: { ok: boolean } & ({ ok: true; response: { choices: { message: { content?: string | null } }[] } } | { ok: false; error: { code: string } })): string {
  return result.ok ? (result.response.choices[0]?.message.content ?? '') : `error:${result.error.code}`;
}

/** Resolves once `condition` holds, checking every few milliseconds; rejects after `limitMs`. */
export async function eventually(condition: () => boolean, limitMs = 2_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
