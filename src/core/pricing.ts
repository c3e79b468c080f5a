/**
 * Model prices and cost estimates.
 *
 * Prices are USD per million tokens from the providers' public price lists; a
 * price table passed in (from settings or the CLI) replaces or extends them. A
 * model without a known price has no cost — estimates say which models those were
 * rather than guessing.
 */
import type { BatchItem, Message, Usage } from './models';

export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  /** Price through the provider's Batch API; half the live price where not given. */
  readonly batchInputPerMTok?: number;
  readonly batchOutputPerMTok?: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export const defaultPrices: PriceTable = {
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4-turbo': { inputPerMTok: 10, outputPerMTok: 30 },
  'gpt-3.5-turbo': { inputPerMTok: 0.5, outputPerMTok: 1.5 },
  o1: { inputPerMTok: 15, outputPerMTok: 60 },
  'o1-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
};

/** Completion length assumed for a request that sets no `max_completion_tokens`. */
export const assumedCompletionTokens = 256;

/**
 * The price of `model`: an exact entry, else the longest entry that is a prefix
 * followed by `-` (so dated snapshots like `gpt-4o-mini-2024-07-18` find `gpt-4o-mini`
 * and not `gpt-4o`). A provider prefix such as `openai/` is ignored.
 */
export function priceFor(model: string | undefined, table: PriceTable = defaultPrices): ModelPrice | undefined {
  if (!model) return undefined;
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  const exact = table[name];
  if (exact) return exact;
  let best: string | undefined;
  for (const candidate of Object.keys(table)) {
    if (name.startsWith(`${candidate}-`) && (!best || candidate.length > best.length)) best = candidate;
  }
  return best === undefined ? undefined : table[best];
}

/** The cost of an answered request in USD, or undefined when the model's price is unknown. */
export function costOf(model: string | undefined, usage: Usage | undefined, options: { batch?: boolean; table?: PriceTable } = {}): number | undefined {
  const price = priceFor(model, options.table);
  if (!price || !usage) return undefined;
  const input = options.batch ? (price.batchInputPerMTok ?? price.inputPerMTok / 2) : price.inputPerMTok;
  const output = options.batch ? (price.batchOutputPerMTok ?? price.outputPerMTok / 2) : price.outputPerMTok;
  return (usage.prompt_tokens * input + usage.completion_tokens * output) / 1_000_000;
}

/**
 * A quick prompt-token estimate (about four characters a token plus the chat
 * format's per-message overhead). Good enough to decide whether to ask before
 * spending; the server's `usage` is the truth.
 */
export function estimatePromptTokens(messages: readonly Message[]): number {
  let tokens = 3;
  for (const message of messages) {
    tokens += 4;
    const content = message.content;
    if (typeof content === 'string') tokens += Math.ceil(content.length / 4);
    else if (Array.isArray(content)) tokens += Math.ceil(JSON.stringify(content).length / 4);
    if (message.name) tokens += 1;
  }
  return tokens;
}

export interface CostEstimate {
  readonly requests: number;
  readonly promptTokens: number;
  /** Upper bound from `max_completion_tokens`, with {@link assumedCompletionTokens} where unset. */
  readonly completionTokens: number;
  /** Live price of the requests whose model has a price; undefined when none has. */
  readonly usd?: number;
  readonly batchUsd?: number;
  /** Models without a known price, so a caller can say the estimate is partial. */
  readonly unknownModels: readonly string[];
  readonly pricedRequests: number;
}

export function estimateCost(items: Iterable<BatchItem>, table: PriceTable = defaultPrices): CostEstimate {
  let requests = 0;
  let pricedRequests = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let usd = 0;
  let batchUsd = 0;
  const unknown = new Set<string>();
  for (const item of items) {
    requests++;
    const prompt = estimatePromptTokens(item.request.messages);
    const completion = item.request.max_completion_tokens ?? item.request.max_tokens ?? assumedCompletionTokens;
    promptTokens += prompt;
    completionTokens += completion;
    const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    const live = costOf(item.request.model, usage, { table });
    if (live === undefined) {
      unknown.add(item.request.model ?? '(no model)');
      continue;
    }
    pricedRequests++;
    usd += live;
    batchUsd += costOf(item.request.model, usage, { table, batch: true }) ?? 0;
  }
  return {
    requests,
    promptTokens,
    completionTokens,
    usd: pricedRequests ? usd : undefined,
    batchUsd: pricedRequests ? batchUsd : undefined,
    unknownModels: [...unknown].sort(),
    pricedRequests,
  };
}

/** `$0.0123` for small sums, `$12.34` for larger ones. */
export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  if (value < 0.01) return `$${value.toPrecision(2)}`;
  return `$${value.toFixed(2)}`;
}
