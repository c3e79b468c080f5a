/**
 * Validation of what the results webview posts. The webview shows untrusted
 * text, so the host treats its messages as untrusted too: only the protocol's
 * message types with well-formed payloads get through; ids are only ever looked
 * up in the panel's own run, never used as paths or commands.
 */
import { z } from 'zod';
import type { WebviewMessage } from '../../webview/protocol';

const id = z.string().min(1).max(1000);

export const webviewMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('rerunFailed') }),
  z.strictObject({ type: z.literal('rerunRow'), id, bypassCache: z.boolean() }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('export'), format: z.enum(['csv', 'markdown', 'jsonl']), ids: z.array(id).max(1_000_000).optional() }),
  z.strictObject({ type: z.literal('revealInEditor'), id }),
  z.strictObject({ type: z.literal('revealCheck'), id, check: z.number().int().min(0).max(10_000) }),
  z.strictObject({ type: z.literal('copy'), id, part: z.enum(['answer', 'messages', 'request', 'response', 'error']), runId: id.optional() }),
  z.strictObject({ type: z.literal('requestDetail'), id, runId: id.optional() }),
  z.strictObject({ type: z.literal('loadRun'), runId: id }),
]);

// Fails to compile when the schema and the protocol type drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesProtocol: Same<z.infer<typeof webviewMessageSchema>, DeepMutable<WebviewMessage>> = true;
void schemaMatchesProtocol;
type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;

export type ParsedMessage = { ok: true; message: WebviewMessage } | { ok: false; reason: string };

/** The message if it is one the protocol defines, else why not (for the log; never echoed back). */
export function parseWebviewMessage(raw: unknown): ParsedMessage {
  const parsed = webviewMessageSchema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, reason: `ignored a results panel message (${typeLabel(raw)}): ${describeIssue(parsed.error.issues[0])}` };
}

// The log line quotes the schema's words and a cleaned, shortened type only: a hostile webview could
// otherwise flood the log or forge lines with a huge or multi-line type or field name.
function typeLabel(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'array';
  if (typeof raw !== 'object') return typeof raw;
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return 'no type';
  const label = type.replace(/[^\w.-]/g, '?');
  return label.length > 40 ? `${label.slice(0, 40)}…` : label;
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  if (issue.code === 'unrecognized_keys') return `unexpected field${issue.keys.length === 1 ? '' : 's'}`;
  if (issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type') return 'unknown message type';
  if (issue.path.length === 0) return issue.code === 'invalid_type' ? 'not an object' : 'invalid';
  const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.');
  return `${where}: ${issue.message}`.slice(0, 200);
}
