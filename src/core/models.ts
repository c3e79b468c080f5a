/**
 * The validated shapes the engine works with: chat messages, requests, responses
 * and the per-request result records a batch produces.
 *
 * Optional request parameters stay absent unless the user set them, and absent
 * parameters are never written into the HTTP body: reasoning models (o-series and
 * others) answer 400 to any temperature but 1, so a default would break them.
 */
import { z } from 'zod';
import type { Expectation } from './expect/checkGrammar';
import type { SourceRange } from './sourceRange';

export const roleSchema = z.enum(['system', 'user', 'assistant', 'function', 'tool', 'developer']);
export type Role = z.infer<typeof roleSchema>;

const functionCallSchema = z.object({ name: z.string(), arguments: z.string() });

const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: functionCallSchema,
});

export const messageSchema = z.looseObject({
  role: roleSchema,
  // Content may be null on assistant messages that only carry tool calls;
  // multi-part content (text + image parts) is passed through as given.
  content: z.union([z.string(), z.null(), z.array(z.looseObject({ type: z.string() }))]),
  name: z.string().optional(),
  function_call: functionCallSchema.optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});
export type Message = z.infer<typeof messageSchema>;

function range(name: string, min: number, max: number) {
  return z
    .number({ error: `${name} must be a number` })
    .refine((value) => value >= min && value <= max, {
      error: (issue) => `${name} must be between ${min} and ${max} (got ${String(issue.input)})`,
    });
}

function positiveInt(name: string) {
  return z
    .number({ error: `${name} must be a number` })
    .refine((value) => Number.isInteger(value) && value > 0, {
      error: (issue) => `${name} must be a positive whole number (got ${String(issue.input)})`,
    });
}

