/**
 * Reading an answer as JSON the way `json` and `schema` checks do: the whole
 * answer, or the inside of one fenced ```json block that is the whole answer
 * (models often wrap JSON that way even when asked not to).
 */

export type JsonAnswer = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const fenced = /^```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

/** The JSON text of an answer: its trimmed text, or the body of a fence that is all of it. */
export function jsonTextOf(answer: string): string {
  const text = answer.trim();
  if (!text.startsWith('```')) return text;
  const match = fenced.exec(text);
  return match ? (match[1] ?? '').trim() : text;
}

export function readJsonAnswer(answer: string): JsonAnswer {
  const text = jsonTextOf(answer);
  if (text === '') return { ok: false, message: 'the answer is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `the answer is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}
