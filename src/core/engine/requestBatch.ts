import type { BatchItem, LLMRequestInput } from '../models';
import { llmRequestSchema } from '../models';
import { InvalidRequestError } from '../errors';

/** What `batch.chat.completions.create` takes: the OpenAI parameters plus an optional `custom_id`. */
export type ChatCompletionCreateParams = Omit<LLMRequestInput, 'provider'> & {
  /** Overrides the batch's provider for this request. */
  readonly provider?: string;
  /** The id of the result record; defaults to `request-<n>` (1-based). */
  readonly custom_id?: string;
};

export interface RequestBatchOptions {
  /** Provider/profile id given to requests that do not name one. Defaults to `openai`. */
  readonly provider?: string;
}

const knownFields = new Set<string>([...Object.keys(llmRequestSchema.shape), 'custom_id']);

/**
 * Collects requests with the OpenAI client's call shape, to run them later with
 * `manager.processBatch(batch)`:
 *
 * ```ts
 * const batch = new RequestBatch();
 * const id = batch.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * const { results } = await manager.processBatch(batch);
 * ```
 *
 * Each request is validated when added, so a mistake is reported at the line
 * that made it rather than after a run.
 */
export class RequestBatch implements Iterable<BatchItem> {
  readonly provider: string;
  readonly chat: { readonly completions: { readonly create: (params: ChatCompletionCreateParams) => string } };
  readonly #items: BatchItem[] = [];
  readonly #ids = new Set<string>();

  constructor(options: RequestBatchOptions = {}) {
    this.provider = options.provider ?? 'openai';
    this.chat = { completions: { create: (params) => this.add(params) } };
  }

  get length(): number {
    return this.#items.length;
  }

  get items(): readonly BatchItem[] {
    return this.#items;
  }

  [Symbol.iterator](): Iterator<BatchItem> {
    return this.#items[Symbol.iterator]();
  }

  private add(params: ChatCompletionCreateParams): string {
    const id = params.custom_id ?? `request-${this.#items.length + 1}`;
    const label = `Request "${id}"`;
    if (typeof id !== 'string' || id === '') throw new InvalidRequestError('custom_id must be a non-empty string');
    if (this.#ids.has(id)) throw new InvalidRequestError(`${label}: custom_id "${id}" is already used in this batch`);
    const unknown = Object.keys(params).filter((name) => !knownFields.has(name));
    if (unknown.length) throw new InvalidRequestError(`${label}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}`);
    const { custom_id: _customId, ...fields } = params;
    const parsed = llmRequestSchema.safeParse({ provider: this.provider, ...fields });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => {
        const where = issue.path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index ? '.' : ''}${String(part)}`)).join('');
        return where && !issue.message.startsWith(where) ? `${where}: ${issue.message}` : issue.message;
      });
      throw new InvalidRequestError(`${label}: ${problems.join('; ')}`);
    }
    this.#ids.add(id);
    this.#items.push({ id, request: parsed.data });
    return id;
  }
}
