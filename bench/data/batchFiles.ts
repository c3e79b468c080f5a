/**
 * The batches the scenarios send: every request distinct (so nothing is
 * de-duplicated or answered from a cache by accident) and recognisable in its
 * answer, since the mock answers `mock: <last user message>`.
 */
import { writeFileSync } from 'node:fs';

export const benchModel = 'gpt-4o-mini';
export const systemText = 'You are a concise assistant. Answer in one sentence.';
const cities = ['Paris', 'Oslo', 'Lima', 'Tokyo', 'Cairo', 'Quito', 'Perth', 'Riga', 'Delhi', 'Accra'];

export function requestId(index: number): string {
  return `r${String(index).padStart(6, '0')}`;
}

/** The index encoded in a {@link requestId}, or -1. */
export function indexOfRequestId(id: unknown): number {
  if (typeof id !== 'string' || !/^r\d{6,}$/.test(id)) return -1;
  return Number(id.slice(1));
}

export function userText(index: number): string {
  return `Request ${index}: name one fact about the number ${index}.`;
}

/** What the mock answers to request `index`. */
export function expectedAnswer(index: number): string {
  return `mock: ${userText(index)}`;
}

export function chatBody(index: number): { model: string; messages: Array<{ role: string; content: string }>; max_tokens: number } {
  return {
    model: benchModel,
    messages: [
      { role: 'system', content: systemText },
      { role: 'user', content: userText(index) },
    ],
    max_tokens: 64,
  };
}

/** One OpenAI Batch API input line. */
export function jsonlLine(index: number): string {
  return JSON.stringify({ custom_id: requestId(index), method: 'POST', url: '/v1/chat/completions', body: chatBody(index) });
}

function writeLines(path: string, count: number, lineOf: (index: number) => string, header = ''): number {
  const chunks: string[] = [header];
  // Built in slices so a 100 000-line file never needs one giant array of lines.
  const slice = 10_000;
  for (let start = 0; start < count; start += slice) {
    const lines: string[] = [];
    for (let index = start; index < Math.min(count, start + slice); index++) lines.push(lineOf(index));
    chunks.push(`${lines.join('\n')}\n`);
  }
  const text = chunks.join('');
  writeFileSync(path, text, 'utf8');
  return Buffer.byteLength(text);
}

/** Writes `count` requests as OpenAI Batch API input; returns the file's size in bytes. */
export function writeJsonlBatch(path: string, count: number): number {
  return writeLines(path, count, jsonlLine);
}

/** One `.llmbatch` block per request, each with its own variable, the way a long hand-written file looks. */
export function llmbatchBlock(index: number): string {
  const temperature = (index % 5) / 10;
  return [
    `### q${String(index).padStart(6, '0')}`,
    `@temperature = ${temperature}`,
    `@city = "${cities[index % cities.length]!}"`,
    `system: ${systemText}`,
    `user: Request ${index}: name one fact about {{city}} and one about the number ${index}, in plain words.`,
    '',
  ].join('\n');
}

/** Writes a `.llmbatch` file of `count` single-request blocks; returns its size in bytes. */
export function writeLlmbatchFile(path: string, count: number): number {
  const header = ['# A long generated batch: one block per request.', '@provider = openai', `@model = ${benchModel}`, '@max_tokens = 64', '', ''].join('\n');
  return writeLines(path, count, llmbatchBlock, header);
}