/** The parameters the OpenAI chat completions API accepts that llmbatch validates itself. */
export const requestParameterSchemas = {
  model: z.string({ error: 'model must be a string' }).min(1, 'model must not be empty'),
  temperature: range('temperature', 0, 2),
  max_completion_tokens: positiveInt('max_completion_tokens'),
  max_tokens: positiveInt('max_tokens'),
  top_p: range('top_p', 0, 1),
  presence_penalty: range('presence_penalty', -2, 2),
  frequency_penalty: range('frequency_penalty', -2, 2),
  stop: z.union([z.string(), z.array(z.string()).max(4, 'stop takes at most 4 sequences')], {
    error: 'stop must be a string or a list of at most 4 strings',
  }),
  stream: z.boolean({ error: 'stream must be true or false' }),
  seed: z
    .number({ error: 'seed must be a number' })
    .refine((value) => Number.isSafeInteger(value), {
      error: (issue) => `seed must be a whole number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER} (got ${String(issue.input)})`,
    }),
  response_format: z.looseObject(
    { type: z.enum(['text', 'json_object', 'json_schema'], { error: 'response_format.type must be text, json_object or json_schema' }) },
    { error: 'response_format must be an object such as {"type": "json_object"}' },
  ),
  n: positiveInt('n'),
  logprobs: z.boolean({ error: 'logprobs must be true or false' }),
  top_logprobs: z.number().int().min(0).max(20),
  user: z.string(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high'], { error: 'reasoning_effort must be minimal, low, medium or high' }),
  tools: z.array(z.looseObject({ type: z.string() }), { error: 'tools must be a list' }),
  tool_choice: z.union([z.string(), z.looseObject({})]),
  parallel_tool_calls: z.boolean(),
  logit_bias: z.record(z.string(), z.number()),
  metadata: z.record(z.string(), z.string()),
  service_tier: z.string(),
  store: z.boolean(),
} as const;

export type RequestParameterName = keyof typeof requestParameterSchemas;
export const requestParameterNames = Object.keys(requestParameterSchemas) as RequestParameterName[];

export const llmRequestSchema = z.object({
  /** Provider/profile id, e.g. `openai` or `echo`; part of the cache key. */
  provider: z.string().min(1, 'provider must not be empty'),
  messages: z.array(messageSchema).min(1, 'a request needs at least one message'),
  model: requestParameterSchemas.model.optional(),
  temperature: requestParameterSchemas.temperature.optional(),
  max_completion_tokens: requestParameterSchemas.max_completion_tokens.optional(),
  max_tokens: requestParameterSchemas.max_tokens.optional(),
  top_p: requestParameterSchemas.top_p.optional(),
  presence_penalty: requestParameterSchemas.presence_penalty.optional(),
  frequency_penalty: requestParameterSchemas.frequency_penalty.optional(),
  stop: requestParameterSchemas.stop.optional(),
  stream: requestParameterSchemas.stream.default(false),
  seed: requestParameterSchemas.seed.optional(),
  response_format: requestParameterSchemas.response_format.optional(),
  n: requestParameterSchemas.n.optional(),
  logprobs: requestParameterSchemas.logprobs.optional(),
  top_logprobs: requestParameterSchemas.top_logprobs.optional(),
  user: requestParameterSchemas.user.optional(),
  reasoning_effort: requestParameterSchemas.reasoning_effort.optional(),
  tools: requestParameterSchemas.tools.optional(),
  tool_choice: requestParameterSchemas.tool_choice.optional(),
  parallel_tool_calls: requestParameterSchemas.parallel_tool_calls.optional(),
  logit_bias: requestParameterSchemas.logit_bias.optional(),
  metadata: requestParameterSchemas.metadata.optional(),
  service_tier: requestParameterSchemas.service_tier.optional(),
  store: requestParameterSchemas.store.optional(),
});
export type LLMRequest = z.infer<typeof llmRequestSchema>;
export type LLMRequestInput = z.input<typeof llmRequestSchema>;

const roleNames: ReadonlySet<unknown> = new Set(roleSchema.options);
const numberRules: Readonly<Record<string, (value: number) => boolean>> = {
  temperature: (value) => value >= 0 && value <= 2,
  top_p: (value) => value >= 0 && value <= 1,
  presence_penalty: (value) => value >= -2 && value <= 2,
  frequency_penalty: (value) => value >= -2 && value <= 2,
  max_completion_tokens: (value) => Number.isInteger(value) && value > 0,
  max_tokens: (value) => Number.isInteger(value) && value > 0,
  n: (value) => Number.isInteger(value) && value > 0,
  seed: (value) => Number.isSafeInteger(value),
};

/**
 * The plain, common request — text messages and scalar parameters — checked by
 * hand to the rules of {@link llmRequestSchema}, and built as the schema would
 * build it. Loading a large batch file validates every line, and zod copying
 * each one was most of that time. Anything else (tools, multi-part content,
 * a value out of range…) gives undefined: the schema decides and explains.
 */
export function plainRequest(input: Readonly<Record<string, unknown>>, providerOverride?: string): LLMRequest | undefined {
  const { messages } = input;
  // `providerOverride` stands for `{ ...input, provider: providerOverride }`, without the copy.
  const provider = providerOverride ?? input.provider;
  if (typeof provider !== 'string' || provider === '' || !Array.isArray(messages) || messages.length === 0) return undefined;
  // Sized up front: an array grown by push keeps room for 17, and a large batch holds one per request.
  const copies: unknown[] = new Array(messages.length);
  const request: Record<string, unknown> = { provider, messages: copies, stream: false };
  for (let index = 0; index < messages.length; index++) {
    const message: unknown = messages[index];
    if (!isRecord(message) || !roleNames.has(message.role)) return undefined;
    let keys = 0;
    for (const key in message) {
      keys++;
      if (key !== 'role' && key !== 'content' && key !== 'name') return undefined;
    }
    const { role, content, name } = message;
    if (typeof content !== 'string' && content !== null) return undefined;
    if (name !== undefined && typeof name !== 'string') return undefined;
    copies[index] = keys === 3 ? { role, content, name } : { role, content };
    if (keys === 3 && name === undefined) return undefined;
  }
  for (const key in input) {
    const value = input[key];
    if (key === 'provider' || key === 'messages' || value === undefined) continue;
    const rule = numberRules[key];
    if (rule) {
      if (typeof value !== 'number' || !Number.isFinite(value) || !rule(value)) return undefined;
    } else if (key === 'model') {
      if (typeof value !== 'string' || value === '') return undefined;
    } else if (key === 'user') {
      if (typeof value !== 'string') return undefined;
    } else if (key === 'stream') {
      if (typeof value !== 'boolean') return undefined;
    } else if (key === 'stop') {
      if (typeof value !== 'string' && !(Array.isArray(value) && value.length <= 4 && value.every((item) => typeof item === 'string'))) return undefined;
    } else {
      return undefined;
    }
    request[key] = Array.isArray(value) ? [...value] : value;
  }
  return request as LLMRequest;
}

export const usageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});
export type Usage = z.infer<typeof usageSchema>;

