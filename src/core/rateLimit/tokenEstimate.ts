/**
 * The token cost a request is charged against a tokens-per-minute budget
 * before it is sent: its prompt counted with the o200k encoding (GPT-4o,
 * GPT-4.1, GPT-5 and the o-series; within a few per cent for older and
 * non-OpenAI models), plus the completion it may produce. The answer's
 * `usage` settles the difference afterwards.
 *
 * The encoding's tables are large and loading them holds the process up for
 * a moment, so the rate limiter asks for them only once tokens are what holds
 * requests back (or a 429 came): until then, and until they are ready, the
 * character-based estimate of `pricing.ts` stands in.
 */
import type { LLMRequest, Message } from '../models';
import { assumedCompletionTokens, estimatePromptTokens } from '../pricing';

/** Tokens in a piece of text. */
export type CountTokens = (text: string) => number;

/** Loads the o200k encoding of gpt-tokenizer (bundled, never fetched). */
export async function loadO200kCounter(): Promise<CountTokens> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  // A prompt that quotes `<|endoftext|>` is text to the server, not a control token.
  const asText = { disallowedSpecial: new Set<string>() };
  return (text) => countTokens(text, asText);
}

export interface TokenEstimate {
  readonly prompt: number;
  /** `max_completion_tokens` (or `max_tokens`) times `n`, or an assumed length when unset. */
  readonly completion: number;
  readonly total: number;
}

export interface TokenEstimatorOptions {
  /** Loads the counter; the default is {@link loadO200kCounter}. */
  readonly load?: () => Promise<CountTokens>;
  /** Completion length charged for a request that sets no limit. Default 256, as in cost estimates. */
  readonly defaultCompletionTokens?: number;
}

// The chat format's cost around each message and before the reply, as OpenAI counts it.
const perMessage = 3;
const perName = 1;
const replyPriming = 3;

/** Estimates request costs; counts exactly once the encoding has loaded. */
export class TokenEstimator {
  readonly #load: () => Promise<CountTokens>;
  readonly #defaultCompletion: number;
  #count: CountTokens | undefined;
  #loading: Promise<void> | undefined;

  constructor(options: TokenEstimatorOptions = {}) {
    this.#load = options.load ?? loadO200kCounter;
    this.#defaultCompletion = options.defaultCompletionTokens ?? assumedCompletionTokens;
  }

  /** Whether prompts are counted with the encoding rather than estimated from their length. */
  get exact(): boolean {
    return this.#count !== undefined;
  }

  /** Starts loading the encoding if that has not begun; resolves once counting is exact (or loading failed). */
  ready(): Promise<void> {
    this.#loading ??= this.#load().then(
      (count) => {
        this.#count = count;
      },
      // Without the encoding, the length-based estimate keeps serving; the usage correction absorbs its error.
      () => undefined,
    );
    return this.#loading;
  }

  /** Counts exactly once {@link ready} has loaded the encoding; estimates from length until then. */
  estimate(request: LLMRequest): TokenEstimate {
    const prompt = this.#count ? this.#countPrompt(request, this.#count) : estimatePromptTokens(request.messages) + toolTokens(request, (text) => Math.ceil(text.length / 4));
    const perChoice = request.max_completion_tokens ?? request.max_tokens ?? this.#defaultCompletion;
    const completion = perChoice * (request.n ?? 1);
    return { prompt, completion, total: prompt + completion };
  }

  #countPrompt(request: LLMRequest, count: CountTokens): number {
    let tokens = replyPriming;
    for (const message of request.messages) tokens += perMessage + messageTokens(message, count);
    return tokens + toolTokens(request, count);
  }
}

function messageTokens(message: Message, count: CountTokens): number {
  let tokens = count(message.role);
  const content = message.content;
  if (typeof content === 'string') tokens += count(content);
  else if (Array.isArray(content)) {
    for (const part of content) {
      const text = (part as { text?: unknown }).text;
      // Images and audio are priced by the server in ways a client cannot see; their JSON length is a stand-in.
      tokens += typeof text === 'string' ? count(text) : Math.ceil(JSON.stringify(part).length / 4);
    }
  }
  if (message.name) tokens += perName + count(message.name);
  if (message.tool_calls) tokens += count(JSON.stringify(message.tool_calls));
  return tokens;
}

function toolTokens(request: LLMRequest, count: CountTokens): number {
  return request.tools ? count(JSON.stringify(request.tools)) : 0;
}
