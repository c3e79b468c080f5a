import type { ChatCompletion, LLMRequest, Message } from '../models';
import type { Clock } from '../engine/clock';
import { systemClock } from '../engine/clock';
import type { ProviderResponse } from './provider';
import { Provider } from './provider';

export interface EchoProviderOptions {
  /** Profile id; defaults to `echo`. */
  readonly id?: string;
  /** Simulated time per call, fixed or per request; 0 answers at once. */
  readonly latencyMs?: number | ((request: LLMRequest) => number);
  readonly clock?: Clock;
}

/**
 * An offline provider that needs no account: it answers `Echo: <last user
 * message>`, the same way every time, with usage estimated at about four
 * characters per token, and cuts the answer at `max_completion_tokens`
 * (or `max_tokens`) like a real model would.
 */
export class EchoProvider extends Provider {
  readonly id: string;
  readonly apiBase = 'echo:';
  readonly #latencyMs: number | ((request: LLMRequest) => number);
  readonly #clock: Clock;

  constructor(options: EchoProviderOptions = {}) {
    super();
    this.id = options.id ?? 'echo';
    this.#latencyMs = options.latencyMs ?? 0;
    this.#clock = options.clock ?? systemClock;
  }

  getRequestUrl(_request: LLMRequest): string {
    return `${this.apiBase}chat/completions`;
  }

  getRequestHeaders(_request: LLMRequest): Record<string, string> {
    return { 'content-type': 'application/json' };
  }

  async makeRequest(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    signal.throwIfAborted();
    const body = this.getRequestBody(request);
    const latency = typeof this.#latencyMs === 'function' ? this.#latencyMs(request) : this.#latencyMs;
    if (latency > 0) await this.#clock.sleep(latency, signal);
    signal.throwIfAborted();
    return { body: this.answer(request, JSON.stringify(body)), statusCode: 200, requestId: undefined, headers: new Headers() };
  }

  private answer(request: LLMRequest, bodyText: string): ChatCompletion {
    const lastUser = [...request.messages].reverse().find((message) => message.role === 'user') ?? request.messages.at(-1);
    let content = `Echo: ${lastUser ? messageText(lastUser) : ''}`;
    let finishReason = 'stop';
    const limit = request.max_completion_tokens ?? request.max_tokens;
    if (limit !== undefined && estimateTokens(content) > limit) {
      content = content.slice(0, limit * 4);
      finishReason = 'length';
    }
    const choiceCount = request.n ?? 1;
    const promptTokens = request.messages.reduce((sum, message) => sum + 3 + estimateTokens(messageText(message)), 0);
    const completionTokens = estimateTokens(content) * choiceCount;
    return {
      id: `chatcmpl-echo-${fnv1a(bodyText)}`,
      object: 'chat.completion',
      created: Math.floor(this.#clock.now() / 1000),
      model: request.model ?? 'echo',
      choices: Array.from({ length: choiceCount }, (_, index) => ({
        index,
        message: { role: 'assistant', content },
        finish_reason: finishReason,
      })),
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  }
}

function messageText(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  if (message.content === null) return '';
  return message.content
    .map((part) => (typeof part['text'] === 'string' ? part['text'] : ''))
    .filter(Boolean)
    .join('\n');
}

/** Roughly four characters per token, as OpenAI's tokenizer averages on English text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