/** The OpenAI `chat.completion` object; unknown fields are kept. */
export const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string(),
  choices: z
    .array(
      z.looseObject({
        index: z.number(),
        message: z.looseObject({
          role: z.string(),
          content: z.string().nullable().optional(),
          tool_calls: z.array(z.looseObject({})).optional(),
        }),
        finish_reason: z.string().nullable(),
      }),
    )
    .min(1, 'the response has no choices'),
  usage: usageSchema.optional(),
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/**
 * Whether `value` is a chat completion by the rules of {@link chatCompletionSchema},
 * checked by hand. Every answer passes through here, and zod copying each one
 * showed in profiles; freshly parsed JSON that passes is used as it is (the
 * schema keeps unknown fields, so its copy would be equal). Anything it refuses
 * goes through the schema, which explains what is wrong.
 */
export function isChatCompletion(value: unknown): value is ChatCompletion {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.model !== 'string') return false;
  if (value.object !== undefined && typeof value.object !== 'string') return false;
  if (value.created !== undefined && typeof value.created !== 'number') return false;
  const { choices, usage } = value;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  for (const choice of choices as unknown[]) {
    if (!isRecord(choice) || typeof choice.index !== 'number') return false;
    if (choice.finish_reason !== null && typeof choice.finish_reason !== 'string') return false;
    const message = choice.message;
    if (!isRecord(message) || typeof message.role !== 'string') return false;
    if (message.content !== undefined && message.content !== null && typeof message.content !== 'string') return false;
    if (message.tool_calls !== undefined && !(Array.isArray(message.tool_calls) && message.tool_calls.every(isRecord))) return false;
  }
  if (usage === undefined) return true;
  return isRecord(usage) && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number' && typeof usage.total_tokens === 'number';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Kept in a file of its own so the types models.ts refers to (expectations) can use it without a cycle.
export type { SourceRange } from './sourceRange';

/** One entry of a batch: a request plus the identity the user sees. */
export interface BatchItem {
  /** Unique within the batch; the OpenAI Batch `custom_id`. */
  readonly id: string;
  readonly request: LLMRequest;
  /** Repeat index for `@repeat`: distinct samples of the same request get distinct cache entries. */
  readonly sample?: number;
  /** Block name and swept values, for display and grouping. */
  readonly block?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly source?: SourceRange;
  /** The block's swept axes (`model`, a setting, a variable; not data rows), for the scoreboard. */
  readonly swept?: readonly string[];
  /** The `expect:` lines that score the answer; not part of the request, so not of its cache key. */
  readonly expect?: readonly Expectation[];
}

export interface ResultMeta {
  readonly cached: boolean;
  /** How the answer was obtained: sent now (`live`, the default when absent) or through a provider Batch API job. */
  readonly via?: 'live' | 'batch';
  readonly attempts: number;
  readonly latencyMs: number;
  /** For a cached answer: the latency it was answered with, when the cache kept it. */
  readonly answerLatencyMs?: number;
}

export interface SuccessResult extends ResultMeta {
  readonly ok: true;
  readonly id: string;
  readonly index: number;
  readonly statusCode: number;
  readonly requestId?: string;
  readonly response: ChatCompletion;
}

export interface FailureResult extends ResultMeta {
  readonly ok: false;
  readonly id: string;
  readonly index: number;
  readonly statusCode?: number;
  readonly error: { readonly code: string; readonly message: string };
}

/** Every batch item gets exactly one result, success or failure. */
export type BatchResult = SuccessResult | FailureResult;
