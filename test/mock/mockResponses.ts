/**
 * Bodies the mock OpenAI-compatible server answers with: deterministic chat
 * completions and OpenAI-style error objects.
 */

/** An OpenAI-style error body: `{"error": {"message", "type", "code"}}`. */
export function errorBody(message: string, type: string, code: string | null): { error: { message: string; type: string; code: string | null } } {
  return { error: { message, type, code } };
}

/** The error body a real server would send with `status`, for status faults without a custom body. */
export function errorBodyForStatus(status: number): ReturnType<typeof errorBody> {
  if (status === 401) return errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  if (status === 404) return errorBody('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
  if (status === 429) return errorBody('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded');
  if (status === 400) return errorBody('Invalid request.', 'invalid_request_error', 'invalid_request');
  if (status >= 500) return errorBody('The server had an error while processing your request.', 'server_error', 'server_error');
  return errorBody(`Request failed with status ${status}.`, 'invalid_request_error', null);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

// Whitespace-separated words stand in for tokens: plausible and deterministic.
function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** The `prompt_tokens` the mock reports for `messages`: four per message, one per word, three for the reply. */
export function promptTokenCount(messages: readonly unknown[]): number {
  return messages.reduce<number>((sum, message) => sum + 4 + countWords(textOf((message as { content?: unknown } | null)?.content)), 3);
}

/** Why a chat completions body is unacceptable, or undefined when it is fine. */
export function chatRequestProblem(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'The request body must be a JSON object.';
  const messages = (body as { messages?: unknown }).messages;
  if (messages === undefined) return "Missing required parameter: 'messages'.";
  if (!Array.isArray(messages) || messages.length === 0) return "Invalid 'messages': expected a non-empty array.";
  return undefined;
}

/**
 * A valid `chat.completion` for `body`: the model is echoed and the content is
 * `"mock: " + <last user message text>`, so tests can tell answers apart.
 */
export function chatCompletionFor(body: { messages: unknown[]; model?: unknown; n?: unknown }, sequence: number, nowMs: number): Record<string, unknown> {
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const lastUser = [...messages].reverse().find((message) => message && message.role === 'user');
  const content = `mock: ${textOf(lastUser?.content)}`;
  const choiceCount = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 0 ? Math.min(body.n, 16) : 1;
  const promptTokens = promptTokenCount(messages);
  const completionTokens = (countWords(content) + 1) * choiceCount;
  return {
    id: `chatcmpl-mock-${sequence}`,
    object: 'chat.completion',
    created: Math.floor(nowMs / 1000),
    model: typeof body.model === 'string' && body.model !== '' ? body.model : 'mock-model',
    choices: Array.from({ length: choiceCount }, (_, index) => ({
      index,
      message: { role: 'assistant', content },
      logprobs: null,
      finish_reason: 'stop',
    })),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    system_fingerprint: 'fp_mock',
  };
}
